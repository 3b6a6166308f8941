/**
 * The causes the diagnosis names, each with the runbook entry that explains it (docs/runbook.md "Diagnose a
 * failed deploy"; tests/diagnose.test.ts checks every anchor exists). A cause that is no failure (a Spot interruption, a
 * scheduled scale-in, a task a deployment replaced) is shown so the picture is whole, and never makes a service
 * unhealthy by itself.
 */
export const CAUSES = {
  "image-pull": { title: "image pull", failure: true },
  secrets: { title: "secrets", failure: true },
  "efs-mount": { title: "EFS mount", failure: true },
  "target-health": { title: "load balancer health checks", failure: true },
  "container-unhealthy": { title: "container health check", failure: true },
  "container-exited": { title: "essential container exited", failure: true },
  "out-of-memory": { title: "out of memory", failure: true },
  "spot-interruption": { title: "Spot interruption", failure: false },
  sleeping: { title: "sleeping stack", failure: false },
  replaced: { title: "stopped on purpose", failure: false },
  unclassified: { title: "unclassified", failure: true },
} as const satisfies Record<string, { title: string; failure: boolean }>;

export type CauseId = keyof typeof CAUSES;

/** The docs/runbook.md anchor of a cause's runbook entry. */
export const runbookAnchor = (cause: CauseId): string => `diagnose-${cause}`;

/** Where a reader finds the runbook entry, relative to the repository root. */
export const runbookLink = (cause: CauseId): string => `docs/runbook.md#${runbookAnchor(cause)}`;

/** One classified record: what happened in one line, the fix in one line, and the record's own words. */
export interface Finding {
  cause: CauseId;
  /** What happened, in one line. */
  line: string;
  /** What to do about it, in one line. */
  fix: string;
  /** ECS's or the load balancer's own words the line was read from, unchanged. */
  raw: string[];
  /** The container whose last log lines explain it, when they would. */
  logsOf?: string;
}
