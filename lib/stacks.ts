/** The stacks this project commits a config file for (`Pulumi.<stack>.yaml`). */
export const STACKS = ["staging", "prod"] as const;

export type StackName = (typeof STACKS)[number];

/** Whether a string names one of the committed stacks. */
export function isStackName(value: string): value is StackName {
  return (STACKS as readonly string[]).includes(value);
}
