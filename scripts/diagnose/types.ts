/** What a diagnosis is made of: the shapes the library returns and the renderer prints. */
import type { Finding } from "./causes";
import type { ContainerLog } from "./collect";
import type { ServiceState } from "./state";

/** Records that share a finding: one line for many tasks that failed the same way. */
export interface FindingGroup {
  finding: Finding;
  /** What the finding was read from. */
  source: "service" | "stopped task" | "target";
  /** Tasks (or targets) it covers. */
  count: number;
  /** The newest stopped task of the group. */
  latest?: { taskId: string; stoppedAt?: Date };
  /** The newest task's container log, when the finding names a container. */
  log?: ContainerLog;
}

export interface ServiceDiagnosis {
  system: string;
  serviceName: string;
  state: ServiceState;
  findings: FindingGroup[];
  /** ECS's service events, newest first. */
  events: { createdAt?: Date; message: string }[];
}

export interface Diagnosis {
  stack: string;
  cluster: string;
  /** Where the services were found: the stack's outputs, or the state of a stack that has none yet. */
  from: "outputs" | "state";
  /** Every service runs what it should (a sleeping one does). */
  healthy: boolean;
  services: ServiceDiagnosis[];
  /** The report, as the command prints it. */
  markdown: string;
}
