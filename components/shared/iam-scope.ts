/**
 * Where the stacks' IAM roles live and what bounds them: AWS's delegation pattern, which bootstrap/ enforces on the
 * deploy roles. Every role a stack creates sits under its stack's own path and carries the permissions boundary
 * bootstrap makes; a deploy role may create, change and pass roles only there and only with that boundary, so no
 * role it makes can do more than the boundary allows (no IAM, no account or organization changes, no assuming
 * other roles), whatever inline policy it is given.
 */
import * as pulumi from "@pulumi/pulumi";

/** The IAM path (of roles and instance profiles) under which every stack's own roles live. */
export const STACK_IAM_PATH_PREFIX = "/ai-platform/";

/** The IAM path of one stack's roles and instance profiles: `/ai-platform/<stack>/`. */
export function stackIamPath(stack: string): string {
  return `${STACK_IAM_PATH_PREFIX}${stack}/`;
}

/** The managed policy bootstrap makes as every stack role's permissions boundary: its path and name. */
export const STACK_BOUNDARY = { path: "/ai-platform/", name: "ai-platform-stack-boundary" } as const;

/** Actions no role of a stack may ever perform, whatever its own policies say: the boundary allows all but these. */
export const BOUNDARY_EXCLUDED_ACTIONS = ["iam:*", "organizations:*", "account:*", "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"];

/**
 * The tag a stack puts on each secret it generates itself (components/resources/secret.ts), valued with the stack's name: the
 * drift role's refresh may read those values, and no other environment's deploy role may touch them.
 */
export const GENERATED_SECRET_TAG = "ai-platform:generated-for";

/** What every role a stack creates carries: its path and its permissions boundary. */
export interface StackRoleScope {
  path: string;
  permissionsBoundary: pulumi.Input<string>;
}

/** The ARN of a permissions-boundary policy named in config, in this account. */
export function boundaryArn(account: pulumi.Input<string>, policyName: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:iam::${account}:policy${STACK_BOUNDARY.path}${policyName}`;
}

/**
 * A trust policy for an AWS service that only this account's resources may use: `aws:SourceAccount` keeps another
 * account's service request from assuming the role (IAM User Guide, "The confused deputy problem").
 */
export function trustedBy(service: string, account: pulumi.Input<string>) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": account } } },
    ],
  };
}
