/** Markdown of a stack plan: the resource tree with the settings a reviewer checks, outputs, rollout bounds, cost. */
import { DEPLOY_TIME_GOALS } from "../../components/shared/defaults";
import { rolloutBoundSeconds } from "../../components/service/fargate-service";
import { CostEstimate, HOURS_PER_MONTH, money, usd } from "./cost";
import { Price } from "./pricing";
import { renderDiagram } from "./diagram";
import { OWNERS, OWNER_TITLES, PromotionSystemPlan, ServicePlan, StackPlan, SYSTEMS, SystemKey } from "./model";
import { table } from "./markdown";

export { table } from "./markdown";

const code = (s: string | number) => `\`${s}\``;
const onOff = (b: boolean) => (b ? "on" : "off");

/** The summary of a resource tree: counts of resources by type under a component, for what the plan does not detail. */
function resourceCounts(plan: StackPlan, component: { urn: string }): string {
  const counts = new Map<string, number>();
  const walk = (urn: string) => {
    for (const c of plan.children(urn)) {
      if (c.custom) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
      walk(c.urn);
    }
  };
  walk(component.urn);
  return [...counts.entries()].map(([t, n]) => `${t.split(":").pop()} ×${n}`).join(", ");
}

function renderService(svc: ServicePlan): string[] {
  const out: string[] = [];
  const vcpu = svc.cpu / 1024;
  out.push(`#### Service ${code(svc.name)}`);
  out.push(
    `- Task ${code(svc.family)}: ${svc.cpu} CPU units (${vcpu} vCPU), ${svc.memoryMiB} MiB, ${svc.architecture}; private subnets, public IP ${onOff(svc.publicIp)}`,
  );
  out.push(
    svc.scaling
      ? `- Tasks: autoscaling ${svc.scaling.min}–${svc.scaling.max} (${svc.scaling.policies.join(", ")}), starts at ${svc.desiredCount}`
      : `- Tasks: ${svc.desiredCount} (single writer, no autoscaling)`,
  );
  out.push(
    `- Deployment: min healthy ${svc.minHealthyPercent}% / max ${svc.maxPercent}%, circuit breaker ${svc.circuitBreaker}, ` +
      `rolls back when any of ${svc.rollbackAlarms} alarm${svc.rollbackAlarms === 1 ? "" : "s"} fires, grace period ${svc.gracePeriodSeconds ?? "none"}${svc.gracePeriodSeconds === undefined ? "" : " s"}, ` +
      `wait for steady state ${onOff(svc.waitForSteadyState)}, ECS exec ${onOff(svc.ecsExec)}`,
  );
  out.push("");
  out.push(
    table(
      ["container", "image", "ports", "health check", "depends on", "mounts", "runs as"],
      svc.containers.map((c) => [
        c.name + (c.command ? ` (${code(c.command)})` : ""),
        code(c.image),
        c.ports.join(", ") || "—",
        c.healthCheck,
        c.dependsOn.join(", ") || "—",
        c.mounts.join(", ") || "—",
        c.runsAs,
      ]),
    ),
  );
  if (svc.volumes.length) {
    out.push("");
    out.push(
      `- Volumes: ${svc.volumes
        .map((v) => `${code(v.name)} = EFS ${code(v.fileSystem)} access point ${code(v.accessPointPath)}${v.encryptedInTransit ? ", TLS" : ""}${v.iam ? ", IAM" : ""}`)
        .join("; ")}`,
    );
  }
  if (svc.targetGroups.length) {
    out.push("");
    out.push(
      table(
        ["target group", "to", "health check", "interval / timeout", "healthy / unhealthy", "deregistration delay"],
        svc.targetGroups.map((tg) => [
          code(tg.name),
          `${tg.container} (${tg.protocol})`,
          `${tg.protocol} ${tg.path} on ${tg.healthPort}, expects ${tg.matcher}`,
          `${tg.intervalSeconds} s / ${tg.timeoutSeconds} s`,
          `${tg.healthyThreshold} / ${tg.unhealthyThreshold}`,
          `${tg.deregistrationDelaySeconds} s`,
        ]),
      ),
    );
  }
  if (svc.rules.length) {
    out.push("");
    out.push(table(["listener", "priority", "when", "then"], svc.rules.map((r) => [r.listener, r.priority, r.conditions || "any", r.action])));
  }
  out.push("");
  out.push(`- Security group: in ${svc.ingress.join(", ") || "nothing"}; out ${svc.egress.join(", ") || "nothing"}`);
  if (svc.logGroup) out.push(`- Logs: ${code(svc.logGroup.name)}, kept ${svc.logGroup.retentionDays} days`);
  if (svc.alarms.length) out.push(`- Alarms (${svc.alarms.length}):`, ...svc.alarms.map((a) => `  - ${a}`));
  return out;
}

function renderSystem(plan: StackPlan, key: SystemKey): string[] {
  const component = plan.run.resources.find((r) => r.type === SYSTEMS[key].type);
  if (!component) return [];
  const out: string[] = [`### ${SYSTEMS[key].title} — ${code(component.name)}`, ""];
  for (const img of plan.images.filter((i) => i.owner === key)) {
    out.push(`- Image ${code(img.name)}: ECR repository (${img.repository}), keeps ${img.keepImages ?? "?"} images; ${img.built}`);
  }
  for (const v of plan.volumes.filter((x) => x.owner === key)) {
    out.push(
      `- EFS ${code(v.name)}: ${v.throughputMode}${v.provisionedMibps ? ` ${v.provisionedMibps} MiB/s` : ""} throughput, encrypted ${onOff(v.encrypted)}, ` +
        `protect ${onOff(v.protect)}, retain on delete ${onOff(v.retainOnDelete)}, lifecycle ${v.lifecycle}, backup ${v.backup}, ${v.mountTargets} mount targets`,
    );
    out.push(`  - Access points: ${v.accessPoints.map((a) => `${code(a.path)} (owner ${a.owner}, ${a.permissions})`).join(", ")}`);
    if (v.alarms.length) out.push(`  - Alarm: ${v.alarms.join("; ")}`);
  }
  for (const s of plan.secrets.filter((x) => x.owner === key)) {
    out.push(`- Secret ${code(s.name)}: ${s.origin}${s.recoveryWindowDays === undefined ? "" : `, recovery window ${s.recoveryWindowDays} days`}`);
  }
  for (const svc of plan.services.filter((s) => s.owner === key)) {
    out.push("");
    out.push(...renderService(svc));
  }
  out.push("");
  out.push(`<sub>All resources: ${resourceCounts(plan, component)}</sub>`);
  out.push("");
  return out;
}

function renderShared(plan: StackPlan): string[] {
  const out: string[] = [];
  const n = plan.network;
  const networkComponent = plan.run.resources.find((r) => r.type === "ai-platform:network:Network");
  out.push(`### Network — ${code(networkComponent?.name ?? "network")}`, "");
  out.push(
    `- VPC: ${n.vpc}${n.cidr ? `, ${code(n.cidr)}` : ""}, ${n.availabilityZones} AZs, public + private subnet per AZ`,
    n.natInstances.length
      ? `- NAT: ${n.natInstances.map((i) => `instance ${code(i.name)} (${i.type})`).join(", ")} for every private subnet (one instance of failure: while it is down or replaced, no task reaches the internet)`
      : `- NAT: ${n.natStrategy} → ${n.natGateways} NAT gateway${n.natGateways === 1 ? "" : "s"}${n.natStrategy === "Single" ? " (one AZ's outage cuts every task's egress)" : ""}`,
    "",
  );
  const platformComponent = plan.run.resources.find((r) => r.type === "ai-platform:platform:Platform");
  const p = plan.platform;
  out.push(`### Platform — ${code(platformComponent?.name ?? "platform")}`, "");
  out.push(`- ECS cluster: Container Insights ${p.containerInsights}`);
  if (p.alb) {
    out.push(
      `- ALB ${code(p.alb.name)}: ${p.alb.internal ? "internal" : "internet-facing"} in ${p.alb.subnets} public subnets, idle timeout ${p.alb.idleTimeoutSeconds} s, ` +
        `deletion protection ${onOff(p.alb.deletionProtection)}, drop invalid headers ${onOff(p.alb.dropInvalidHeaders)}, access logs ${p.alb.accessLogs}`,
    );
  }
  out.push(`- Exposure: listener ports open to ${p.ingress.join(", ") || "nobody"}`);
  if (p.certificate) out.push(`- Certificate: ${p.certificate}`);
  if (p.dnsRecords.length) out.push(`- DNS: ${p.dnsRecords.join(", ")}`);
  out.push("");
  out.push(table(["listener", "port", "protocol", "default action", "TLS policy"], p.listeners.map((l) => [code(l.name), l.port, l.protocol, l.action, l.tlsPolicy ?? "—"])));
  out.push("");
  if (platformComponent) out.push(`<sub>All resources: ${resourceCounts(plan, platformComponent)}</sub>`, "");
  if (p.waf) {
    out.push(`### Web application firewall — ${code(p.waf.name)}`, "");
    out.push(table(["priority", "rule", "matches", "action"], p.waf.rules.map((r) => [r.priority, code(r.name), r.match, r.action])));
    out.push("");
    if (p.waf.logGroup) out.push(`- Logs: ${code(p.waf.logGroup.split(",")[0])}${p.waf.logGroup.slice(p.waf.logGroup.indexOf(","))}; redacted headers: ${p.waf.redactedHeaders.join(", ") || "none"}`);
    for (const a of p.waf.alarms) out.push(`- Alarm: ${a}`);
    out.push("");
  } else {
    out.push("### Web application firewall", "", "- none (`waf` is false): only the load balancer's own rules guard the key API", "");
  }
  out.push("### Backups and replication", "");
  if (p.backup) {
    const b = p.backup;
    out.push(
      `- Backup plan into vault ${code(b.vault)} (KMS key of its own${b.locked ? ", locked in compliance mode" : ""}${b.keptOnDestroy ? ", kept on destroy with its recovery points" : ", deleted with its recovery points on destroy"}): ${b.fileSystems.map(code).join(", ")}; EFS's default backups off`,
      ...b.rules.map((r) => `  - ${r.name}: ${code(r.schedule)} (UTC), kept ${r.retentionDays} days${r.copyTo ? `, copied to ${r.copyTo}` : ""}`),
      "- Failed, aborted or expired backup, copy and restore jobs → alarm topic (EventBridge)",
    );
  } else {
    out.push("- No backup plan of the stack's own (`backups` false): EFS's default daily backups, kept 35 days, in this region only");
  }
  for (const r of p.replication) out.push(`- Replication: ${code(r.fileSystem)} → read-only replica in ${r.region} (RPO about 15 minutes; lag alarm past an hour)`);
  out.push("");
  out.push(`### Monitoring`, "");
  if (p.alarmTopic) out.push(`- Alarm topic ${p.alarmTopic}`);
  if (p.kmsKeys.length) out.push(`- KMS keys: ${p.kmsKeys.join(", ")}`);
  if (p.dashboards.length) out.push(`- Dashboards: ${p.dashboards.map(code).join(", ")}`);
  out.push("");
  return out;
}

const VERDICT: Record<PromotionSystemPlan["verdict"], string> = {
  promoted: "promoted: the same as",
  unchanged: "unchanged: this stack runs it already, not",
  overridden: "⚠️ overridden: not what",
  refused: "⛔ refused: not what",
};

/** What the stack is built from and runs, and how its images are promoted. */
export function renderRelease(plan: StackPlan): string[] {
  const r = plan.release;
  const out = ["## Release", "", `- App revision: ${code(r.appRevision)}`];
  if (!r.promoteFrom) {
    out.push("- Promotion: none (`promoteFrom` is empty): this stack deploys what its app checkout holds", "");
    out.push(table(["system", "image tag"], Object.entries(r.imageTags).map(([k, tag]) => [OWNER_TITLES[k as SystemKey] ?? k, code(tag)])), "");
    return out;
  }
  if (!r.promotion) {
    out.push(`- Promotion from ${code(r.promoteFrom)}: not checked (see the warning)`, "");
    return out;
  }
  out.push(
    `- Promotion from ${code(r.promoteFrom)}, compared with ${code(r.promoteFrom)} as planned from this same app checkout: ` +
      "the offline plan reads no live stack (`pulumi preview` reads the real one, and this stack's last deploy)",
  );
  if (r.promotion.override) out.push(`- **Promotion override:** "${r.promotion.override}"`);
  out.push("");
  out.push(
    table(
      ["system", "image tag", "compared by", "promotion", `${r.promoteFrom} runs`],
      r.promotion.systems.map((s) => [
        s.title,
        code(r.imageTags[s.key] ?? "?"),
        s.by === "imageTag" ? "content tag" : "app revision",
        `${VERDICT[s.verdict]} ${r.promoteFrom}${s.reason ? ` (${s.reason})` : ""}`,
        s.source ? code(s.source) : "nothing",
      ]),
    ),
    "",
  );
  return out;
}

function renderOutputs(plan: StackPlan): string[] {
  const fmt = (v: unknown): string => {
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => `${k}: ${code(String(x))}`).join("<br>");
    if (Array.isArray(v)) return v.map((x) => code(String(x))).join(", ");
    return code(String(v));
  };
  return [
    "## Outputs",
    "",
    "IDs, ARNs and DNS names are the mocks' placeholders; URLs and names follow the config.",
    "",
    table(["output", "value"], Object.entries(plan.run.outputs).map(([k, v]) => [code(k), fmt(v)])),
    "",
  ];
}

function renderRollout(plan: StackPlan): string[] {
  const bounds: Record<string, number> = plan.run.outputs.rolloutBoundSeconds ?? {};
  const rows = (Object.keys(SYSTEMS) as SystemKey[])
    .filter((k) => k in bounds)
    .map((k) => {
      const tg = plan.services.find((s) => s.owner === k)?.targetGroups[0];
      const formula = tg ? rolloutBoundSeconds(tg) : undefined;
      return [
        SYSTEMS[k].title,
        `${bounds[k]} s`,
        tg ? `${tg.healthyThreshold} × ${tg.intervalSeconds} s + ${tg.deregistrationDelaySeconds} s = ${formula} s${formula === bounds[k] ? "" : " ⚠ differs from the output"}` : "—",
      ];
    });
  return [
    "## Rollout bound",
    "",
    "Seconds a rolling deploy of one target takes at best (`rolloutBoundSeconds` output): healthy threshold × check interval + deregistration delay.",
    "",
    table(["system", "bound", "healthyThreshold × interval + deregistration delay"], rows),
    "",
    ...renderDeployTime(plan),
  ];
}

/** Seconds with minutes beside them from two minutes on: "1050 s (18 min)". */
const seconds = (n: number) => (n >= 120 ? `${n} s (${Math.ceil(n / 60)} min)` : `${n} s`);

/** A figure against its goal (defaults.ts, DEPLOY_TIME_GOALS): the figure, marked when over. */
const againstGoal = (n: number, goal: number) => (n <= goal ? seconds(n) : `${seconds(n)} ⚠ over the goal of ${goal} s`);

/**
 * Each service's deploy time as the component computed it: what every deploy waits out by configuration, the worst
 * good later deploy and first start, a single writer's cutover, the timeouts; then what rolls a bad image back.
 */
function renderDeployTime(plan: StackPlan): string[] {
  const timed = plan.services.filter((s) => s.deployTime);
  const deployRows = timed.map((s) => {
    const d = s.deployTime!;
    const wait = `${againstGoal(d.configuredWaitSeconds, DEPLOY_TIME_GOALS.configuredWaitSeconds)}: ${d.bakeSeconds} bake + ${d.drainSeconds} drain${d.cutoverSeconds === undefined ? "" : ` + ${d.stopSeconds} stop`}`;
    const phases = `${d.taskStartSeconds} start + ${d.healthySeconds} healthy + ${d.targetHealthySeconds} target + ${d.replaceOldSeconds} old task + ${d.bakeSeconds} bake`;
    const cutover = d.cutoverSeconds === undefined ? "— (new tasks first)" : `${againstGoal(d.cutoverSeconds, DEPLOY_TIME_GOALS.cutoverSeconds)}: ${d.drainSeconds} drain + ${d.stopSeconds} stop + ${d.targetHealthySeconds} target`;
    const timeout = s.timeouts ? `${s.timeouts.update} (delete ${s.timeouts.delete})` : "provider default (20m)";
    return [
      code(s.name),
      wait,
      `${seconds(d.totalSeconds)}: ${phases}`,
      `${againstGoal(d.firstStart.totalSeconds, DEPLOY_TIME_GOALS.worstGoodSeconds)}: ${d.firstStart.healthySeconds} healthy`,
      cutover,
      timeout,
    ];
  });
  const rollbackRows = timed
    .filter((s) => s.rollback)
    .map((s) => {
      const r = s.rollback!;
      const d = s.deployTime!;
      const start = `${d.taskStartSeconds} s start`;
      return [
        code(s.name),
        `${r.circuitBreakerThreshold} failed tasks`,
        `≈ ${seconds(r.crashSeconds)}: circuit breaker, ${r.circuitBreakerThreshold} × ${start}`,
        `≈ ${seconds(r.neverHealthySeconds)}: circuit breaker, ${r.circuitBreakerThreshold} × (${start} + ${d.firstStart.healthySeconds} s allowance)`,
        r.serverErrorSeconds ? `${r.serverErrorSeconds} s after the errors start: ${s.rollbackAlarms} deploy-5xx alarm${s.rollbackAlarms === 1 ? "" : "s"}, watched until the bake ends` : "not caught: no rollback alarm",
      ];
    });
  return [
    "## Deploy-time bound and timeout",
    "",
    "Per service, in seconds: what every good deploy waits out by configuration however fast the app (the bake time in which ECS " +
      "watches the rollback alarms, draining, and a single writer's stop timeout); the worst good later deploy (task start and image " +
      "pull, the containers healthy along their dependencies, the target group's healthy checks, the old task drained and stopped, the " +
      "bake time); the first start, whose containers may take the grace period (models downloaded into an empty cache); and a single " +
      "writer's cutover. `pulumi up` waits for a deploy to the end of its bake time; the timeouts cover the first start with the margin. " +
      `Marked where a figure is over issue #29's goal (${DEPLOY_TIME_GOALS.configuredWaitSeconds} s configured, ${DEPLOY_TIME_GOALS.worstGoodSeconds} s worst good, ` +
      `${DEPLOY_TIME_GOALS.cutoverSeconds} s cutover).`,
    "",
    table(["service", "configured wait", "later deploy", "first start", "single-writer cutover", "create/update timeout"], deployRows),
    "",
    "### What rolls a bad image back",
    "",
    "How soon ECS starts rolling back to the last completed deployment, from the start of the deploy (estimates: each try is a task " +
      "start and, for a task that never turns healthy, its allowance before ECS stops it). The rollback then deploys the previous revision.",
    "",
    table(["service", "circuit breaker", "a container crashes", "a task never turns healthy", "the release answers 5xx"], rollbackRows),
    "",
  ];
}

export function renderCost(cost: CostEstimate): string[] {
  const out: string[] = [`## Estimated monthly cost (${cost.region}, USD, list prices)`, ""];
  out.push(
    table(
      ["system", "item", "basis", "per month"],
      OWNERS.flatMap((o) => cost.lines.filter((l) => l.owner === o).map((l) => [OWNER_TITLES[o], l.item, l.basis, money(l.usd)])),
    ),
  );
  out.push("");
  out.push(table(["system", "per month"], [...OWNERS.map((o) => [OWNER_TITLES[o], money(cost.byOwner[o])]), ["**Total**", `**${money(cost.total)}**`]]));
  if (cost.capacity.some((c) => c.spotTasks > 0 || c.hoursPerMonth < HOURS_PER_MONTH)) {
    out.push(
      "",
      "### What capacity and sleep save",
      "",
      "Each service's Fargate cost as configured, beside the same tasks on demand around the clock:",
      "",
      table(
        ["service", "tasks", "on Spot", "hours a month", "on demand 24/7", "as configured", "saving"],
        [
          ...cost.capacity.map((c) => [
            c.service,
            c.tasks,
            Math.round(c.spotTasks * 100) / 100,
            c.hoursPerMonth,
            money(c.alwaysOnDemand),
            money(c.configured),
            money(c.alwaysOnDemand - c.configured),
          ]),
          ["**Stack total**", "", "", "", `**${money(cost.totalAlwaysOnDemand)}**`, `**${money(cost.total)}**`, `**${money(cost.totalAlwaysOnDemand - cost.total)}**`],
        ],
      ),
    );
  }
  out.push(
    "",
    "Notes:",
    "",
    ...cost.unpriced.map((u) => `- **Not priced:** ${u}.`),
    ...cost.notes.map((n) => `- ${n}`),
    "",
    "Assumptions:",
    "",
    ...cost.assumptions.map((a) => `- ${a}`),
    "",
  );
  const t = cost.table;
  out.push(`Prices: ${code(t.file)} (assembled ${t.retrieved}). ${t.about}`, "");
  const tiers = (p: Price) =>
    p.tiers ? ` per unit, tiered: ${p.tiers.map((x) => `${x.upTo === null ? "beyond" : `up to ${x.upTo.toLocaleString("en-US")}`}: ${usd(x.usd)}`).join("; ")}` : "";
  const row = (name: string, p: Price, region: string) => [
    `${name}: ${p.description}`,
    p.unit,
    `${usd(p.usd)}${tiers(p)}`,
    p.region === region ? p.region : `**${p.region}** (no ${region} figure found)`,
    p.source,
    p.via,
    p.date,
  ];
  const header = ["price", "unit", "USD", "figure for", "source", "read via", "date"];
  out.push(table(header, Object.entries(t.prices).map(([k, p]) => row(k, p, t.region))));
  const copies = Object.entries(t.copyRegions).flatMap(([region, prices]) => Object.entries(prices).map(([k, p]) => [region, k, p] as const));
  if (copies.length) {
    out.push("", "Prices in the regions the stacks keep copies in (the EFS replica, the backup copy vault), each for its own region:", "");
    out.push(table(header, copies.map(([region, k, p]) => row(`${region}/${k}`, p, region))));
  }
  out.push("");
  return out;
}

/** The whole plan of one stack. `cost` is a string when no estimate could be made (why). */
export function renderStack(plan: StackPlan, cost: CostEstimate | string): string {
  const out: string[] = [];
  out.push(`# Offline plan: ${code(plan.stack)} (${plan.region})`, "");
  out.push(
    `The real program, run under Pulumi mocks with ${code(`Pulumi.${plan.stack}.yaml`)}: no credentials, no network, nothing deployed. ` +
      `${plan.run.resources.length} resources. App checkout: ${code(plan.appRepoPath)}.`,
  );
  out.push("");
  if (typeof cost !== "string") out.push(`**Estimated total: ${money(cost.total)} per month** (see the cost section for what it includes).`, "");
  for (const w of plan.warnings) out.push(`> **Warning:** ${w}`, "");
  if (typeof cost === "string") out.push(`> **Warning:** ${cost}`, "");
  out.push(...renderRelease(plan));
  const diagram = renderDiagram(plan);
  out.push("## Picture", "", `Drawn from the resources the program registers (${diagram.edges} edges):`, "", "```mermaid", diagram.text, "```", "");
  out.push("## Resources", "");
  out.push(...renderShared(plan));
  for (const k of Object.keys(SYSTEMS) as SystemKey[]) out.push(...renderSystem(plan, k));
  out.push(...renderOutputs(plan));
  out.push(...renderRollout(plan));
  if (typeof cost !== "string") out.push(...renderCost(cost));
  return out.join("\n");
}

