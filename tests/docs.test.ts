/**
 * The docs (README.md, docs/*.md, policy/README.md) point at what exists and tell the operator commands that work:
 * every relative link reaches a file and a heading; every `aws` command names an operation botocore's service
 * model has, with every parameter it requires and no option it lacks; every `pulumi` command is a command of the
 * CLI, and the config keys and resource URNs it names are this program's. The outputs a `pulumi stack output`
 * reads are checked against the program's own in tests/outputs.test.ts and tests/bootstrap.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { configSchema } from "../config-schema";
import { DocCommand, PULUMI_FLAGS, botocoreAvailable, botocoreOperations, docCommands, docPages, docUrns, optionsOf, positionalsOf } from "./support/doc-commands";
import { ROOT } from "./support/harness";

const read = (page: string) => fs.readFileSync(path.join(ROOT, page), "utf8");

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens; a repeated one gets -1, -2, … */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fence = !fence;
    const heading = !fence && /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      const slug = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
      const n = seen.get(slug) ?? 0;
      anchors.add(n ? `${slug}-${n}` : slug);
      seen.set(slug, n + 1);
    }
    for (const m of line.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]);
  }
  return anchors;
}

describe("the docs' relative links", () => {
  // Code is not a link: fenced blocks, inline spans and the generated config table (the schema's patterns) are
  // dropped before links are read.
  const prose = (page: string) => read(page).replace(/<!-- config-table:start[\s\S]*?<!-- config-table:end -->/, "").replace(/^\s*```[\s\S]*?^\s*```/gm, "").replace(/`[^`\n]*`/g, "");
  const links = docPages().flatMap((page) =>
    [...prose(page).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ page, target })),
  );

  it("are there to check: the README links every page under docs/", () => {
    const fromReadme = new Set(links.filter((l) => l.page === "README.md").map((l) => l.target.split("#")[0]));
    for (const page of docPages().filter((p) => p.startsWith("docs/"))) expect({ page, linked: fromReadme.has(page) }).toEqual({ page, linked: true });
  });

  it.each(docPages())("of %s each reach an existing file and heading", (page) => {
    for (const { target } of links.filter((l) => l.page === page)) {
      const [file, anchor] = target.split("#");
      const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
      expect({ target, exists: fs.existsSync(path.join(ROOT, resolved)) }).toEqual({ target, exists: true });
      if (anchor) expect({ target, anchor: anchorsOf(read(resolved)).has(anchor) }).toEqual({ target, anchor: true });
    }
  });

  it("compute GitHub's anchors", () => {
    expect([...anchorsOf("# A (`b/`) c\n## First deploy: what, how long\n## A (b) c\n")]).toEqual(["a-b-c", "first-deploy-what-how-long", "a-b-c-1"]);
  });
});

const commands = docCommands();
const where = (c: DocCommand) => `${c.page}:${c.line}: ${c.argv.join(" ")}`;

describe("the docs' commands", () => {
  it("are found: a fenced block, an inline span, a substitution inside quotes", () => {
    expect(commands.length).toBeGreaterThan(100);
    expect(commands.map((c) => c.argv.slice(0, 4).join(" "))).toEqual(
      expect.arrayContaining(["pulumi stack output logGroupNames", "aws logs tail $(…)", "aws ecs execute-command --cluster", "pulumi config set githubRepository"]),
    );
  });
});

/**
 * The AWS CLI's own commands that are no API operation (aws-cli v2, awscli/customizations/): what they require.
 * `logs tail` (customizations/logs/tail.py) takes the log group as its one positional argument.
 */
const CLI_CUSTOMIZATIONS: Record<string, { positionals: number; options: string[] }> = {
  "logs tail": { positionals: 1, options: ["--follow", "--since", "--log-stream-names", "--log-stream-name-prefix", "--filter-pattern", "--format"] },
};

/** Options every AWS CLI command takes (`aws help`, "Global Options", and the paginated operations' options). */
const AWS_GLOBAL_OPTIONS = [
  "--region", "--profile", "--output", "--query", "--endpoint-url", "--no-cli-pager", "--debug", "--no-verify-ssl",
  "--no-paginate", "--max-items", "--starting-token", "--page-size", "--cli-input-json", "--cli-input-yaml", "--no-sign-request",
];

const awsCommands = commands.filter((c) => c.argv[0] === "aws");
const describeBotocore = botocoreAvailable("apt-get install -y python3-botocore") ? describe : describe.skip;

/** Operations the docs once named wrongly, or a check that passes everything would not show (the last test). */
const REFUSED: [string, string][] = [["ec2", "reboot-instances"], ["ecs", "list-tasks"], ["ecs", "no-such-operation"]];

describeBotocore("each `aws` command in the docs, against botocore's service model", () => {
  const key = (c: DocCommand) => `${c.argv[1]} ${c.argv[2]}`;
  let models: ReturnType<typeof botocoreOperations>;
  beforeAll(() => {
    // One python run for the docs' operations and REFUSED: each run imports botocore and parses the service models.
    const pairs = [...new Set(awsCommands.map(key))].filter((k) => !CLI_CUSTOMIZATIONS[k]).map((k) => k.split(" ") as [string, string]);
    models = botocoreOperations([...pairs, ...REFUSED]);
  });

  it("names an operation the service has", () => {
    const unknown = awsCommands.filter((c) => !CLI_CUSTOMIZATIONS[key(c)] && !models[key(c)].operation);
    expect(unknown.map(where)).toEqual([]);
  });

  it("gives every parameter the operation requires", () => {
    const problems: string[] = [];
    for (const c of awsCommands) {
      const given = optionsOf(c.argv);
      const custom = CLI_CUSTOMIZATIONS[key(c)];
      if (custom) {
        const positionals = positionalsOf(c.argv.slice(2), new Set(["--follow"])).length;
        if (positionals !== custom.positionals) problems.push(`${where(c)}: ${positionals} positional arguments, needs ${custom.positionals}`);
      } else if (!given.includes("--cli-input-json")) {
        const missing = models[key(c)].required!.filter((o) => !given.includes(o));
        if (missing.length) problems.push(`${where(c)}: lacks ${missing.join(" ")}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("gives no option the operation lacks", () => {
    const problems: string[] = [];
    for (const c of awsCommands) {
      const model = models[key(c)];
      const known = CLI_CUSTOMIZATIONS[key(c)]?.options ?? [...model.options!, ...model.booleans!.map((b) => b.replace(/^--/, "--no-"))];
      const unknown = optionsOf(c.argv).filter((o) => !known.includes(o) && !AWS_GLOBAL_OPTIONS.includes(o));
      if (unknown.length) problems.push(`${where(c)}: no such option ${unknown.join(" ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("names this stack's cluster: no ECS command falls back to the account's default cluster", () => {
    const ecs = awsCommands.filter((c) => c.argv[1] === "ecs" && models[key(c)]?.options?.includes("--cluster"));
    expect(ecs.length).toBeGreaterThan(3);
    expect(ecs.filter((c) => !optionsOf(c.argv).includes("--cluster")).map(where)).toEqual([]);
  });

  it("refuses what the docs once said, so a pass above means something", () => {
    const m = models;
    expect(m["ec2 reboot-instances"].required).toEqual(["--instance-ids"]);
    expect(m["ecs list-tasks"].options).toContain("--cluster");
    expect(m["ecs no-such-operation"]).toEqual({ service: true, operation: false });
  });
});

/**
 * The Pulumi CLI's commands and the subcommands of those that have them, as `pulumi --help` lists them for the v3
 * CLI (https://www.pulumi.com/docs/iac/cli/commands/, generated from pkg/cmd/pulumi in pulumi/pulumi).
 */
const PULUMI_COMMANDS: Record<string, string[]> = {
  about: [], cancel: [], console: [], convert: [], destroy: [], import: [], install: [], login: [], logout: [], logs: [],
  new: [], preview: [], refresh: [], up: [], version: [], watch: [], whoami: [],
  config: ["cp", "env", "get", "refresh", "rm", "rm-all", "set", "set-all"],
  stack: ["change-secrets-provider", "export", "graph", "history", "import", "init", "ls", "output", "rename", "rm", "select", "tag", "unselect"],
  state: ["delete", "edit", "move", "protect", "rename", "repair", "taint", "unprotect", "untaint", "upgrade"],
  plugin: ["install", "ls", "rm"],
  policy: ["disable", "enable", "group", "ls", "new", "publish", "rm", "validate-config"],
};


const pulumiCommands = commands.filter((c) => c.argv[0] === "pulumi");

/** A key as the docs write it, as a pattern: a `<placeholder>` or a shell `${VARIABLE}` stands for any word. */
const keyPattern = (key: string) =>
  new RegExp(`^${key.split(/(<[^>]+>|\$\{\w+\}|\$\w+)/).map((part, i) => (i % 2 ? "\\w+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`);

/** Config keys a command may name: the program's schema, the bootstrap's Pulumi.yaml, and the AWS provider's region. */
function configKeys(program: DocCommand["program"]): string[] {
  if (program === "ai-platform") return [...Object.keys(configSchema), "aws:region"];
  const project = yaml.load(read("bootstrap/Pulumi.yaml")) as { config: Record<string, unknown> };
  return [...Object.keys(project.config).map((k) => k.replace(/^ai-platform-bootstrap:/, "")), "aws:region"];
}

/** Every resource URN of both stacks' snapshots (tests/fixtures/snapshot), as `<parent type>$<type>::<name>`. */
function snapshotUrns(): string[] {
  return ["staging", "prod"].flatMap((stack) => [...read(`tests/fixtures/snapshot/${stack}.json`).matchAll(/"urn:pulumi:\w+::ai-platform::([^"]+)"/g)].map((m) => m[1]));
}

describe("each `pulumi` command in the docs", () => {
  it("is a command of the Pulumi CLI", () => {
    for (const c of pulumiCommands) {
      const [command, sub] = positionalsOf(c.argv, PULUMI_FLAGS);
      expect({ command: where(c), known: command in PULUMI_COMMANDS }).toEqual({ command: where(c), known: true });
      if (PULUMI_COMMANDS[command]?.length && sub !== undefined) {
        expect({ command: where(c), subcommand: PULUMI_COMMANDS[command].includes(sub) }).toEqual({ command: where(c), subcommand: true });
      }
    }
  });

  it("sets, gets or removes only config keys the program declares", () => {
    const configCommands = pulumiCommands.filter((c) => c.argv[1] === "config" && ["set", "get", "rm"].includes(c.argv[2]));
    expect(configCommands.length).toBeGreaterThan(20);
    for (const c of configCommands) {
      const [, , ...rest] = positionalsOf(c.argv, PULUMI_FLAGS);
      const named = c.argv[2] === "rm" ? rest : rest.slice(0, 1);
      for (const written of named.map((k) => k.replace(/^ai-platform:/, "").split(/[.[]/)[0])) {
        if (/^<[^>]+>$/.test(written)) continue; // `pulumi config set <key> <value>`: the syntax, no key
        const matches = configKeys(c.program).filter((k) => keyPattern(written).test(k));
        expect({ command: where(c), key: written, declared: matches.length > 0 }).toEqual({ command: where(c), key: written, declared: true });
      }
    }
  });

  it("names resources by URNs the program registers", () => {
    const urns = snapshotUrns();
    const pairs = new Set(urns.map((u) => u.split("::")[0].split("$").slice(-2).join("$") + "::" + u.split("::")[1]));
    // A URN cut short on purpose (`urn:pulumi:prod::ai-platform::…::gateway`) illustrates a shape; it names nothing.
    const named = docUrns().filter(({ urn }) => !urn.includes("…") && /^urn:pulumi:[^:]+::[^:]+::.+::[^:]+$/.test(urn));
    expect(named.length).toBeGreaterThanOrEqual(1);
    const problems: string[] = [];
    for (const { page, line, urn } of named) {
      const [, project, types, name] = urn.slice("urn:pulumi:".length).split("::");
      if (project !== "ai-platform") problems.push(`${page}:${line}: project ${project}`);
      const chain = types.split("$");
      for (let i = 1; i < chain.length; i++) {
        const link = `${chain[i - 1]}$${chain[i]}::`;
        const last = i === chain.length - 1;
        if (!(last ? pairs.has(`${link}${name}`) : [...pairs].some((p) => p.startsWith(link)))) problems.push(`${page}:${line}: ${link}${last ? name : "…"} is registered by neither stack`);
      }
    }
    expect(problems).toEqual([]);
  });
});


describe("docs/config.md's account of the defaults", () => {
  const intro = read("docs/config.md").split("\n\n")[1] + "\n" + read("docs/config.md").split("\n\n")[2];

  it("gives each default it names as the schema declares it", () => {
    const named = [...intro.matchAll(/`(\w+)`: `([^`]*)`/g)];
    expect(named.length).toBeGreaterThanOrEqual(8);
    for (const [, key, value] of named) {
      expect({ key, default: value }).toEqual({ key, default: JSON.stringify((configSchema as Record<string, { default?: unknown }>)[key].default) });
    }
  });

  it("says that domain's default serves plain HTTP", () => {
    expect(configSchema.domain.default).toBe("");
    expect(intro).toContain('**`domain` defaults to `""`**, which\nserves plain HTTP');
  });
});
