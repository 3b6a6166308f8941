/**
 * A Mermaid picture of the stack, drawn from the plan (which is read from the captured resource graph) at component
 * level: the internet through the web firewall to the load balancer and its listeners, each listener's rules to the
 * services they forward to, each service with its containers, and from each service its file system, its secrets and
 * its image repository; the alarms of each part to the alarm topic. It follows the code because it is drawn from
 * what the program registers; tests/diagram.test.ts parses it with Mermaid's own parser.
 */
import { OWNER_TITLES, StackPlan } from "./model";

/** Mermaid's default limit is 500 edges per diagram (`maxEdges`); stay well inside it. */
export const MAX_EDGES = 500;

const id = (...parts: string[]): string => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
/** A node label: Mermaid's quoted text, with what would end the quotes written as an entity. */
const label = (text: string): string => `"${text.replace(/"/g, "#quot;")}"`;

export interface Diagram {
  text: string;
  edges: number;
}

export function renderDiagram(plan: StackPlan): Diagram {
  const lines: string[] = ["flowchart LR"];
  const edges: string[] = [];
  const edge = (from: string, to: string, text?: string) => edges.push(`  ${from} -->${text ? `|${label(text)}|` : ""} ${to}`);

  lines.push(`  internet((${label("Internet")}))`);
  let front = "internet";
  const waf = plan.platform.waf;
  if (waf) {
    lines.push(`  waf[${label(`WAF ${waf.name}: ${waf.rules.length} rules`)}]`);
    edge(front, "waf");
    front = "waf";
  }
  lines.push(`  alb[${label("Application Load Balancer")}]`);
  edge(front, "alb");
  for (const l of plan.platform.listeners) {
    lines.push(`  ${id("listener", String(l.port))}[${label(`${l.protocol}:${l.port}`)}]`);
    edge("alb", id("listener", String(l.port)));
  }

  for (const svc of plan.services) {
    const s = id("svc", svc.name);
    lines.push(`  subgraph ${id("system", svc.name)}[${label(`${OWNER_TITLES[svc.owner]} (${svc.name})`)}]`);
    lines.push(`    ${s}[${label(`service ${svc.name}`)}]`);
    for (const c of svc.containers) {
      const cid = id("container", svc.name, c.name);
      lines.push(`    ${cid}[${label(`${c.name}${c.ports.length ? ` :${c.ports.join(", :")}` : ""}`)}]`);
      edge(s, cid);
    }
    lines.push("  end");

    // Listener → service, one edge per listener, labelled with how many rules route there.
    const byListener = new Map<string, number>();
    for (const r of svc.rules) byListener.set(r.listener, (byListener.get(r.listener) ?? 0) + 1);
    for (const [listener, count] of byListener) {
      const port = listener.split(":").pop()!;
      edge(id("listener", port), s, `${count} rule${count === 1 ? "" : "s"}`);
    }

    const fileSystems = [...new Set(svc.volumes.map((v) => v.fileSystem))];
    for (const fs of fileSystems) {
      const fid = id("efs", fs);
      lines.push(`  ${fid}[(${label(`EFS ${fs}`)})]`);
      edge(s, fid, `${svc.volumes.filter((v) => v.fileSystem === fs).length} access points`);
    }
    const secrets = plan.secrets.filter((x) => x.owner === svc.owner);
    if (secrets.length) {
      const sid = id("secrets", svc.name);
      lines.push(`  ${sid}[${label(`Secrets Manager: ${secrets.map((x) => x.name).join(", ")}`)}]`);
      edge(s, sid);
    }
    for (const img of plan.images.filter((i) => i.owner === svc.owner)) {
      const rid = id("ecr", img.name);
      lines.push(`  ${rid}[${label(`ECR ${img.name}`)}]`);
      edge(s, rid, "image");
    }
    if (svc.alarms.length) edge(s, "topic", `${svc.alarms.length} alarms`);
  }

  lines.push(`  topic{{${label("SNS alarm topic")}}}`);
  if (waf?.alarms.length) edge("waf", "topic", `${waf.alarms.length} alarm`);
  for (const v of plan.volumes) if (v.alarms.length) edge(id("efs", v.name), "topic", `${v.alarms.length} alarms`);
  if (plan.platform.backup) {
    lines.push(`  backup[(${label(`AWS Backup vault ${plan.platform.backup.vault}`)})]`);
    for (const fs of plan.volumes) edge(id("efs", fs.name), "backup", "daily");
    edge("backup", "topic", "job failures");
  }
  return { text: [...lines, ...edges].join("\n"), edges: edges.length };
}
