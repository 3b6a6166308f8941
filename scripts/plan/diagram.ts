/**
 * A Mermaid picture of the stack, drawn from the plan (which is read from the captured resource graph) at component
 * level: the internet through the web firewall to the load balancer and its listeners, each listener's rules to the
 * services they forward to, each service with its containers, and from each service its file system, its secrets and
 * its image repository; the alarms of each part to the alarm topic. It follows the code because it is drawn from
 * what the program registers; tests/plan.test.ts parses it with Mermaid's own parser.
 *
 * The picture of a change (`--base`) is the working tree's picture with what the base had and the change removes
 * drawn back in, and each node the change adds, removes or changes marked by a class GitHub renders.
 */
import { Captured } from "../../lib/program-runner";
import { StackChange } from "./change";
import { OWNER_TITLES, StackPlan, TYPES } from "./model";

/** Mermaid's default limit is 500 edges per diagram (`maxEdges`); stay well inside it. */
export const MAX_EDGES = 500;

const id = (...parts: string[]): string => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
/** A node label: Mermaid's quoted text, with what would end the quotes written as an entity. */
const label = (text: string): string => `"${text.replace(/"/g, "#quot;")}"`;

export interface Diagram {
  text: string;
  edges: number;
}

/** A node: its id and its Mermaid shape, and the subgraph (system) it is drawn in, if any. */
interface Node {
  id: string;
  shape: string;
  group?: { id: string; label: string };
}

interface Edge {
  from: string;
  to: string;
  text?: string;
}

interface DiagramModel {
  nodes: Node[];
  edges: Edge[];
}

/** The picture's nodes and edges, in drawing order. */
function diagramModel(plan: StackPlan): DiagramModel {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  const node = (nodeId: string, shape: string, group?: Node["group"]) => nodes.push({ id: nodeId, shape, group });
  const edge = (from: string, to: string, text?: string) => edges.push({ from, to, text });

  node("internet", `((${label("Internet")}))`);
  let front = "internet";
  const waf = plan.platform.waf;
  if (waf) {
    node("waf", `[${label(`WAF ${waf.name}: ${waf.rules.length} rules`)}]`);
    edge(front, "waf");
    front = "waf";
  }
  node("alb", `[${label("Application Load Balancer")}]`);
  edge(front, "alb");
  for (const l of plan.platform.listeners) {
    node(id("listener", String(l.port)), `[${label(`${l.protocol}:${l.port}`)}]`);
    edge("alb", id("listener", String(l.port)));
  }

  for (const svc of plan.services) {
    const s = id("svc", svc.name);
    const group = { id: id("system", svc.name), label: `${OWNER_TITLES[svc.owner]} (${svc.name})` };
    node(s, `[${label(`service ${svc.name}`)}]`, group);
    for (const c of svc.containers) {
      const cid = id("container", svc.name, c.name);
      node(cid, `[${label(`${c.name}${c.ports.length ? ` :${c.ports.join(", :")}` : ""}`)}]`, group);
      edge(s, cid);
    }

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
      node(fid, `[(${label(`EFS ${fs}`)})]`);
      edge(s, fid, `${svc.volumes.filter((v) => v.fileSystem === fs).length} access points`);
    }
    const secrets = plan.secrets.filter((x) => x.owner === svc.owner);
    if (secrets.length) {
      const sid = id("secrets", svc.name);
      node(sid, `[${label(`Secrets Manager: ${secrets.map((x) => x.name).join(", ")}`)}]`);
      edge(s, sid);
    }
    for (const img of plan.images.filter((i) => i.owner === svc.owner)) {
      const rid = id("ecr", img.name);
      node(rid, `[${label(`ECR ${img.name}`)}]`);
      edge(s, rid, "image");
    }
    if (svc.alarms.length) edge(s, "topic", `${svc.alarms.length} alarms`);
  }

  node("topic", `{{${label("SNS alarm topic")}}}`);
  if (waf?.alarms.length) edge("waf", "topic", `${waf.alarms.length} alarm`);
  for (const v of plan.volumes) if (v.alarms.length) edge(id("efs", v.name), "topic", `${v.alarms.length} alarms`);
  if (plan.platform.backup) {
    node("backup", `[(${label(`AWS Backup vault ${plan.platform.backup.vault}`)})]`);
    for (const fs of plan.volumes) edge(id("efs", fs.name), "backup", "daily");
    edge("backup", "topic", "job failures");
  }
  return { nodes, edges };
}

/** Mermaid text of a model: nodes in order (a system's run of nodes inside its subgraph), then the edges. */
function draw(model: DiagramModel, dashed: ReadonlySet<Edge> = new Set(), classes: string[] = []): Diagram {
  const lines = ["flowchart LR"];
  let open: string | undefined;
  for (const n of model.nodes) {
    if (n.group?.id !== open) {
      if (open) lines.push("  end");
      if (n.group) lines.push(`  subgraph ${n.group.id}[${label(n.group.label)}]`);
      open = n.group?.id;
    }
    lines.push(`${n.group ? "    " : "  "}${n.id}${n.shape}`);
  }
  if (open) lines.push("  end");
  const edges = model.edges.map((e) => `  ${e.from} ${dashed.has(e) ? "-.->" : "-->"}${e.text ? `|${label(e.text)}|` : ""} ${e.to}`);
  return { text: [...lines, ...edges, ...classes].join("\n"), edges: edges.length };
}

export function renderDiagram(plan: StackPlan): Diagram {
  return draw(diagramModel(plan));
}

/** Classes GitHub's Mermaid renders for what a change adds (green), removes (red, dashed) or changes (amber). */
export const CHANGE_CLASSES: Record<"added" | "removed" | "changed", string> = {
  added: "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
  removed: "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 3",
  changed: "fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
};

/** Resource types drawn as the load balancer's node, the secrets' node and the image repository's node. */
const AT_LOAD_BALANCER: readonly string[] = [TYPES.loadBalancer, TYPES.targetGroup, TYPES.certificate, TYPES.record];
const AT_SECRETS: readonly string[] = [TYPES.secret, "aws:secretsmanager/secretVersion:SecretVersion", TYPES.randomBytes];
const AT_REPOSITORY: readonly string[] = [TYPES.repository, TYPES.lifecyclePolicy, TYPES.image];

/** The node a resource is drawn as, if the picture draws it: its system's parts, the edge, the topic, the vault. */
function nodeOf(plan: StackPlan, r: Captured): string | undefined {
  const owner = plan.ownerOf(r);
  const svc = plan.services.find((s) => s.owner === owner);
  const type = r.type;
  if (type.startsWith("aws:efs/")) {
    const volumes = plan.volumes.filter((v) => v.owner === owner);
    const fs = type === TYPES.fileSystem ? r.name : volumes.length === 1 ? volumes[0].name : undefined;
    return fs ? id("efs", fs) : undefined;
  }
  if (type.startsWith("aws:backup/")) return plan.platform.backup ? "backup" : undefined;
  if (type.startsWith("aws:wafv2/")) return plan.platform.waf ? "waf" : undefined;
  if (type.startsWith("aws:sns/")) return "topic";
  if (type === TYPES.listener) return id("listener", String(r.inputs.port));
  if (owner === "shared") return AT_LOAD_BALANCER.includes(type) ? "alb" : undefined;
  if (AT_SECRETS.includes(type)) return svc && id("secrets", svc.name);
  if (AT_REPOSITORY.includes(type)) {
    const img = plan.images.find((i) => i.owner === owner);
    return img && id("ecr", img.name);
  }
  return svc && id("svc", svc.name);
}

/**
 * The picture of a change: the working tree's picture, with the nodes and edges only the base has drawn back in
 * (edges dashed), and classes on every node the change adds, removes or changes.
 */
export function renderChangeDiagram(base: StackPlan, head: StackPlan, change: StackChange): Diagram {
  const before = diagramModel(base);
  const after = diagramModel(head);
  const afterIds = new Set(after.nodes.map((n) => n.id));
  const beforeIds = new Set(before.nodes.map((n) => n.id));
  const nodes = after.nodes.filter((n, i) => after.nodes.findIndex((m) => m.id === n.id) === i);
  for (const n of before.nodes.filter((x) => !afterIds.has(x.id) && !nodes.some((m) => m.id === x.id))) {
    // Drawn inside its system when that system is still there, so the subgraph stays one block.
    const last = n.group ? nodes.map((m) => m.group?.id).lastIndexOf(n.group.id) : -1;
    nodes.splice(last >= 0 ? last + 1 : nodes.length, 0, n);
  }
  const edgeKey = (e: Edge) => `${e.from}>${e.to}`;
  const afterEdges = new Set(after.edges.map(edgeKey));
  const gone = before.edges.filter((e) => !afterEdges.has(edgeKey(e)));

  const marks = new Map<string, "added" | "removed" | "changed">();
  for (const n of nodes) {
    if (!beforeIds.has(n.id)) marks.set(n.id, "added");
    else if (!afterIds.has(n.id)) marks.set(n.id, "removed");
  }
  for (const c of change.resources) {
    const plan = c.kind === "remove" ? base : head;
    const r = plan.run.resources.find((x) => x.urn === c.urn);
    const n = r && nodeOf(plan, r);
    if (n && !marks.has(n) && nodes.some((m) => m.id === n)) marks.set(n, "changed");
  }
  const classes = (Object.keys(CHANGE_CLASSES) as (keyof typeof CHANGE_CLASSES)[]).flatMap((k) => {
    const ids = [...marks].filter(([, v]) => v === k).map(([n]) => n);
    return ids.length ? [`  classDef ${k} ${CHANGE_CLASSES[k]}`, `  class ${ids.join(",")} ${k}`] : [];
  });
  return draw({ nodes, edges: [...after.edges, ...gone] }, new Set(gone), classes);
}
