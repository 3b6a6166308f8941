/**
 * The IAM actions `npm run diagnose` calls: all read-only, one per API operation the collector sends
 * (tests/diagnose.test.ts checks the two agree). bootstrap/ grants exactly these to the preview and drift roles,
 * so the diagnosis runs with either of them as well as with a deploy role.
 *
 * This file imports nothing: bootstrap/ reads the list without loading the AWS SDK.
 */
export const DIAGNOSE_ACTIONS = [
  "ecs:DescribeServices",
  "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments",
  "ecs:ListTasks",
  "ecs:DescribeTasks",
  "ecs:DescribeTaskDefinition",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "logs:GetLogEvents",
  "application-autoscaling:DescribeScheduledActions",
] as const;

export type DiagnoseAction = (typeof DIAGNOSE_ACTIONS)[number];
