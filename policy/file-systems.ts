/**
 * The EFS file system each system of a stack has, by the URN it has in the stack (by its Name tag, the volume's
 * name). The rule `file-systems-stay` refuses any other file system for a system listed here: a refactor that loses
 * a volume's URN would otherwise create a new, empty file system and move the service onto it before `protect`
 * refuses to delete the old one (CI's `up` skips the preview).
 *
 * Edited by hand, deliberately: a new stack or a new stateful system adds its line (a stack or system not listed may
 * create its first file system), and a rename that keeps the resource through an alias may stay as it is (an alias
 * naming the recorded URN is the same file system). tests/policy.test.ts checks that the committed stacks match.
 */
export const FILE_SYSTEMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  prod: {
    gateway: "urn:pulumi:prod::ai-platform::ai-platform:volume:Volume$aws:efs/fileSystem:FileSystem::gateway",
    security: "urn:pulumi:prod::ai-platform::ai-platform:volume:Volume$aws:efs/fileSystem:FileSystem::security",
  },
  staging: {
    gateway: "urn:pulumi:staging::ai-platform::ai-platform:volume:Volume$aws:efs/fileSystem:FileSystem::gateway",
    security: "urn:pulumi:staging::ai-platform::ai-platform:volume:Volume$aws:efs/fileSystem:FileSystem::security",
  },
};
