/**
 * Reads ECS's own records of each service, read-only (the calls are scripts/diagnose/actions.ts): the service
 * (counts, deployments, events), its latest service deployment (what rolled it back), its recent stopped tasks
 * and their task definitions, the target groups it registers with and their targets' health, and its scheduled
 * scaling actions (the sleep schedule). Container log lines are read later, only for the tasks that need them.
 *
 * The clients come from the SDK's default chain unless given: region, profile, credentials and
 * `AWS_ENDPOINT_URL_*` are the environment's, as for the AWS CLI.
 */
import { ApplicationAutoScalingClient, ScheduledAction, paginateDescribeScheduledActions } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  Service,
  ServiceDeployment,
  Task,
  TaskDefinition,
  paginateListTasks,
} from "@aws-sdk/client-ecs";
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetGroup,
  TargetHealthDescription,
  paginateDescribeTargetGroups,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DiagnoseError } from "./errors";
import { DiagnoseOutputs } from "./outputs";

/** One client per AWS service the diagnosis reads. */
export interface Clients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  logs: CloudWatchLogsClient;
  autoscaling: ApplicationAutoScalingClient;
}

/** Clients configured by the SDK's default chain alone: nothing here overrides the environment. */
export function defaultClients(): Clients {
  return { ecs: new ECSClient({}), elbv2: new ElasticLoadBalancingV2Client({}), logs: new CloudWatchLogsClient({}), autoscaling: new ApplicationAutoScalingClient({}) };
}

/** How far back a service deployment counts as the latest one: a failed `pulumi up` started minutes ago. */
export const DEPLOYMENT_LOOKBACK_HOURS = 24;
/** ECS's limits per call. */
const DESCRIBE_SERVICES_MAX = 10;
const DESCRIBE_TASKS_MAX = 100;
/** Log lines shown of a container that failed: enough for a stack trace's head, short enough for a job summary. */
export const LOG_LINES = 20;

export interface TargetGroupRecord {
  group: TargetGroup;
  targets: TargetHealthDescription[];
}

/** Everything ECS, ELB and Application Auto Scaling say about one system's service. */
export interface ServiceRecords {
  /** The system's key in the outputs (`gateway`). */
  system: string;
  serviceName: string;
  /** Absent when ECS does not know the service (`missing` says why). */
  service?: Service;
  missing?: string;
  /** The newest service deployment of the last DEPLOYMENT_LOOKBACK_HOURS: its status says whether it rolled back. */
  deployment?: ServiceDeployment;
  /** The stopped tasks ECS still lists (about an hour's worth), newest first. */
  stoppedTasks: Task[];
  /** The stopped tasks' task definitions, by ARN. */
  taskDefinitions: Record<string, TaskDefinition>;
  targetGroups: TargetGroupRecord[];
  scheduledActions: ScheduledAction[];
}

/** The records of every service in the outputs, in their order. */
export async function collect(outputs: DiagnoseOutputs, clients: Clients, now: Date): Promise<ServiceRecords[]> {
  const cluster = outputs.clusterName;
  const entries = Object.entries(outputs.serviceNames);
  const described = new Map<string, Service>();
  const missing = new Map<string, string>();
  for (let i = 0; i < entries.length; i += DESCRIBE_SERVICES_MAX) {
    const names = entries.slice(i, i + DESCRIBE_SERVICES_MAX).map(([, name]) => name);
    const answer = await call("ecs:DescribeServices", () => clients.ecs.send(new DescribeServicesCommand({ cluster, services: names })));
    for (const s of answer.services ?? []) if (s.serviceName) described.set(s.serviceName, s);
    for (const f of answer.failures ?? []) missing.set(f.arn?.split("/").pop() ?? "", f.reason ?? "unknown");
  }
  return Promise.all(
    entries.map(async ([system, serviceName]): Promise<ServiceRecords> => {
      const service = described.get(serviceName);
      if (!service || service.status === "INACTIVE") {
        return { system, serviceName, missing: service ? "INACTIVE (deleted)" : (missing.get(serviceName) ?? "MISSING"), stoppedTasks: [], taskDefinitions: {}, targetGroups: [], scheduledActions: [] };
      }
      const [deployment, stoppedTasks, targetGroups, scheduledActions] = await Promise.all([
        latestDeployment(clients.ecs, cluster, serviceName, now),
        recentStoppedTasks(clients.ecs, cluster, serviceName),
        targetGroupsOf(clients.elbv2, service),
        scheduledActionsOf(clients.autoscaling, cluster, serviceName),
      ]);
      const taskDefinitions = await taskDefinitionsOf(clients.ecs, stoppedTasks);
      return { system, serviceName, service, deployment, stoppedTasks, taskDefinitions, targetGroups, scheduledActions };
    }),
  );
}

/** ListServiceDeployments has no paginator in the SDK: pages are followed here, bounded by the lookback. */
async function latestDeployment(ecs: ECSClient, cluster: string, service: string, now: Date): Promise<ServiceDeployment | undefined> {
  const after = new Date(now.getTime() - DEPLOYMENT_LOOKBACK_HOURS * 3600_000);
  let newest: { arn: string; createdAt: number } | undefined;
  let nextToken: string | undefined;
  do {
    const page = await call("ecs:ListServiceDeployments", () => ecs.send(new ListServiceDeploymentsCommand({ cluster, service, createdAt: { after }, nextToken })));
    for (const d of page.serviceDeployments ?? []) {
      const createdAt = d.createdAt?.getTime() ?? 0;
      if (d.serviceDeploymentArn && (!newest || createdAt > newest.createdAt)) newest = { arn: d.serviceDeploymentArn, createdAt };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (!newest) return undefined;
  const arn = newest.arn;
  const described = await call("ecs:DescribeServiceDeployments", () => ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })));
  return described.serviceDeployments?.[0];
}

async function recentStoppedTasks(ecs: ECSClient, cluster: string, serviceName: string): Promise<Task[]> {
  const arns: string[] = [];
  await call("ecs:ListTasks", async () => {
    for await (const page of paginateListTasks({ client: ecs, pageSize: DESCRIBE_TASKS_MAX }, { cluster, serviceName, desiredStatus: "STOPPED" })) {
      arns.push(...(page.taskArns ?? []));
    }
  });
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_MAX) {
    const answer = await call("ecs:DescribeTasks", () => ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_TASKS_MAX) })));
    tasks.push(...(answer.tasks ?? []));
  }
  const stopped = (t: Task) => (t.stoppedAt ?? t.stoppingAt ?? t.createdAt)?.getTime() ?? 0;
  return tasks.sort((a, b) => stopped(b) - stopped(a));
}

async function taskDefinitionsOf(ecs: ECSClient, tasks: Task[]): Promise<Record<string, TaskDefinition>> {
  const arns = [...new Set(tasks.flatMap((t) => (t.taskDefinitionArn ? [t.taskDefinitionArn] : [])))];
  const found = await Promise.all(
    arns.map(async (taskDefinition) => {
      const answer = await call("ecs:DescribeTaskDefinition", () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })));
      return [taskDefinition, answer.taskDefinition] as const;
    }),
  );
  return Object.fromEntries(found.filter((e): e is readonly [string, TaskDefinition] => e[1] !== undefined));
}

async function targetGroupsOf(elbv2: ElasticLoadBalancingV2Client, service: Service): Promise<TargetGroupRecord[]> {
  const arns = [...new Set((service.loadBalancers ?? []).flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : [])))];
  if (!arns.length) return [];
  const groups: TargetGroup[] = [];
  await call("elasticloadbalancing:DescribeTargetGroups", async () => {
    for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { TargetGroupArns: arns })) groups.push(...(page.TargetGroups ?? []));
  });
  return Promise.all(
    groups.map(async (group) => {
      const health = await call("elasticloadbalancing:DescribeTargetHealth", () => elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn })));
      return { group, targets: health.TargetHealthDescriptions ?? [] };
    }),
  );
}

async function scheduledActionsOf(autoscaling: ApplicationAutoScalingClient, cluster: string, serviceName: string): Promise<ScheduledAction[]> {
  const actions: ScheduledAction[] = [];
  await call("application-autoscaling:DescribeScheduledActions", async () => {
    const input = { ServiceNamespace: "ecs" as const, ResourceId: `service/${cluster}/${serviceName}` };
    for await (const page of paginateDescribeScheduledActions({ client: autoscaling }, input)) actions.push(...(page.ScheduledActions ?? []));
  });
  return actions;
}

/** The last lines a container wrote, or why there are none. */
export type ContainerLog = { lines: string[] } | { unavailable: string };

/**
 * The container's last LOG_LINES lines, from the awslogs stream its task definition names:
 * `<awslogs-stream-prefix>/<container name>/<task id>`. A container that never started has no stream; a failure
 * to read one is reported beside the finding rather than failing the diagnosis.
 */
export async function lastLogLines(logs: CloudWatchLogsClient, taskDefinition: TaskDefinition | undefined, container: string, taskArn: string): Promise<ContainerLog> {
  const definition = taskDefinition?.containerDefinitions?.find((c) => c.name === container);
  const options = definition?.logConfiguration?.logDriver === "awslogs" ? definition.logConfiguration.options : undefined;
  const group = options?.["awslogs-group"];
  const prefix = options?.["awslogs-stream-prefix"];
  if (!group || !prefix) return { unavailable: "its task definition names no awslogs group and stream prefix" };
  const taskId = taskArn.split("/").pop();
  const stream = `${prefix}/${container}/${taskId}`;
  try {
    // Newest first from the end of the stream; the page comes back in time order.
    const answer = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: false, limit: LOG_LINES }));
    return { lines: (answer.events ?? []).map((e) => (e.message ?? "").replace(/\s+$/, "")) };
  } catch (err) {
    const name = (err as Error).name;
    if (name === "ResourceNotFoundException") return { unavailable: `no log stream ${group}:${stream} (the container never started)` };
    return { unavailable: `logs:GetLogEvents on ${group}:${stream} failed: ${name}: ${(err as Error).message}` };
  }
}

/** A call whose failure stops the diagnosis, said in one line: which action, and AWS's error. */
async function call<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw new DiagnoseError(`${action} failed: ${describeAwsError(err)}`);
  }
}

/** The SDK's error in one line; the ones that mean "not set up" say what to set. */
export function describeAwsError(err: unknown): string {
  const e = err as Error;
  if (/Region is missing/i.test(e.message)) return "no AWS region: set AWS_REGION (or AWS_PROFILE with a region)";
  if (e.name === "CredentialsProviderError") return `no AWS credentials: ${e.message}`;
  return `${e.name}: ${e.message.split("\n")[0]}`;
}
