/**
 * The diagnosis as Markdown that reads as well in a terminal as in a GitHub job summary: a table of the services,
 * then for each service its state, its findings (the classified line, the fix, a runbook link, ECS's own words and
 * the container's last log lines) and its latest events.
 */
import { CAUSES, runbookLink } from "./causes";
import type { Diagnosis, FindingGroup, ServiceDiagnosis } from "./types";
import { iso } from "./state";

/** ECS keeps 100 events per service; the newest few say what the deployment did last. */
export const EVENTS_SHOWN = 8;

export function renderDiagnosis(d: Omit<Diagnosis, "markdown">): string {
  const unhealthy = d.services.filter((s) => !s.state.healthy);
  const verdict = unhealthy.length
    ? `**${unhealthy.length} of ${d.services.length} services unhealthy:** ${unhealthy.map((s) => s.system).join(", ")}.`
    : `**Every service is healthy** (${d.services.length} of ${d.services.length}).`;
  return [
    `# Diagnosis of stack \`${d.stack}\``,
    "",
    `${verdict} Cluster \`${d.cluster}\`.`,
    ...(d.from === "state" ? ["", "The stack has no outputs yet (its first `pulumi up` failed), so its services were read from its state."] : []),
    "",
    "| system | service | state | tasks | causes found |",
    "|---|---|---|---|---|",
    ...d.services.map(
      (s) =>
        `| ${s.system} | \`${s.serviceName}\` | ${s.state.healthy ? stateWord(s) : `**${stateWord(s)}**`} | ${s.state.counts} | ${[...new Set(s.findings.map((f) => CAUSES[f.finding.cause].title))].join(", ") || "—"} |`,
    ),
    ...d.services.flatMap(renderService),
  ].join("\n");
}

const stateWord = (s: ServiceDiagnosis): string => (s.state.asleep ? "asleep" : s.state.healthy ? "healthy" : "unhealthy");

function renderService(s: ServiceDiagnosis): string[] {
  return [
    "",
    `## ${s.system}: ${stateWord(s)}`,
    "",
    `Service \`${s.serviceName}\`: ${s.state.counts}.`,
    ...(s.state.deployment.length ? ["", ...s.state.deployment.map((line) => `- ${line}`)] : []),
    ...(s.state.problems.length ? ["", "Unhealthy because:", ...s.state.problems.map((p) => `- ${p}`)] : []),
    ...(s.findings.length ? ["", "### Causes", ...s.findings.flatMap(renderFinding)] : ["", "No stopped task or refused target to explain."]),
    ...(s.events.length ? ["", `### Latest events`, "", ...s.events.slice(0, EVENTS_SHOWN).map((e) => `- ${e.createdAt ? `${iso(e.createdAt)} ` : ""}${e.message}`)] : []),
    ...(s.events.length > EVENTS_SHOWN ? [`- … ${s.events.length - EVENTS_SHOWN} older events: \`aws ecs describe-services\``] : []),
  ];
}

function renderFinding(g: FindingGroup, i: number): string[] {
  const { finding } = g;
  const which =
    g.source === "service"
      ? "the service"
      : g.source === "target"
        ? `${g.count} target${g.count > 1 ? "s" : ""}`
        : `${g.count} stopped task${g.count > 1 ? "s" : ""}, newest \`${g.latest?.taskId}\`${g.latest?.stoppedAt ? ` at ${iso(g.latest.stoppedAt)}` : ""}`;
  const notFailure = CAUSES[finding.cause].failure ? "" : " (not a failure)";
  return [
    "",
    `${i + 1}. **${finding.line}** — ${which}${notFailure}`,
    `   - Fix: ${finding.fix}. Runbook: [${runbookLink(finding.cause)}](${runbookLink(finding.cause)})`,
    `   - What AWS said:`,
    ...fenced(finding.raw, "     "),
    ...(g.log && finding.logsOf ? renderLog(g.log, finding.logsOf) : []),
  ];
}

function renderLog(log: NonNullable<FindingGroup["log"]>, container: string): string[] {
  if ("unavailable" in log) return [`   - No log lines of \`${container}\`: ${log.unavailable}`];
  if (!log.lines.length) return [`   - \`${container}\` wrote no log lines`];
  return [`   - Last ${log.lines.length} log lines of \`${container}\`:`, ...fenced(log.lines, "     ")];
}

/** A code block that no line of `lines` can close early: its fence is longer than any backtick run in them. */
function fenced(lines: string[], indent: string): string[] {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = "`".repeat(longest + 1);
  return [`${indent}${fence}text`, ...lines.map((l) => `${indent}${l}`), `${indent}${fence}`];
}
