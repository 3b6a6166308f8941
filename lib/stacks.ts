/**
 * Stacks: every `Pulumi.<stack>.yaml` beside Pulumi.yaml is one, as the Pulumi CLI sees them. The repository
 * commits staging and prod; an engineer's own `dev` or `prod-us` file is run and planned the same way.
 */
import * as fs from "fs";
import * as path from "path";

/** The stacks this repository commits a config file for: the ones its tests pin (snapshots, stack-file checks). */
export const STACKS = ["staging", "prod"] as const;

/** A stack's name, as `Pulumi.<name>.yaml` spells it. */
export type StackName = string;

/** The characters Pulumi allows in a stack name. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** Raised for a stack that has no config file: the message names the stacks that do. */
export class UnknownStackError extends Error {}

/** The stacks that have a config file in the project directory `root`, sorted. */
export function stacksIn(root: string): StackName[] {
  return fs
    .readdirSync(root)
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The path of a stack's config file in `root`; throws an UnknownStackError when there is none. */
export function stackFile(root: string, stack: string): string {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!STACK_NAME.test(stack) || !fs.existsSync(file)) {
    throw new UnknownStackError(`no stack file Pulumi.${stack}.yaml in ${root} (stacks: ${stacksIn(root).join(", ") || "none"})`);
  }
  return file;
}
