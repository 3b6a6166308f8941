/**
 * What a change to the repository does to one stack: the stack planned at a base revision and at the working tree,
 * compared resource by resource (added, removed, replaced, updated, and why), setting by setting, and in dollars.
 * Both plans are of the same stack, so a resource keeps its URN unless the change renames it.
 */
import { Captured } from "../../lib/program-runner";
import { CostEstimate, money } from "./cost";
import { CostChange, SettingChange, costChange, settingChanges, signed } from "./diff";
import { OWNERS, Owner, StackPlan, TYPES } from "./model";
import { HOLDS_STATE, REPLACE_ON_CHANGE, replacingFields } from "./replacement";

export type ChangeKind = "add" | "remove" | "replace" | "update";

export interface ResourceChange {
  kind: ChangeKind;
  type: string;
  /** Logical name: the working tree's, or the base's for a removal. */
  name: string;
  /** URN at the working tree, or at the base for a removal. */
  urn: string;
  owner: Owner;
  /** Why, where the plan can tell: the replace-on-change fields that changed, a rename, the fields updated. */
  reasons: string[];
  /** What the resource holds, when the change deletes it (a removal or a replacement). */
  loses?: string;
  /** `protect` and `retainOnDelete`, when either revision sets them on a resource the change deletes. */
  guards: string[];
  /** Deleting something stateful or guarded: listed first and marked. */
  flagged: boolean;
}

export interface StackChange {
  stack: string;
  /** The base revision as the reader knows it: `HEAD~1 (3f2c1ab)`. */
  base: string;
  /** Flagged ones first, then by kind (replace, remove, add, update), system, type and name. */
  resources: ResourceChange[];
  settings: SettingChange[];
  cost?: CostChange;
  /** Resources registered at the working tree (the size the one-line summary of an unchanged stack gives). */
  resourceCount: number;
}

const KIND_ORDER: ChangeKind[] = ["replace", "remove", "add", "update"];

/** JSON with object keys sorted, and both checkouts' paths written alike (an image's build context). */
function canonical(value: unknown, dirs: readonly string[]): string {
  const text = JSON.stringify(value ?? null, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
  return dirs.reduce((t, d) => t.split(d).join("<checkout>"), text);
}

/** Top-level input fields whose values differ between the two revisions of a resource. */
function changedFields(before: Captured, after: Captured, dirs: readonly string[]): string[] {
  const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])].sort();
  return keys.filter((k) => canonical(before.inputs[k], dirs) !== canonical(after.inputs[k], dirs));
}

/** The part of a URN before its name: the stack, project and type chain (parents' types, then its own). */
const typeChain = (urn: string): string => urn.slice(0, urn.lastIndexOf("::"));

/**
 * Removed and added resources that are one resource renamed. An added resource whose `aliases` name a removed one
 * keeps it (no replacement). Without an alias, a lone removed and a lone added resource with the same type chain
 * are taken as a rename: Pulumi deletes the old one and creates the new one.
 */
function renames(removed: Captured[], added: Captured[]): Map<Captured, { from: Captured; aliased: boolean }> {
  const found = new Map<Captured, { from: Captured; aliased: boolean }>();
  const taken = new Set<Captured>();
  for (const a of added) {
    const from = removed.find((r) => a.aliases.includes(r.urn));
    if (from) {
      found.set(a, { from, aliased: true });
      taken.add(from);
    }
  }
  const byChain = (list: Captured[]) => {
    const m = new Map<string, Captured[]>();
    for (const r of list) m.set(typeChain(r.urn), [...(m.get(typeChain(r.urn)) ?? []), r]);
    return m;
  };
  const removedByChain = byChain(removed.filter((r) => !taken.has(r)));
  for (const [chain, adds] of byChain(added.filter((a) => !found.has(a)))) {
    const dels = removedByChain.get(chain) ?? [];
    if (adds.length === 1 && dels.length === 1) found.set(adds[0], { from: dels[0], aliased: false });
  }
  return found;
}

const onOff = (b: boolean) => (b ? "on" : "off");

/** What the change does to a resource present in both revisions (or renamed), or undefined when nothing. */
function compare(before: Captured, after: Captured, owner: Owner, dirs: readonly string[], rename?: { aliased: boolean }): ResourceChange | undefined {
  const fields = changedFields(before, after, dirs);
  const replacing = replacingFields(after.type, fields);
  const reasons: string[] = [];
  if (rename) {
    reasons.push(
      rename.aliased
        ? `renamed from \`${before.name}\`; its alias keeps the resource`
        : `renamed from \`${before.name}\` without an alias: Pulumi deletes the old resource and creates this one`,
    );
  }
  if (replacing.length) reasons.push(`${replacing.map((f) => `\`${f}\``).join(", ")} changed (replace-on-change: ${REPLACE_ON_CHANGE[after.type].source})`);
  const updated = fields.filter((f) => !replacing.includes(f));
  if (updated.length) reasons.push(`${updated.map((f) => `\`${f}\``).join(", ")} changed`);
  if (before.protect !== after.protect) reasons.push(`protect ${onOff(before.protect)} → ${onOff(after.protect)}`);
  if (before.retainOnDelete !== after.retainOnDelete) reasons.push(`retain on delete ${onOff(before.retainOnDelete)} → ${onOff(after.retainOnDelete)}`);
  if (!reasons.length) return undefined;
  const replaced = replacing.length > 0 || (rename !== undefined && !rename.aliased);
  if (replaced) return deleting("replace", after, owner, reasons, [before, after]);
  if (updated.length && !REPLACE_ON_CHANGE[after.type] && fields.length) {
    reasons.push("the replace-on-change table has no entry for this type: `pulumi preview` tells update from replacement");
  }
  return { kind: "update", type: after.type, name: after.name, urn: after.urn, owner, reasons, guards: [], flagged: false };
}

/** Every string in a value, descending into strings that hold JSON (container definitions, policies). */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    out.push(value);
    if (/^[[{]/.test(value.trim())) {
      try {
        leaves(JSON.parse(value), out);
      } catch {
        // Not JSON after all: the string itself is the leaf.
      }
    }
  } else if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => leaves(v, out));
  return out;
}

/**
 * The identifiers other resources hold of a resource: its ARN and its id. An id that is just the logical name is
 * left out, as names recur in tags and descriptions; an ARN or a generated id does not.
 */
const identifiers = (r: Captured): string[] => [r.state.arn, r.id !== r.name ? r.id : undefined].filter((x): x is string => typeof x === "string" && x.length > 0);

/** A change that deletes a resource: what it holds and what guards it decide whether it is flagged. */
function deleting(kind: "replace" | "remove", r: Captured, owner: Owner, reasons: string[], revisions: Captured[]): ResourceChange {
  const guards = [
    ...(revisions.some((x) => x.protect) ? ["protected: `pulumi up` refuses to delete it until it is unprotected"] : []),
    ...(revisions.some((x) => x.retainOnDelete) ? ["retained on delete: the old one stays in the account, outside the stack"] : []),
  ];
  const loses = HOLDS_STATE[r.type];
  return { kind, type: r.type, name: r.name, urn: r.urn, owner, reasons, loses, guards, flagged: Boolean(loses) || guards.length > 0 };
}

/** The resources a change compares: the cloud resources, not the components that group them or the stack. */
const compared = (plan: StackPlan): Captured[] => plan.run.resources.filter((r) => r.custom && r.type !== TYPES.stack);

/**
 * What changes in the stack from `base` to `head`. `dirs` are the two checkouts' directories, so paths into them
 * compare equal; `costs` are the two estimates at the same price table.
 */
export function compareRevisions(
  base: StackPlan,
  head: StackPlan,
  opts: { baseLabel: string; dirs: readonly string[]; costs?: [CostEstimate, CostEstimate] },
): StackChange {
  const before = new Map(compared(base).map((r) => [r.urn, r]));
  const after = compared(head);
  const added = after.filter((r) => !before.has(r.urn));
  const afterUrns = new Set(after.map((r) => r.urn));
  const removed = [...before.values()].filter((r) => !afterUrns.has(r.urn));
  const renamed = renames(removed, added);
  const renamedFrom = new Set([...renamed.values()].map((r) => r.from));

  const resources: ResourceChange[] = [];
  for (const r of after) {
    const rename = renamed.get(r);
    const prior = rename?.from ?? before.get(r.urn);
    if (!prior) {
      resources.push({ kind: "add", type: r.type, name: r.name, urn: r.urn, owner: head.ownerOf(r), reasons: [], guards: [], flagged: false });
      continue;
    }
    const change = compare(prior, r, head.ownerOf(r), opts.dirs, rename);
    if (change) resources.push(change);
  }
  for (const r of removed.filter((x) => !renamedFrom.has(x))) resources.push(deleting("remove", r, base.ownerOf(r), [], [r]));
  resources.push(...knockOn(after, before, resources, head));

  resources.sort(
    (a, b) =>
      Number(b.flagged) - Number(a.flagged) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      OWNERS.indexOf(a.owner) - OWNERS.indexOf(b.owner) ||
      a.type.localeCompare(b.type) ||
      a.name.localeCompare(b.name),
  );
  return {
    stack: head.stack,
    base: opts.baseLabel,
    resources,
    settings: settingChanges(base, head),
    cost: opts.costs ? costChange(opts.costs) : undefined,
    resourceCount: after.length,
  };
}

/**
 * What a replacement does to the resources that hold the replaced one's ARN or id: that field takes the new
 * resource's value at deploy time (the mocks give both the same one), so they are updated, or replaced too when the
 * field is replace-on-change, and so on down the chain.
 */
function knockOn(after: Captured[], before: Map<string, Captured>, changes: ResourceChange[], head: StackPlan): ResourceChange[] {
  const byUrn = new Map(after.map((r) => [r.urn, r]));
  const changed = new Set(changes.map((c) => c.urn));
  const queue = changes.filter((c) => c.kind === "replace").map((c) => byUrn.get(c.urn)!).filter(Boolean);
  const out: ResourceChange[] = [];
  while (queue.length) {
    const replaced = queue.shift()!;
    const ids = identifiers(replaced);
    for (const r of after) {
      if (changed.has(r.urn) || !before.has(r.urn) || !ids.length) continue;
      const fields = Object.keys(r.inputs).filter((k) => leaves(r.inputs[k]).some((v) => ids.includes(v)));
      if (!fields.length) continue;
      const replacing = replacingFields(r.type, fields);
      const why = `${fields.map((f) => `\`${f}\``).join(", ")} take${fields.length === 1 ? "s" : ""} the new ID of ${replaced.type.split(":").pop()} \`${replaced.name}\`, which is replaced`;
      const c: ResourceChange = replacing.length
        ? deleting("replace", r, head.ownerOf(r), [`${why} (replace-on-change: ${REPLACE_ON_CHANGE[r.type].source})`], [before.get(r.urn)!, r])
        : { kind: "update", type: r.type, name: r.name, urn: r.urn, owner: head.ownerOf(r), reasons: [why], guards: [], flagged: false };
      out.push(c);
      changed.add(r.urn);
      if (c.kind === "replace") queue.push(r);
    }
  }
  return out;
}

/** Whether the change leaves the stack as it was: no resource and no reviewed setting differs. */
export const unchanged = (c: StackChange): boolean => c.resources.length === 0 && c.settings.length === 0;

/** The monthly cost change as a fraction of the base's (Infinity when the base cost nothing and the head does). */
export function costRise(c: StackChange): number | undefined {
  if (!c.cost) return undefined;
  const [before, after] = c.cost.total;
  if (before === 0) return after === 0 ? 0 : Infinity;
  return (after - before) / before;
}

const percent = (f: number) => (Number.isFinite(f) ? `${f >= 0 ? "+" : "−"}${Math.abs(Math.round(f * 1000) / 10)} %` : "new cost");

/** The change in one line: what a PR comment and the job summary quote per stack. */
export function changeSummary(c: StackChange): string {
  if (unchanged(c)) {
    return `\`${c.stack}\`: no change against ${c.base} (${c.resourceCount} resources${c.cost ? `, ${money(c.cost.total[1])} a month` : ""}).`;
  }
  const count = (k: ChangeKind) => c.resources.filter((r) => r.kind === k).length;
  const words: Record<ChangeKind, string> = { add: "to add", remove: "to remove", replace: "to replace", update: "to update" };
  const flagged = c.resources.filter((r) => r.flagged).length;
  const parts = [
    KIND_ORDER.filter((k) => count(k)).map((k) => `${count(k)} ${words[k]}`).join(", ") || "no resource changes",
    ...(flagged ? [`${flagged} stateful or protected deleted`] : []),
    `${c.settings.length} setting${c.settings.length === 1 ? "" : "s"} changed`,
  ];
  if (c.cost) {
    const [before, after] = c.cost.total;
    parts.push(`estimated ${money(before)} → ${money(after)} a month (${signed(after - before)}, ${percent(costRise(c)!)})`);
  }
  return `\`${c.stack}\` against ${c.base}: ${parts.join("; ")}.`;
}
