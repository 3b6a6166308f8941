/**
 * The diagnosis of a stack (`npm run diagnose`), as a library: for each service in the stack's outputs, its
 * deployment state and the cause of each recent stopped task and refused target, with the fix in one line and a
 * pointer to the runbook (docs/runbook.md). Read-only (actions.ts lists every call).
 */
import { Task } from "@aws-sdk/client-ecs";
import { Finding } from "./causes";
import { classifyTarget, classifyTask } from "./classify";
import { Clients, ServiceRecords, collect, defaultClients, lastLogLines } from "./collect";
import { DiagnoseError } from "./errors";
import { DiagnoseOutputs } from "./outputs";
import { renderDiagnosis } from "./render";
import { serviceState, sleepAction, wakeAction } from "./state";

export { DIAGNOSE_ACTIONS } from "./actions";
export { CAUSES, runbookAnchor } from "./causes";
export type { CauseId, Finding } from "./causes";
export { DiagnoseError } from "./errors";
export { readStackOutputs } from "./outputs";
export type { DiagnoseOutputs } from "./outputs";
export type { Clients } from "./collect";
export type { Diagnosis, FindingGroup, ServiceDiagnosis } from "./types";
import type { Diagnosis, FindingGroup, ServiceDiagnosis } from "./types";

export interface DiagnoseOptions {
  /** The stack's name, for the report and the commands it suggests. */
  stack: string;
  outputs: DiagnoseOutputs;
  /** @default clients from the SDK's default chain (region, profile, AWS_ENDPOINT_URL_*) */
  clients?: Clients;
  /** The time the diagnosis is made, for the lookback of deployments. @default now */
  now?: Date;
}

/** Diagnoses every service of the stack. Throws DiagnoseError when AWS cannot be read at all. */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const clients = options.clients ?? defaultClients();
  let records: ServiceRecords[];
  try {
    records = await collect(options.outputs, clients, options.now ?? new Date());
  } catch (err) {
    throw withRegionHint(err, options.outputs);
  }
  const services = await Promise.all(records.map((r) => diagnoseService(r, options.stack, clients)));
  const partial = { stack: options.stack, cluster: options.outputs.clusterName, from: options.outputs.from ?? "outputs", healthy: services.every((s) => s.state.healthy), services };
  return { ...partial, markdown: renderDiagnosis(partial) };
}

async function diagnoseService(records: ServiceRecords, stack: string, clients: Clients): Promise<ServiceDiagnosis> {
  const state = serviceState(records);
  const { service } = records;
  const findings: FindingGroup[] = [];
  if (state.asleep) findings.push({ finding: asleepFinding(records, stack), source: "service", count: 1 });
  if (service) {
    const ctx = { stack, system: records.system, service, targetGroups: records.targetGroups, asleep: state.asleep };
    const tasks = groupTasks(records.stoppedTasks.map((task) => ({ task, finding: classifyTask(task, { ...ctx, taskDefinition: records.taskDefinitions[task.taskDefinitionArn ?? ""] }) })));
    for (const group of tasks) {
      const log = group.finding.logsOf ? await lastLogLines(clients.logs, records.taskDefinitions[group.task.taskDefinitionArn ?? ""], group.finding.logsOf, group.task.taskArn ?? "") : undefined;
      findings.push({ finding: group.finding, source: "stopped task", count: group.count, latest: { taskId: taskId(group.task), stoppedAt: group.task.stoppedAt }, ...(log ? { log } : {}) });
    }
    for (const record of records.targetGroups) {
      const refused = record.targets.flatMap((t) => classifyTarget(t, record, service.healthCheckGracePeriodSeconds ?? 0) ?? []);
      for (const g of groupBy(refused, (f) => f)) findings.push({ finding: g.first, source: "target", count: g.count });
    }
  }
  const events = (service?.events ?? []).map((e) => ({ createdAt: e.createdAt, message: e.message ?? "" }));
  return { system: records.system, serviceName: records.serviceName, state, findings, events };
}

/** The sleeping service as a finding of its own: a scheduled scale-in, not a failure. */
function asleepFinding(records: ServiceRecords, stack: string): Finding {
  const sleep = sleepAction(records.scheduledActions);
  const wake = wakeAction(records.scheduledActions);
  const when = (a: typeof sleep) => (a ? `\`${a.Schedule}\`${a.Timezone ? ` ${a.Timezone}` : ""}` : "");
  return {
    cause: "sleeping",
    line: `Asleep: scaled to 0 by its sleep schedule ${when(sleep)}, a scheduled scale-in, not a failure${wake ? `; it wakes ${when(wake)}` : ""}`,
    fix: `nothing to fix; to wake it now, \`scripts/wake-stack.sh ${stack}\``,
    raw: [`desired 0, running 0; scheduled action ${sleep?.ScheduledActionName} sets ${sleep?.ScalableTargetAction?.MinCapacity ?? 0} to ${sleep?.ScalableTargetAction?.MaxCapacity ?? 0} tasks`],
  };
}

const taskId = (task: Task): string => task.taskArn?.split("/").pop() ?? "unknown";

/** Stopped tasks that failed the same way, newest task first in each group (the tasks come newest first). */
function groupTasks(classified: { task: Task; finding: Finding }[]): { finding: Finding; task: Task; count: number }[] {
  return groupBy(classified, (c) => c.finding).map((g) => ({ finding: g.first.finding, task: g.first.task, count: g.count }));
}

/** Items with the same finding (cause, line, fix and raw words), in first-seen order. */
function groupBy<T>(items: T[], findingOf: (item: T) => Finding): { first: T; count: number }[] {
  const groups = new Map<string, { first: T; count: number }>();
  for (const item of items) {
    const f = findingOf(item);
    const key = JSON.stringify([f.cause, f.line, f.fix, f.raw]);
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { first: item, count: 1 });
  }
  return [...groups.values()];
}

/** "No region" is most often a shell without AWS_REGION: name the stack's own region, from its cluster ARN. */
function withRegionHint(err: unknown, outputs: DiagnoseOutputs): unknown {
  const region = outputs.clusterArn?.split(":")[3];
  if (err instanceof DiagnoseError && /no AWS region/.test(err.message) && region) {
    return new DiagnoseError(`${err.message}; this stack's cluster is in ${region}`);
  }
  return err;
}
