/**
 * Names the cause of a stopped task or an unhealthy target from ECS's and ELB's own words, with the fix in one
 * line. The rules are tried in order and the first that recognises the record wins: the order matters where
 * AWS's messages overlap ("unable to pull secrets or registry auth" is an image pull when it is the registry
 * auth that failed; a task stopped for failed ELB checks carries the scheduler's stop code). A record no rule
 * recognises is `unclassified` and keeps its raw words.
 *
 * The message patterns are those of AWS's "Amazon ECS stopped task error messages" and the ELB target health
 * reason codes.
 */
import { ContainerDefinition, Service, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { TargetGroup, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CauseId, Finding } from "./causes";
import { TargetGroupRecord } from "./collect";

/** What a stopped task is read against. */
export interface TaskContext {
  stack: string;
  /** The system's key (`gateway`): config keys are named after it. */
  system: string;
  service: Service;
  taskDefinition?: TaskDefinition;
  targetGroups: TargetGroupRecord[];
  /** The service is scaled to 0 by its sleep schedule. */
  asleep: boolean;
}

type Rule = (task: Task, ctx: TaskContext, words: string) => Omit<Finding, "raw"> | undefined;

/** A network path that never answered: no NAT route, no endpoint, a security group that drops. */
const NO_ROUTE =
  /i\/o timeout|dial tcp|context deadline exceeded|context canceled|request canceled while waiting for connection|connection (issue|timed out|refused|reset)|network configuration|no such host|network is unreachable|send request failed/i;
const DENIED = /AccessDenied|not authorized|Forbidden|\b403\b|denied:|access denied|permission denied/i;

const imagePull: Rule = (_task, _ctx, words) => {
  if (!/CannotPullContainerError|CannotPullImageManifestError|unable to retrieve ecr registry auth|pull image manifest|task can(’|')?t pull|task cannot pull|pull access denied/i.test(words)) return undefined;
  const finding = (line: string, fix: string) => ({ cause: "image-pull" as const, line: `Image pull failed: ${line}`, fix });
  if (NO_ROUTE.test(words)) {
    return finding(
      "no route to ECR",
      "the private subnets need a way out on 443: a running NAT (gateway or instance, `natGateways`) and a 0.0.0.0/0 route in their route tables, or ECR and S3 VPC endpoints",
    );
  }
  if (DENIED.test(words)) {
    return finding(
      "ECR refused the task's execution role",
      "the execution role needs ecr:GetAuthorizationToken and pull rights on this repository (components/service/task-roles.ts grants them by repository ARN): an image from another repository or account is refused",
    );
  }
  if (/not found|manifest unknown|does not exist|whether the image exists/i.test(words)) {
    return finding(
      "the image is gone from ECR",
      "the task definition names an image ECR no longer holds (expired or deleted): `pulumi up` rebuilds and pushes it; `ecrKeepImages` keeps more images",
    );
  }
  return finding("ECR did not hand out the image", "read ECS's words below: the registry's answer names what it refused");
};

const secrets: Rule = (_task, _ctx, words) => {
  if (!/unable to (retrieve|pull) secret|secretsmanager|from asm|from ssm|Secrets Manager/i.test(words)) return undefined;
  const finding = (line: string, fix: string) => ({ cause: "secrets" as const, line: `Secrets could not be read: ${line}`, fix });
  if (NO_ROUTE.test(words)) {
    return finding(
      "no route to Secrets Manager",
      "the private subnets need a way out on 443 to Secrets Manager (a running NAT and its route, or a secretsmanager VPC endpoint that admits the tasks' security group)",
    );
  }
  if (/kms/i.test(words)) {
    return finding(
      "KMS refused to decrypt the secret",
      "the key that encrypts the secret must let the execution role decrypt through Secrets Manager (kms:Decrypt): check that key's policy and the role's grants",
    );
  }
  if (DENIED.test(words)) {
    return finding(
      "the execution role may not read the secret",
      "the execution role needs secretsmanager:GetSecretValue on the secret's exact ARN (components/service/task-roles.ts); a secret recreated outside Pulumi has a new ARN: `pulumi up` again",
    );
  }
  if (/ResourceNotFoundException|can't find the specified secret|marked for deletion/i.test(words)) {
    return finding("the secret does not exist", "the secret was deleted or is scheduled for deletion: `aws secretsmanager restore-secret`, or `pulumi up` to create it again");
  }
  return finding("Secrets Manager refused", "read ECS's words below: Secrets Manager's answer names what it refused");
};

const efsMount: Rule = (_task, _ctx, words) => {
  if (!/\bEFS\b|mount\.nfs|efs-utils|efs utils/i.test(words)) return undefined;
  const finding = (line: string, fix: string) => ({ cause: "efs-mount" as const, line: `EFS mount failed: ${line}`, fix });
  if (/Failed to resolve|mount target/i.test(words)) {
    return finding(
      "no mount target in the task's availability zone",
      "the file system needs an available mount target in each private subnet's zone (`aws efs describe-mount-targets --file-system-id <fs>`); `pulumi up` creates a missing one",
    );
  }
  if (/timed out|timeout/i.test(words)) {
    return finding(
      "NFS (port 2049) timed out",
      "the mount targets' security group must admit TCP 2049 from the task's security group (components/service/task-network.ts), and every mount target must be available",
    );
  }
  if (/No such file or directory/i.test(words)) {
    return finding(
      "the access point's directory is missing",
      "the access point's root directory must exist or carry creation info (owner, group, permissions) so EFS makes it: `aws efs describe-access-points --file-system-id <fs>`",
    );
  }
  if (DENIED.test(words)) {
    return finding(
      "access denied",
      "the task role needs elasticfilesystem:ClientMount (and ClientWrite) through the access point, the file system policy must allow it, and the volume must use IAM and transit encryption",
    );
  }
  return finding("the volume could not be mounted", "read ECS's words below: the mount helper's error names the step that failed");
};

/** A target group's check in words: `HTTP /health on port 3000, 200-399`. */
function checkOf(group: TargetGroup | undefined): { words: string; path: string; port: string; matcher: string } {
  const path = group?.HealthCheckPath ?? "/";
  const port = group?.HealthCheckPort && group.HealthCheckPort !== "traffic-port" ? group.HealthCheckPort : String(group?.Port ?? "the traffic port");
  const matcher = group?.Matcher?.HttpCode ?? "200";
  return { words: `${group?.HealthCheckProtocol ?? "HTTP"} ${path} on port ${port}, expecting ${matcher}`, path, port, matcher };
}

const targetHealth: Rule = (task, ctx) => {
  const reason = task.stoppedReason ?? "";
  if (!/ELB health checks/i.test(reason)) return undefined;
  const arn = /\(target-group ([^)\s]+)\)/.exec(reason)?.[1];
  const group = ctx.targetGroups.find((g) => g.group.TargetGroupArn === arn)?.group ?? ctx.targetGroups[0]?.group;
  const check = checkOf(group);
  const grace = ctx.service.healthCheckGracePeriodSeconds ?? 0;
  return {
    cause: "target-health",
    line: `Failed the load balancer's health checks: ${check.words}${group?.TargetGroupName ? ` (target group ${group.TargetGroupName})` : ""}`,
    fix:
      `the container must answer ${check.matcher} on ${check.path} at port ${check.port}, listening on 0.0.0.0, within the check's timeout; ` +
      `if it only needs longer to start, raise the ${grace} s grace period`,
    logsOf: containerOnPort(ctx.taskDefinition, group?.Port),
  };
};

/** The container of a task definition that takes a target group's traffic. */
function containerOnPort(taskDefinition: TaskDefinition | undefined, port: number | undefined): string | undefined {
  return taskDefinition?.containerDefinitions?.find((c) => c.portMappings?.some((p) => p.containerPort === port))?.name;
}

const definitionOf = (ctx: TaskContext, container: string): ContainerDefinition | undefined =>
  ctx.taskDefinition?.containerDefinitions?.find((c) => c.name === container);

const containerUnhealthy: Rule = (task, ctx) => {
  const unhealthy = task.containers?.find((c) => c.healthStatus === "UNHEALTHY");
  if (!/container health checks/i.test(task.stoppedReason ?? "") && !unhealthy) return undefined;
  const name = unhealthy?.name ?? "a container";
  const check = unhealthy?.name ? definitionOf(ctx, unhealthy.name)?.healthCheck : undefined;
  const command = shorten(check?.command?.filter((part) => part !== "CMD-SHELL" && part !== "CMD").join(" "));
  return {
    cause: "container-unhealthy",
    line: `Container ${name} turned unhealthy: its own health check failed`,
    fix:
      `run its check${command ? ` \`${command}\`` : ""} inside the container (ECS Exec) and read its last log lines; ` +
      `if it is only slow to start, raise its \`startPeriodSeconds\` (${check?.startPeriod ?? 0} s now) where its system defines the container in components/`,
    logsOf: unhealthy?.name,
  };
};

/** A health-check command short enough for a one-line fix; the task definition has the whole of it. */
const COMMAND_SHOWN_CHARS = 100;
const shorten = (command: string | undefined): string | undefined =>
  command && command.length > COMMAND_SHOWN_CHARS ? `${command.slice(0, COMMAND_SHOWN_CHARS - 1)}…` : command;

const outOfMemory: Rule = (task, ctx) => {
  const killed = task.containers?.find((c) => /OutOfMemoryError/i.test(c.reason ?? ""));
  if (!killed) return undefined;
  return {
    cause: "out-of-memory",
    line: `Container ${killed.name} ran out of memory (exit code ${killed.exitCode ?? 137})`,
    fix: `the task has ${task.memory ?? "?"} MiB: raise \`${ctx.system}Memory\` (a Fargate size with \`${ctx.system}Cpu\`), or find what grows in its last log lines`,
    logsOf: killed.name,
  };
};

/** What an exit code says about the process, where it says something. */
const EXIT_CODES: Record<number, string> = {
  0: "it finished",
  1: "the app failed",
  126: "the command is not executable",
  127: "the command was not found",
  137: "killed by SIGKILL",
  139: "segmentation fault",
  143: "stopped by SIGTERM",
};

/**
 * Which exited container stopped the task: when one essential container ends, ECS stops the others with SIGTERM
 * (143) and, after their stop timeout, SIGKILL (137). So any other code is the culprit's, then 137, then 143;
 * 0 last (a container that finished cleanly stops the task too, but only if nothing else failed).
 */
const exitBlame = (code: number): number => (code === 0 ? 3 : code === 143 ? 2 : code === 137 ? 1 : 0);

const containerExited: Rule = (task) => {
  if (task.stopCode !== "EssentialContainerExited" && !/Essential container in task exited/i.test(task.stoppedReason ?? "")) return undefined;
  const exited = task.containers?.filter((c) => c.exitCode !== undefined && c.exitCode !== null) ?? [];
  const culprit = [...exited].sort((a, b) => exitBlame(a.exitCode as number) - exitBlame(b.exitCode as number))[0];
  if (!culprit) return undefined;
  const code = culprit.exitCode as number;
  const meaning = EXIT_CODES[code] ? ` (${EXIT_CODES[code]})` : "";
  const fix =
    code === 126 || code === 127
      ? "the container's command names a program the image lacks: check the Dockerfile's ENTRYPOINT and CMD against the task definition's command"
      : code === 0
        ? "an essential container that ends stops its task: its process must stay in the foreground"
        : "its last log lines below say why: fix the app or its settings and deploy again";
  return { cause: "container-exited", line: `Container ${culprit.name} exited with code ${code}${meaning}`, fix, logsOf: culprit.name };
};

const spotInterruption: Rule = (task, ctx) => {
  if (task.stopCode !== "SpotInterruption" && !/Spot Task was interrupted/i.test(task.stoppedReason ?? "")) return undefined;
  return {
    cause: "spot-interruption",
    line: "Fargate Spot took the task back (a Spot interruption, not a failure)",
    fix: `ECS starts a replacement by itself, but a single writer is down until it is healthy; if that outage matters, \`pulumi config set ${ctx.system}Capacity onDemand && pulumi up\``,
  };
};

const sleeping: Rule = (task, ctx) => {
  if (!ctx.asleep || task.stopCode !== "ServiceSchedulerInitiated") return undefined;
  return {
    cause: "sleeping",
    line: "Stopped by the stack's sleep schedule: a scheduled scale-in to 0, not a failure",
    fix: `nothing to fix: it wakes at its wake time; to wake it now, \`scripts/wake-stack.sh ${ctx.stack}\``,
  };
};

const replaced: Rule = (task) => {
  if (task.stopCode === "UserInitiated") {
    return { cause: "replaced", line: "Stopped by a person or a tool (StopTask), not a failure", fix: "nothing to fix, if the stop was meant" };
  }
  if (task.stopCode === "ServiceSchedulerInitiated" && /Scaling activity|deployment/i.test(task.stoppedReason ?? "")) {
    return { cause: "replaced", line: "Stopped by ECS: replaced by a deployment or scaled in, not a failure", fix: "nothing to fix" };
  }
  return undefined;
};

/**
 * Most specific first: an out-of-memory kill is also an essential container that exited; a failed image pull,
 * secret or volume is also a task that failed to start; a failed ELB or container check is also a scheduler stop.
 */
const RULES: Rule[] = [outOfMemory, imagePull, secrets, efsMount, targetHealth, containerUnhealthy, containerExited, spotInterruption, sleeping, replaced];

/** ECS's words about a task: its stop reason and code, and each container's exit code, reason and health. */
export function taskWords(task: Task): string[] {
  const containers = (task.containers ?? []).flatMap((c) => {
    const parts = [
      c.exitCode !== undefined && c.exitCode !== null ? `exit code ${c.exitCode}` : "",
      c.reason && c.reason !== task.stoppedReason ? c.reason : "",
      c.healthStatus === "UNHEALTHY" ? "health UNHEALTHY" : "",
    ].filter(Boolean);
    return parts.length ? [`${c.name}: ${parts.join(", ")}`] : [];
  });
  return [`${task.stoppedReason ?? "(no stop reason)"}${task.stopCode ? ` [${task.stopCode}]` : ""}`, ...containers];
}

/** The cause of a stopped task. */
export function classifyTask(task: Task, ctx: TaskContext): Finding {
  const raw = taskWords(task);
  const words = raw.join("\n");
  for (const rule of RULES) {
    const found = rule(task, ctx, words);
    if (found) return { ...found, raw };
  }
  return unclassified(task.stopCode ?? "no stop code", raw);
}

/** A target the load balancer does not send traffic to, or undefined for a healthy or settling one. */
export function classifyTarget(target: TargetHealthDescription, record: TargetGroupRecord, grace: number): Finding | undefined {
  const state = target.TargetHealth?.State;
  if (state !== "unhealthy" && state !== "unavailable") return undefined;
  const reason = target.TargetHealth?.Reason ?? "";
  const description = target.TargetHealth?.Description ?? "";
  const raw = [`${target.Target?.Id}:${target.Target?.Port ?? ""} ${state} ${reason}: ${description}`.trim()];
  const check = checkOf(record.group);
  const where = `target ${target.Target?.Id}:${target.Target?.Port ?? check.port} in ${record.group.TargetGroupName}`;
  const finding = (line: string, fix: string): Finding => ({ cause: "target-health", line, fix, raw });
  switch (reason) {
    case "Target.ResponseCodeMismatch":
      return finding(
        `Health check answered with the wrong status: ${where} (${description || "codes not given"}; the check is ${check.words})`,
        `serve ${check.matcher} on ${check.path}, or point the check at a path that does (the port's \`healthCheckPath\` where its system is defined in components/)`,
      );
    case "Target.Timeout":
      return finding(
        `Health check timed out: ${where} (the check is ${check.words})`,
        `the container must listen on 0.0.0.0:${check.port}, the task's security group admit the load balancer on ${check.port}, and ${check.path} answer within the check's timeout; a slow start needs more than the ${grace} s grace period`,
      );
    case "Target.FailedHealthChecks":
      return finding(
        `Health check failed: ${where} (the check is ${check.words})`,
        `the connection to port ${check.port} was refused or reset: is the app up and listening on 0.0.0.0:${check.port}? Its last log lines say; a slow start needs more than the ${grace} s grace period`,
      );
    default:
      return unclassified(reason || state, raw);
  }
}

function unclassified(what: string, raw: string[]): Finding {
  const cause: CauseId = "unclassified";
  return { cause, line: `Unclassified (${what}): ECS's own words below`, fix: "not one of the known causes: read the words below and the service's events, then the runbook", raw };
}
