/**
 * The permissions boundary of every role the stacks create (components/shared/iam-scope.ts): whatever inline policy a
 * deploy role writes on such a role, the role can do nothing of identity or account administration and assume no
 * other role. The stacks' roles need none of that: ECS tasks and their agent, AWS Backup, the NAT instance.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { BOUNDARY_EXCLUDED_ACTIONS, STACK_BOUNDARY, STACK_IAM_PATH_PREFIX } from "../components/shared/iam-scope";

/** The boundary's document: everything but the excluded actions. */
export function boundaryDocument() {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "NoIdentityAdministration", Effect: "Allow", NotAction: BOUNDARY_EXCLUDED_ACTIONS, Resource: "*" },
      // The restore test's workflow starts an ECS task, which passes that task's roles: only the stacks' own, only
      // to ECS tasks.
      {
        Sid: "PassStackRolesToTasks",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: `arn:aws:iam::*:role${STACK_IAM_PATH_PREFIX}*`,
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ],
  };
}

export function stackBoundary(): aws.iam.Policy {
  return new aws.iam.Policy(
    "stack-boundary",
    {
      name: STACK_BOUNDARY.name,
      path: STACK_BOUNDARY.path,
      description: "ai-platform: the permissions boundary of every role the stacks create (no IAM, account or organization actions, no AssumeRole)",
      policy: pulumi.jsonStringify(boundaryDocument()),
    },
    // Every stack role names it: deleting it would leave them unbounded, and the deploy roles unable to make more.
    { protect: true },
  );
}
