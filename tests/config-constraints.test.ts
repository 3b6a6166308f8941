/**
 * Every rule between config keys (config-constraints.ts), computed from the list: each rule's example, on top of the
 * staging stack file, is refused by the whole program before any resource exists, with the rule's message on its
 * first key naming every other key it is about; both committed stacks break none; each rule cites its source.
 */
import { ConfigError } from "../config";
import { CONFIG_CONSTRAINTS, Constraint, REPLACEMENT_SAFE_KEYS } from "../config-constraints";
import { configSchema } from "../config-schema";
import { STACKS, StackName, registeredUrns, runProgram } from "./support/harness";

/** The problems the program reports for a config, or [] when it runs. */
async function problems(stack: StackName, config: Record<string, unknown> = {}): Promise<string[]> {
  try {
    await runProgram({ stack, config });
    return [];
  } catch (err) {
    // The program's ConfigError comes from its own module registry: known by its name, not by instanceof.
    if ((err as ConfigError).name !== "ConfigError") throw err;
    return (err as ConfigError).problems;
  }
}

const label = (c: Constraint) => `${c.keys.join(" × ")}`;

describe.each(CONFIG_CONSTRAINTS.map((c) => [label(c), c] as const))("%s", (_, c) => {
  it("cites a source and names only keys of the schema", () => {
    expect(c.source.length).toBeGreaterThan(30);
    for (const key of c.keys) expect(Object.keys(configSchema)).toContain(key);
  });

  it("refuses its example before any resource, on its first key, naming the others", async () => {
    const found = (await problems("staging", c.example)).filter((p) => p.startsWith(`ai-platform:${c.keys[0]}: `));
    expect(found).toHaveLength(1);
    for (const other of c.keys.slice(1)) expect(found[0]).toContain(other);
    expect(registeredUrns().filter((u) => !u.includes("pulumi:pulumi:Stack"))).toEqual([]);
  });
});

describe("the committed stacks", () => {
  it.each(STACKS)("%s breaks none of the rules", async (stack) => {
    expect(await problems(stack)).toEqual([]);
  });
});

describe("the section 2 findings of issue #24", () => {
  it("ARM64 on Fargate Spot is refused for each system, naming both keys", async () => {
    const found = await problems("staging", { architecture: "ARM64", gatewayCapacity: "spot", securityStackCapacity: "spot", uiConsoleCapacity: "mixed" });
    for (const key of ["gatewayCapacity", "securityStackCapacity", "uiConsoleCapacity"]) {
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^ai-platform:${key}: .*Fargate Spot, which does not run ARM64 tasks \\(architecture is ARM64\\)`)));
    }
  });

  it("ARM64 on demand is accepted", async () => {
    expect(await problems("staging", { architecture: "ARM64", gatewayCapacity: "onDemand", securityStackCapacity: "onDemand", uiConsoleCapacity: "onDemand" })).toEqual([]);
  });

  it("monthly retention stops at AWS Backup's 36,500 days: 1177 months pass, 1178 do not", async () => {
    expect(await problems("prod", { backupMonthlyRetentionMonths: 1177 })).toEqual([]);
    expect(await problems("prod", { backupMonthlyRetentionMonths: 1178 })).toEqual([
      "ai-platform:backupMonthlyRetentionMonths: 1178 months is 36518 days (31 a month), more than AWS Backup's 36500 days for a recovery point's lifecycle and a vault lock's maximum retention (backupVaultLock); use at most 1177",
    ]);
  });

  it("keys whose change would fail a plain replacement say what makes it work", () => {
    for (const [key, how] of Object.entries(REPLACEMENT_SAFE_KEYS)) {
      expect(Object.keys(configSchema)).toContain(key);
      expect(how!.length).toBeGreaterThan(60);
    }
  });
});
