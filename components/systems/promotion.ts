/**
 * Prod runs what staging ran (DESIGN.md, decision 12). A stack with `promoteFrom` reads, before it registers any
 * other resource, what that stack records it runs (its `appRevision` and `imageTags` outputs, through a
 * StackReference, so on any backend) and what it recorded itself at its last deploy, and judges each enabled
 * system's image:
 *
 * - promoted: the stack it promotes from runs it (the same content tag; for a system compared by revision, the same
 *   app revision with the system switched on there);
 * - unchanged: this stack runs it already (an infra-only change, the nightly drift check at prod's own revision);
 * - anything else is refused at preview with every such system named, both sides and the way forward, before an
 *   image is built or a task changes; with `promotionOverride` it is deployed, and each difference is a warning.
 *
 * The judgement is the component's registered output, which the offline plan shows.
 */
import * as pulumi from "@pulumi/pulumi";
import { PromotionSettings, StackConfig } from "../../config";
import { FULL_COMMIT } from "./app-revision";
import { RELEASE_OUTPUTS } from "../shared/defaults";
import { contentTag, missingSources } from "../resources/image";
import { PromotionBasis, SystemDescriptor } from "./system";

/** What a stack recorded it runs; a field is absent when the stack has no such output (no deploy recorded it). */
export interface ReleaseRecord {
  appRevision?: string;
  /** Content tag by system key; a system switched off there has none. */
  imageTags?: Record<string, string>;
}

/** One enabled system's image in this deploy. */
export interface ReleaseCandidate {
  key: string;
  title: string;
  by: PromotionBasis["by"];
  /** Its content tag (by imageTag) or this deploy's app revision (by appRevision). */
  value: string;
}

export type Verdict = "promoted" | "unchanged" | "overridden" | "refused";

/** A system's judgement: what it would run, what the other stack and this one's last deploy run, and why. */
export interface SystemVerdict extends ReleaseCandidate {
  /** What the stack it promotes from runs of it (tag or revision); absent when it does not run the system. */
  source?: string;
  /** What this stack ran of it at its last deploy; absent on a first deploy or with the system newly on. */
  current?: string;
  verdict: Verdict;
  /** Why it is not promoted, in words: "would run image sha-1, staging runs sha-2". */
  reason?: string;
}

/**
 * Each system's image in this deploy, as a promotion compares it: the content tag its image component will push
 * (computed here, before the component exists, by the same function), or the app revision. Undefined when the
 * app checkout lacks a system's sources: nothing can be compared, and the image component says what is missing.
 */
export function releaseCandidates(systems: readonly SystemDescriptor[], config: StackConfig, appRevision: string): ReleaseCandidate[] | undefined {
  const candidates: ReleaseCandidate[] = [];
  for (const s of systems) {
    const basis = s.promotion;
    if (basis.by === "appRevision") {
      candidates.push({ key: s.key, title: s.title, by: basis.by, value: appRevision });
      continue;
    }
    if (missingSources(config.appRepoPath, basis.image.sourceDirs).length) return undefined;
    candidates.push({ key: s.key, title: s.title, by: basis.by, value: contentTag(basis.image, config.appRepoPath, config.architecture) });
  }
  return candidates;
}

/** The fully qualified name of a stack of this project: `<organization>/<project>/<stack>`. */
export function stackReferenceName(stack: string): string {
  // A DIY (S3) backend's organization is always the constant "organization", which getOrganization() returns
  // there; Pulumi Cloud gives the stack's own organization.
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`;
}

/** What a value compared by revision must be to prove anything: a commit, not `unknown` or a dirty tree. */
const provable = (c: ReleaseCandidate): boolean => c.by === "imageTag" || FULL_COMMIT.test(c.value);

/** What a record says a stack runs of a system: its tag, or (by revision) the stack's revision while the system is on. */
function runs(record: ReleaseRecord, c: ReleaseCandidate): string | undefined {
  if (!record.imageTags || !(c.key in record.imageTags)) return undefined;
  return c.by === "imageTag" ? record.imageTags[c.key] : record.appRevision;
}

/** Each candidate judged against the stack `from` (its record `source`) and this stack's last deploy (`current`). */
export function judgePromotion(
  stack: string,
  settings: PromotionSettings,
  candidates: ReleaseCandidate[],
  source: ReleaseRecord,
  current: ReleaseRecord,
): SystemVerdict[] {
  return candidates.map((c) => {
    const there = runs(source, c);
    const here = runs(current, c);
    const base = { ...c, source: there, current: here };
    if (provable(c) && c.value === there) return { ...base, verdict: "promoted" };
    if (provable(c) && c.value === here) return { ...base, verdict: "unchanged" };
    const reason = refusalReason(stack, settings.from, c, source, there);
    return { ...base, verdict: settings.override ? "overridden" : "refused", reason };
  });
}

function refusalReason(stack: string, from: string, c: ReleaseCandidate, source: ReleaseRecord, there: string | undefined): string {
  const would = c.by === "imageTag" ? `${stack} would run image ${c.value}` : `${stack} would be built from app revision ${c.value}`;
  if (!provable(c)) return `${would}, which names no commit, so it cannot be told from what ${from} runs`;
  if (!source.imageTags) return `${would}, and ${from} records no image tags (its last deploy predates them, or it has never finished one)`;
  if (there === undefined) return `${would}, and ${from} does not run this system (it is switched off there)`;
  return `${would}, ${from} runs ${there}`;
}

/** Raised at preview for images the stack promoted from does not run: every system, both sides, the way forward. */
export class PromotionError extends pulumi.RunError {
  constructor(stack: string, from: string, refused: SystemVerdict[]) {
    super(
      `Promotion refused: ${stack} would run what ${from} does not (${refused.length} system${refused.length === 1 ? "" : "s"}):\n` +
        refused.map((v) => `  - ${v.title} (${v.key}): ${v.reason}`).join("\n") +
        `\nDeploy the app revision ${from} runs (\`pulumi stack output appRevision --stack ${from}\`; the Deploy workflow checks it out ` +
        `by default), or deploy this revision to ${from} first. For a hotfix, say why: ` +
        `\`pulumi config set promotionOverride "<reason>" --stack ${stack}\` (the Deploy workflow's promotion_override input).`,
    );
    this.name = "PromotionError";
  }
}

/** The warning an override gives: what it lets through, or that it lets nothing through and should go. */
export function overrideWarning(stack: string, settings: PromotionSettings, verdicts: SystemVerdict[]): string | undefined {
  if (!settings.override) return undefined;
  const overridden = verdicts.filter((v) => v.verdict === "overridden");
  const key = `${pulumi.getProject()}:promotionOverride`;
  if (!overridden.length) {
    return (
      `${key} is set ("${settings.override}"), but ${stack} runs only what ${settings.from} runs or what it ran already: ` +
      `remove it (\`pulumi config rm promotionOverride --stack ${stack}\`) so that the next difference is refused`
    );
  }
  return (
    `${key}: ${stack} deploys what ${settings.from} does not run, because "${settings.override}": ` +
    overridden.map((v) => `${v.title} (${v.key}): ${v.reason}`).join("; ")
  );
}

/**
 * What this file uses of the SDK's Output beyond its public API: the promise of its value, and the promises it keeps
 * beside it (whether the value is known, whether it is secret). The public ways to read a StackReference
 * (`getOutputValue`, `apply`) make further outputs whose side promises nobody can reach.
 */
type OutputInternals = { promise(): Promise<unknown>; isKnown?: Promise<unknown>; isSecret?: Promise<unknown> };

/**
 * A StackReference whose read fails rejects each of its outputs and the promises beside them, which nobody awaits.
 * Left so, the language host reports the first of them as the program's failure, with a stack trace and before the
 * error that says what to do (and a test runner fails the test on them). Handled here: the read's error reaches the
 * program through `readRecord` alone.
 */
function settleQuietly(ref: pulumi.StackReference): pulumi.StackReference {
  for (const output of [ref.urn, ref.id, ref.name, ref.outputs, ref.secretOutputNames]) {
    const internals = output as unknown as OutputInternals;
    for (const p of [internals.isKnown, internals.isSecret]) p?.catch(() => undefined);
  }
  return ref;
}

/**
 * What a stack recorded it runs, as a StackReference reads its outputs (known at preview: the engine reads the stack
 * then). Rejects when the stack cannot be read: it does not exist.
 */
async function readRecord(ref: pulumi.StackReference): Promise<ReleaseRecord> {
  const outputs = ((await (ref.outputs as unknown as OutputInternals).promise()) ?? {}) as Record<string, unknown>;
  return {
    appRevision: outputs[RELEASE_OUTPUTS.appRevision] as string | undefined,
    imageTags: outputs[RELEASE_OUTPUTS.imageTags] as Record<string, string> | undefined,
  };
}

export interface PromotionArgs {
  settings: PromotionSettings;
  /** Every enabled system's image in this deploy. */
  candidates: ReleaseCandidate[];
}

/**
 * The promotion of one stack: a StackReference to the stack it promotes from and one to itself (its last deploy's
 * outputs), and the judgement of each system, registered as the component's outputs (the plan shows them). Use
 * `Promotion.check`, which waits for the judgement and refuses or warns.
 */
export class Promotion extends pulumi.ComponentResource {
  public readonly source: pulumi.StackReference;
  public readonly current: pulumi.StackReference;
  /** What the stack promoted from records; rejects when it cannot be read. */
  public readonly sourceRecord: Promise<ReleaseRecord>;
  public readonly verdicts: Promise<SystemVerdict[]>;

  private constructor(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:release:Promotion", name, {}, opts);
    const stack = pulumi.getStack();
    this.source = settleQuietly(new pulumi.StackReference(`${name}-source`, { name: stackReferenceName(args.settings.from) }, { parent: this }));
    this.current = settleQuietly(new pulumi.StackReference(`${name}-current`, { name: stackReferenceName(stack) }, { parent: this }));
    this.sourceRecord = readRecord(this.source);
    this.verdicts = Promise.all([this.sourceRecord, readRecord(this.current)]).then(([source, current]) =>
      judgePromotion(stack, args.settings, args.candidates, source, current),
    );
    // Registered now (a component registers its outputs once, and the SDK registers none for it once its
    // constructor has returned); a stack that cannot be read records no systems, and `check` says why.
    this.registerOutputs({ from: args.settings.from, override: args.settings.override, systems: this.verdicts.catch(() => []) });
  }

  /**
   * Reads both stacks and judges every candidate: throws a PromotionError naming each refused system, or warns of
   * an override, and resolves with the verdicts.
   */
  static async check(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions): Promise<SystemVerdict[]> {
    const stack = pulumi.getStack();
    const { from } = args.settings;
    const promotion = new Promotion(name, args, opts);
    try {
      await promotion.sourceRecord;
    } catch (err) {
      throw new pulumi.RunError(
        `${pulumi.getProject()}:promoteFrom: ${stack} promotes from ${from} (${stackReferenceName(from)}), which cannot be read: ` +
          `${(err as Error).message}. A first ${stack} deploy needs ${from} deployed first (a merge to main deploys it); ` +
          `a stack with no ${from} to promote from removes promoteFrom from its stack file`,
      );
    }
    const verdicts = await promotion.verdicts;
    const refused = verdicts.filter((v) => v.verdict === "refused");
    if (refused.length) throw new PromotionError(stack, from, refused);
    const warning = overrideWarning(stack, args.settings, verdicts);
    if (warning) pulumi.log.warn(warning, promotion);
    return verdicts;
  }
}
