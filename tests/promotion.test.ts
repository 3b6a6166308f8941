/**
 * Prod runs what staging ran (components/systems/promotion.ts): prod's stack file promotes from staging, and a preview
 * refuses, before any image is built, an image staging does not run, naming the system, both sides and the way
 * forward. An override lets a hotfix through as a warning; a tag prod runs already is no promotion; a staging that
 * is missing, has recorded nothing, or runs a system switched off is decided and said.
 *
 * What staging "runs" is its outputs as a StackReference reads them: by default staging's own run from the same
 * fixture checkout (lib/promotion-source.ts), otherwise the outputs a test gives.
 */
import type { ConfigError } from "../config";
import { Captured, FIXTURE_APP_REVISION, ProgramRun, RunOptions, registeredUrns, runProgram } from "./support/harness";

const PROMOTION = "ai-platform:release:Promotion";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const ANOTHER_COMMIT = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const ANOTHER_TAG = "sha-0000000000000000";
const REASON = "INC-4711: gateway hotfix, staging is broken";

/** What a promotion registered: the stack it promotes from, the override and each system's verdict. */
function promotionOf(run: ProgramRun): { from: string; override?: string; systems: { key: string; verdict: string; value: string; source?: string; current?: string; reason?: string }[] } {
  return run.ofType(PROMOTION)[0].state as any;
}
const verdicts = (run: ProgramRun): Record<string, string> => Object.fromEntries(promotionOf(run).systems.map((s) => [s.key, s.verdict]));

/** The error a prod run with these options fails with (the program's own class, so known by its name). */
async function failure(opts: Omit<RunOptions, "stack">): Promise<Error> {
  try {
    await runProgram({ stack: "prod", ...opts });
  } catch (err) {
    return err as Error;
  }
  throw new Error("the run did not fail");
}

let staging: Record<string, any>;
beforeAll(async () => {
  staging = (await runProgram({ stack: "staging" })).outputs;
});

describe("prod built from the revision staging runs", () => {
  let prod: ProgramRun;
  beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
  });

  it("promotes every system, with nothing to warn of", () => {
    expect(verdicts(prod)).toEqual({ gateway: "promoted", securityStack: "promoted", uiConsole: "promoted" });
    expect(prod.warnings).toEqual([]);
  });

  it("runs the very tags staging runs, except the console, whose bundle bakes in each stack's URLs", () => {
    expect(prod.outputs.imageTags.gateway).toBe(staging.imageTags.gateway);
    expect(prod.outputs.imageTags.securityStack).toBe(staging.imageTags.securityStack);
    expect(prod.outputs.imageTags.uiConsole).not.toBe(staging.imageTags.uiConsole);
    expect(prod.outputs.appRevision).toBe(staging.appRevision);
  });

  it("compares the tags it pushes: each compared tag is the tag of the image built for that system", () => {
    for (const s of promotionOf(prod).systems) {
      const compared = s.key === "uiConsole" ? prod.outputs.appRevision : prod.outputs.imageTags[s.key];
      expect([s.key, s.value]).toEqual([s.key, compared]);
    }
    const pushed = prod.ofType("docker-build:index:Image").flatMap((i: Captured) => i.inputs.tags as string[]);
    for (const key of ["gateway", "securityStack"]) expect(pushed).toContainEqual(expect.stringMatching(new RegExp(`:${prod.outputs.imageTags[key]}$`)));
  });

  it("reads staging and its own last deploy by organization/project/stack, as a DIY (S3) backend names them", () => {
    expect(prod.ofType(STACK_REFERENCE).map((r) => r.inputs.name).sort()).toEqual(["organization/ai-platform/prod", "organization/ai-platform/staging"]);
  });

  it("leaves staging alone: staging promotes from nothing and reads no stack", async () => {
    const run = await runProgram({ stack: "staging" });
    expect(run.ofType(STACK_REFERENCE)).toEqual([]);
    expect(run.ofType(PROMOTION)).toEqual([]);
  });
});

describe("prod built from anything staging does not run", () => {
  it("refuses one different image tag, naming the system, both tags and the way forward", async () => {
    const err = await failure({ stackOutputs: { staging: { ...staging, imageTags: { ...staging.imageTags, gateway: ANOTHER_TAG } } } });
    expect(err.name).toBe("PromotionError");
    const prodTag = staging.imageTags.gateway;
    expect(err.message.split("\n")).toEqual([
      "Promotion refused: prod would run what staging does not (1 system):",
      `  - MCP Gateway (gateway): prod would run image ${prodTag}, staging runs ${ANOTHER_TAG}`,
      "Deploy the app revision staging runs (`pulumi stack output appRevision --stack staging`; the Deploy workflow checks it out by default), " +
        "or deploy this revision to staging first. For a hotfix, say why: `pulumi config set promotionOverride \"<reason>\" --stack prod` " +
        "(the Deploy workflow's promotion_override input).",
    ]);
  });

  it("builds nothing when it refuses: only the stack and the promotion's two references were registered", async () => {
    await failure({ stackOutputs: { staging: { ...staging, imageTags: { ...staging.imageTags, securityStack: ANOTHER_TAG } } } });
    const types = registeredUrns().map((u) => u.split("::")[2].split("$").pop());
    expect(types.sort()).toEqual([PROMOTION, "pulumi:pulumi:Stack", STACK_REFERENCE, STACK_REFERENCE]);
  });

  it("refuses the console built from another revision than staging's, naming both revisions", async () => {
    const err = await failure({ stackOutputs: { staging: { ...staging, appRevision: ANOTHER_COMMIT } } });
    expect(err.message).toContain(`  - UI Console (uiConsole): prod would be built from app revision ${FIXTURE_APP_REVISION}, staging runs ${ANOTHER_COMMIT}\n`);
    expect(err.message).toContain("(1 system)");
  });

  it("refuses images built for another architecture than staging's: the architecture is part of the content", async () => {
    const err = await failure({ config: { architecture: "ARM64" } });
    expect(err.message).toMatch(/^Promotion refused: prod would run what staging does not \(2 systems\):\n {2}- MCP Gateway \(gateway\): .*\n {2}- AI Security Stack \(securityStack\): /);
  });

  it("refuses a checkout whose revision names no commit, which cannot be told from staging's", async () => {
    // No APP_REVISION and no git metadata in the fixture: the revision is unknown, in staging's run too.
    const err = await failure({ env: { APP_REVISION: "" } });
    expect(err.message).toContain("  - UI Console (uiConsole): prod would be built from app revision unknown, which names no commit, so it cannot be told from what staging runs");
  });
});

describe("an override", () => {
  it("lets a hotfix through, and says at preview what it deploys that staging does not run", async () => {
    const run = await runProgram({
      stack: "prod",
      config: { promotionOverride: REASON },
      stackOutputs: { staging: { ...staging, imageTags: { ...staging.imageTags, gateway: ANOTHER_TAG } } },
    });
    expect(verdicts(run)).toEqual({ gateway: "overridden", securityStack: "promoted", uiConsole: "promoted" });
    expect(promotionOf(run).override).toBe(REASON);
    expect(run.warnings).toEqual([
      `ai-platform:promotionOverride: prod deploys what staging does not run, because "${REASON}": ` +
        `MCP Gateway (gateway): prod would run image ${run.outputs.imageTags.gateway}, staging runs ${ANOTHER_TAG}`,
    ]);
  });

  it("that lets nothing through asks to be removed, so that the next difference is refused", async () => {
    const run = await runProgram({ stack: "prod", config: { promotionOverride: REASON } });
    expect(run.warnings).toEqual([
      `ai-platform:promotionOverride is set ("${REASON}"), but prod runs only what staging runs or what it ran already: ` +
        "remove it (`pulumi config rm promotionOverride --stack prod`) so that the next difference is refused",
    ]);
  });
});

describe("what prod runs already is no promotion", () => {
  it("passes images staging has moved on from while prod runs them (an infra-only change, the nightly drift check)", async () => {
    const own = (await runProgram({ stack: "prod" })).outputs;
    const ahead = { appRevision: ANOTHER_COMMIT, imageTags: { gateway: ANOTHER_TAG, securityStack: ANOTHER_TAG, uiConsole: ANOTHER_TAG } };
    const run = await runProgram({ stack: "prod", stackOutputs: { staging: ahead, prod: { appRevision: own.appRevision, imageTags: own.imageTags } } });
    expect(verdicts(run)).toEqual({ gateway: "unchanged", securityStack: "unchanged", uiConsole: "unchanged" });
    expect(run.warnings).toEqual([]);
  });
});

describe("a staging that cannot vouch for an image", () => {
  it("missing altogether: prod is refused at preview, with the order that works (a first prod deploy after staging's)", async () => {
    const err = await failure({ stackOutputs: { staging: "missing" } });
    expect(err.message).toBe(
      "ai-platform:promoteFrom: prod promotes from staging (organization/ai-platform/staging), which cannot be read: " +
        "failed to read resource #organization/ai-platform/staging 'promotion-source' [pulumi:pulumi:StackReference]: unknown stack \"organization/ai-platform/staging\". " +
        "A first prod deploy needs staging deployed first (a merge to main deploys it); a stack with no staging to promote from removes promoteFrom from its stack file",
    );
  });

  it("existing but with nothing recorded (its first up failed, or predates these outputs): every system is refused", async () => {
    const err = await failure({ stackOutputs: { staging: {} } });
    expect(err.message).toContain("(3 systems)");
    expect(err.message).toContain(`  - MCP Gateway (gateway): prod would run image ${staging.imageTags.gateway}, and staging records no image tags (its last deploy predates them, or it has never finished one)`);
  });

  it("with a system switched off: prod may not run it, but may switch it off too", async () => {
    const partial = (await runProgram({ stack: "staging", config: { systems: ["gateway", "securityStack"] } })).outputs;
    const err = await failure({ stackOutputs: { staging: partial } });
    expect(err.message).toContain(
      `  - UI Console (uiConsole): prod would be built from app revision ${FIXTURE_APP_REVISION}, and staging does not run this system (it is switched off there)`,
    );
    const run = await runProgram({ stack: "prod", config: { systems: ["gateway", "securityStack"] }, stackOutputs: { staging: partial } });
    expect(verdicts(run)).toEqual({ gateway: "promoted", securityStack: "promoted" });
  });
});

describe("promotion config", () => {
  const problems = async (stack: string, config: Record<string, unknown>) =>
    runProgram({ stack, config }).then(
      () => [],
      (e: ConfigError) => e.problems,
    );

  it("refuses a stack that promotes from itself", async () => {
    expect(await problems("prod", { promoteFrom: "prod" })).toEqual([
      "ai-platform:promoteFrom: is this stack itself (prod); name the stack it promotes from, such as staging, or remove it with `pulumi config rm promoteFrom`",
    ]);
  });

  it("refuses an override where nothing is promoted, which would read as a check being skipped", async () => {
    expect(await problems("staging", { promotionOverride: REASON })).toEqual([
      "ai-platform:promotionOverride: overrides nothing: promoteFrom is empty, so this stack promotes from no stack; remove it with `pulumi config rm promotionOverride`",
    ]);
  });

  it("ends two stacks that promote from each other in a refusal, not a loop", async () => {
    const err = await runProgram({ stack: "staging", config: { promoteFrom: "prod" } }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^Promotion refused: prod would run what staging does not \(3 systems\):\n.*staging records no image tags/);
  });

  it("refuses an override without a reason worth the name", async () => {
    expect(await problems("prod", { promotionOverride: "hotfix" })).toEqual([
      'ai-platform:promotionOverride: "hotfix" is not a reason of at least 12 characters (why this deploy skips the promotion check: a ticket and a few words)',
    ]);
  });
});
