/**
 * A service's two IAM roles: the execution role ECS uses to start a task (pull exactly its images, write its
 * log group, read exactly the secrets its containers inject) and the task role the application runs as (mount
 * and write its volumes through their access points; SSM messages only with ECS Exec on).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ContainerSpec } from "./container-definition";
import { StackRoleScope, trustedBy } from "../shared/iam-scope";
import { Volume } from "../resources/volume";

export interface TaskRolesArgs {
  containers: ContainerSpec[];
  logGroupArn: pulumi.Input<string>;
  volumes: Volume[];
  enableExecuteCommand: boolean;
  /** With ECS Exec: the log group sessions are written to (by the task role, from inside the task). */
  execLogGroupArn?: pulumi.Input<string>;
  /** Path and permissions boundary of both roles. */
  roleScope: StackRoleScope;
}

export interface TaskRoles {
  executionRole: aws.iam.Role;
  taskRole: aws.iam.Role;
  /** The roles' inline policies: the first task needs every one of them. */
  policies: aws.iam.RolePolicy[];
  /** The key policies of the volumes, naming the task role (EFS uses the key on the task's behalf). */
  keyPolicies: aws.kms.KeyPolicy[];
}

const POLICY_VERSION = "2012-10-17";
const ECS_EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"];

export function createTaskRoles(name: string, args: TaskRolesArgs, parent: pulumi.Resource): TaskRoles {
  const opts = { parent };
  const account = aws.getCallerIdentityOutput({}, opts).accountId;
  const assumeEcsTasks = pulumi.jsonStringify(trustedBy("ecs-tasks.amazonaws.com", account));
  const executionRole = new aws.iam.Role(`${name}-execution`, { ...args.roleScope, assumeRolePolicy: assumeEcsTasks }, opts);
  const secretArns = uniqueOutputs(args.containers.flatMap((c) => Object.values(c.secrets ?? {}).map((s) => s.arn)));
  const repositoryArns = uniqueOutputs(args.containers.map((c) => pulumi.output(c.image.repositoryArn)));
  const policies = [
    new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: executionRole.id,
        policy: pulumi.all([secretArns, repositoryArns, args.logGroupArn]).apply(([secrets, repos, logGroupArn]) =>
          JSON.stringify({
            Version: POLICY_VERSION,
            Statement: [
              // Every image is one of ours in ECR (ContainerImage), so every task pulls from there.
              { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
              {
                Sid: "EcrPull",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: repos,
              },
              { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
              ...(secrets.length ? [{ Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets }] : []),
            ],
          }),
        ),
      },
      opts,
    ),
  ];

  const taskRole = new aws.iam.Role(`${name}-task`, { ...args.roleScope, assumeRolePolicy: assumeEcsTasks }, opts);
  const statements: pulumi.Output<aws.iam.PolicyStatement>[] = args.volumes.map((v) => v.clientPolicyStatement());
  if (args.enableExecuteCommand) {
    statements.push(pulumi.output({ Sid: "EcsExec", Effect: "Allow", Action: ECS_EXEC_ACTIONS, Resource: "*" } as aws.iam.PolicyStatement));
    if (args.execLogGroupArn) {
      // The SSM agent in the task writes the session's log (ECS developer guide, ECS Exec "IAM permissions").
      statements.push(
        pulumi.output(args.execLogGroupArn).apply(
          (arn) => ({ Sid: "EcsExecSessionLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${arn}:*` }) as aws.iam.PolicyStatement,
        ),
        pulumi.output({ Sid: "EcsExecFindLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" } as aws.iam.PolicyStatement),
      );
    }
  }
  if (statements.length > 0) {
    policies.push(
      new aws.iam.RolePolicy(
        `${name}-task`,
        { role: taskRole.id, policy: pulumi.all(statements).apply((Statement) => JSON.stringify({ Version: POLICY_VERSION, Statement })) },
        opts,
      ),
    );
  }
  const keyPolicies = args.volumes.map((v) => v.useKeyFor(name, taskRole.arn));
  return { executionRole, taskRole, policies, keyPolicies };
}

function uniqueOutputs(values: pulumi.Input<string>[]): pulumi.Output<string[]> {
  return pulumi.all(values).apply((v) => [...new Set(v)].sort());
}
