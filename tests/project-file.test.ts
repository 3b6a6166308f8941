import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigKey, ConfigType, PROJECT, configSchema, limitProblem, limitsDescription } from "../config-schema";
import { CONFIG_DOC, configTableIn, describe as describeKey, renderConfigTable, renderProjectFile } from "../scripts/project-file";
import { ROOT, StackName } from "./support/harness";

/**
 * Pulumi.yaml declares the config schema `pulumi config` and editors know; config-schema.ts is its source and
 * config.ts reads it. These three must agree key for key, type for type, and secrets must stay out of the
 * committed files.
 */

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");
const schema = configSchema as Record<string, ConfigKey>;
const STACKS: StackName[] = ["staging", "prod"];

interface ProjectFile {
  name: string;
  runtime: { name: string; options?: Record<string, unknown> };
  config: Record<string, { type: ConfigType; description: string; default?: unknown; secret?: boolean; items?: { type: string } }>;
}

/** The keys config.ts reads, with the type its reader gives them, taken from its source. */
function keysReadByConfigTs(): Map<string, { type: ConfigType; secret: boolean }> {
  const source = read("config.ts");
  const reads = new Map<string, { type: ConfigType; secret: boolean }>();
  const readerType: Record<string, ConfigType> = { string: "string", integer: "integer", boolean: "boolean", array: "array", secret: "string" };
  for (const [, method, key] of source.matchAll(/\br\.(string|integer|boolean|array|secret)\("(\w+)"/g)) {
    reads.set(key, { type: readerType[method], secret: method === "secret" });
  }
  // Helpers that read integers for several systems: taskSize(cpuKey, memoryKey), singleWriter(key), grace(key).
  for (const [, , first, second] of source.matchAll(/\b(taskSize|singleWriter|grace)\("(\w+)"(?:,\s*"(\w+)")?/g)) {
    for (const key of [first, second].filter(Boolean)) reads.set(key, { type: "integer", secret: false });
  }
  return reads;
}

describe("Pulumi.yaml", () => {
  const text = read("Pulumi.yaml");
  const project = yaml.load(text) as ProjectFile;

  it("is exactly what `npm run gen:project` renders from config-schema.ts (run it after changing the schema)", () => {
    expect(text).toBe(renderProjectFile());
  });

  it("is the TypeScript project ai-platform", () => {
    expect(project.name).toBe(PROJECT);
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
  });

  it("declares every schema key with its type, description and default", () => {
    expect(Object.keys(project.config)).toEqual(Object.keys(schema));
    for (const [key, spec] of Object.entries(schema)) {
      expect({ key, ...project.config[key] }).toEqual({
        key,
        type: spec.type,
        description: describeKey(spec),
        ...(spec.type === "array" ? { items: { type: "string" } } : {}),
        ...(spec.secret ? { secret: true } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      });
    }
  });

  it("is the config table docs/config.md holds, as `npm run gen:project` writes it", () => {
    expect(configTableIn(fs.readFileSync(CONFIG_DOC, "utf8"))).toBe(renderConfigTable());
  });

  it("writes each key's limits into its description, and docs/config.md's table, from the schema", () => {
    const limited = Object.entries(schema).filter(([, spec]) => limitsDescription(spec));
    expect(limited.length).toBeGreaterThan(30);
    const table = renderConfigTable();
    for (const [key, spec] of limited) {
      expect({ key, description: project.config[key].description }).toEqual({ key, description: expect.stringContaining(limitsDescription(spec)!) });
      expect(table).toContain(`| \`${key}\` |`);
      expect(table.split("\n").find((l) => l.startsWith(`| \`${key}\` |`))).toContain(limitsDescription(spec)!.replace(/\|/g, "\\|"));
    }
    expect(limitsDescription(schema.availabilityZones)).toBe("Limits: 2 to 6.");
    expect(limitsDescription(schema.secretRecoveryWindowDays)).toBe("Limits: 0 or 7 to 30.");
  });

  it("keeps every default within its own key's limits", () => {
    for (const [key, spec] of Object.entries(schema)) {
      if (spec.default === undefined || typeof spec.default === "boolean") continue;
      expect({ key, problem: limitProblem(spec, spec.default as string | number | string[]) }).toEqual({ key, problem: undefined });
    }
  });

  it("gives each default the declared type, so the CLI accepts its own defaults", () => {
    const typeOf = (v: unknown): string =>
      Array.isArray(v) ? (v.every((x) => typeof x === "string") ? "array" : "mixed array") : Number.isInteger(v) ? "integer" : typeof v;
    for (const [key, spec] of Object.entries(project.config)) {
      if (spec.default !== undefined) expect({ key, type: typeOf(spec.default) }).toEqual({ key, type: spec.type });
    }
  });
});

describe("config.ts and config-schema.ts", () => {
  const reads = keysReadByConfigTs();

  it("read and declare the same keys: nothing read undeclared, nothing declared unread", () => {
    expect([...reads.keys()].sort()).toEqual(Object.keys(schema).sort());
  });

  it("read each key with the reader of its declared type", () => {
    for (const [key, read] of reads) {
      expect({ key, type: read.type }).toEqual({ key, type: schema[key].type });
    }
  });

  it("declare and read no secret: third-party keys live in Secrets Manager alone (components/resources/operator-secrets.ts)", () => {
    expect(Object.keys(schema).filter((k) => schema[k].secret)).toEqual([]);
    expect([...reads].filter(([, r]) => r.secret).map(([k]) => k)).toEqual([]);
  });

  it("give every other key a default, so a stack file sets only what differs", () => {
    const withoutDefault = Object.keys(schema).filter((k) => !schema[k].secret && schema[k].default === undefined);
    expect(withoutDefault).toEqual([]);
  });
});

describe.each(STACKS)("Pulumi.%s.yaml", (stack) => {
  const text = read(`Pulumi.${stack}.yaml`);
  const config = (yaml.load(text) as { config: Record<string, unknown> }).config;

  it("holds no secret key, plain or encrypted (operators set them with `pulumi config set --secret`)", () => {
    const secretKeys = Object.keys(schema).filter((k) => schema[k].secret).map((k) => `${PROJECT}:${k}`);
    expect(Object.keys(config).filter((k) => secretKeys.includes(k))).toEqual([]);
  });

  it("holds no encrypted value at all", () => {
    const encrypted = Object.entries(config).filter(([, v]) => typeof v === "object" && v !== null && "secure" in v);
    expect(encrypted.map(([k]) => k)).toEqual([]);
    expect(text).not.toMatch(/\bsecure:/);
  });
});
