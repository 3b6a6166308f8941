import { execFileSync } from "child_process";

/**
 * Whether a real program the tests drive (nginx, chromium, shellcheck) is on PATH.
 *
 * Outside CI a missing tool skips its tests with one line that names the install command;
 * under `CI=true` a missing tool is a failure, never a skip (`.ci/run` installs them).
 */
export function toolAvailable(command: string, installHint: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "pipe" });
    return true;
  } catch {
    if (process.env.CI === "true") {
      throw new Error(`${command} is required under CI=true; install it with: ${installHint}`);
    }
    process.stdout.write(`skipping tests that need ${command}: install it with \`${installHint}\`\n`);
    return false;
  }
}

/** `describe` when the tool is there, `describe.skip` (with the install line) when not. */
export function describeWithTool(command: string, installHint: string): jest.Describe {
  return toolAvailable(command, installHint) ? describe : describe.skip;
}
