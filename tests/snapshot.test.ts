/**
 * The guard rail of every refactor: both stacks register exactly the resources of the committed snapshot, under
 * the same URNs (or with an `aliases` entry naming the old one), each with the same inputs and options. A live
 * stack then sees no replacement and no change from a refactor.
 *
 * The snapshot changes only in a commit that says why: `UPDATE_SNAPSHOT=1 npx jest tests/snapshot.test.ts`
 * rewrites it, and the diff of tests/fixtures/snapshot/*.json is what that commit explains.
 */
import * as fs from "fs";
import * as path from "path";
import { Captured, ROOT, STACKS, StackName, runProgram, stableJson } from "./support/harness";

const DIR = path.join(ROOT, "tests", "fixtures", "snapshot");

/** What a live stack would compare: inputs and the options that decide replacement, deletion and timeouts. */
interface Entry {
  type: string;
  inputs: Record<string, unknown>;
  options: Pick<Captured, "protect" | "retainOnDelete" | "ignoreChanges" | "deleteBeforeReplace" | "customTimeouts">;
}

/** JSON with sorted keys and this checkout's path replaced, so the file is the same on every machine. */
function stable(v: unknown): string {
  return stableJson(v, 2).split(ROOT).join("<root>");
}

function entries(resources: Captured[]): Record<string, Entry> {
  return Object.fromEntries(
    resources.map((r) => [
      r.urn,
      {
        type: r.type,
        inputs: r.inputs,
        options: {
          protect: r.protect,
          retainOnDelete: r.retainOnDelete,
          ignoreChanges: r.ignoreChanges,
          deleteBeforeReplace: r.deleteBeforeReplace,
          customTimeouts: r.customTimeouts,
        },
      },
    ]),
  );
}

describe.each(STACKS)("the %s stack against its snapshot", (stack: StackName) => {
  const file = path.join(DIR, `${stack}.json`);
  let current: Record<string, Entry>;
  let aliases: Map<string, string>;
  let snapshot: Record<string, Entry>;
  beforeAll(async () => {
    const run = await runProgram({ stack });
    current = JSON.parse(stable(entries(run.resources)));
    aliases = new Map(run.resources.flatMap((r) => r.aliases.map((a) => [a, r.urn] as [string, string])));
    if (process.env.UPDATE_SNAPSHOT === "1") fs.writeFileSync(file, `${stable(current)}\n`);
    snapshot = JSON.parse(fs.readFileSync(file, "utf8"));
  });

  /** The URN a snapshot resource has now: its own, or the one of the resource that aliases it. */
  const now = (urn: string): string | undefined => (urn in current ? urn : aliases.get(urn));

  it("keeps every resource of the snapshot, under its URN or an alias of it", () => {
    expect(Object.keys(snapshot).filter((urn) => now(urn) === undefined)).toEqual([]);
  });

  it("adds no resource the snapshot does not have", () => {
    const known = new Set(Object.keys(snapshot).map(now));
    expect(Object.keys(current).filter((urn) => !known.has(urn))).toEqual([]);
  });

  it("gives every resource the snapshot's inputs and options", () => {
    const changed = Object.entries(snapshot)
      .filter(([urn]) => now(urn) !== undefined)
      .filter(([urn, entry]) => JSON.stringify(current[now(urn)!]) !== JSON.stringify(entry))
      .map(([urn]) => urn);
    expect(changed).toEqual([]);
  });
});
