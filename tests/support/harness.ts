/**
 * Runs the real program (index.ts) under Pulumi's mocks with a stack's real config file and captures every
 * resource it registers: type, logical name, inputs and resource options. Data-source calls get plausible
 * answers. Used by the tests and by the offline plan (`npm run plan`).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as PulumiModule from "@pulumi/pulumi";
import { PROJECT } from "../../config-schema";

/**
 * @pulumi/pulumi, loaded on the first run: a test file whose scenarios are all in the run cache (below) never
 * pays for loading Pulumi and the AWS provider SDK.
 */
const loadPulumi = (): typeof PulumiModule => require("@pulumi/pulumi");
// Internal to @pulumi/pulumi (not re-exported): resolves when every outstanding engine/monitor RPC has finished.
const waitForRPCs = (): Promise<void> => (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();

/**
 * Directory where one jest session keeps the result of each scenario it has run (tests/support/jest-global-setup.ts
 * creates it fresh per session and removes it after): the program is deterministic under mocks, so a scenario
 * that several test files share runs once. Runs with their own app checkout or environment are never cached.
 */
export const RUN_CACHE_ENV = "AI_PLATFORM_RUN_CACHE";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURE_APP_REPO = path.join(ROOT, "tests", "fixtures", "app-repo");
export const ACCOUNT_ID = "123456789012";

export type StackName = "staging" | "prod";

/** One registered resource. */
export interface Captured {
  type: string;
  name: string;
  urn: string;
  /** The id the mock gave the resource (what other resources' inputs hold when they reference it). */
  id?: string;
  parentUrn?: string;
  custom: boolean;
  /** Inputs as the provider would receive them (outputs resolved). */
  inputs: Record<string, any>;
  /** State the mock returned (inputs plus computed attributes). */
  state: Record<string, any>;
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  /** URNs this resource waits for: its explicit `dependsOn` and every resource its inputs reference. */
  dependencies: string[];
  /** `customTimeouts` resource option, as the engine receives it ("" where unset). */
  customTimeouts?: { create: string; update: string; delete: string };
}

export interface RunOptions {
  stack: StackName;
  /** Config overrides by unqualified key (`gatewayCpu`) or qualified key (`aws:region`). */
  config?: Record<string, unknown>;
  /** Keys to remove from the stack's config before the run (unqualified). */
  unset?: string[];
  /**
   * Values operators set per stack (`pulumi config set [--secret]`), filled with stand-ins unless given.
   * @default true
   */
  operatorValues?: boolean;
  /** The app checkout; tests use the fixture tree. @default FIXTURE_APP_REPO */
  appRepoPath?: string;
  /** Environment variables set for the run (e.g. AI_PLATFORM_OFFLINE_PLAN). */
  env?: Record<string, string>;
}

export interface ProgramRun {
  stack: StackName;
  config: Record<string, string>;
  resources: Captured[];
  outputs: Record<string, any>;
  warnings: string[];
  /** Every resource of a type (`aws:ecs/service:Service`). */
  ofType(type: string): Captured[];
  /** The one resource of a type and logical name; throws with the names that exist when absent. */
  get(type: string, name: string): Captured;
  find(type: string, name: string): Captured | undefined;
}

/** Stand-ins for the values operators set with `pulumi config set --secret` (and the public anon key). */
export const OPERATOR_VALUES: Record<string, { value: string; secret: boolean }> = {
  geminiApiKey: { value: "test-gemini-api-key", secret: true },
  googleApiKey: { value: "test-google-api-key", secret: true },
  supabaseJwtSecret: { value: "test-supabase-jwt-secret", secret: true },
  supabaseAnonKey: { value: "test-supabase-anon-key", secret: false },
};

const toConfigString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const qualify = (key: string): string => (key.includes(":") ? key : `${PROJECT}:${key}`);

/** The config as committed: Pulumi.yaml's defaults overlaid with the stack file, by qualified key. */
export function committedConfig(stack: StackName): Record<string, string> {
  const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { default?: unknown }>;
  };
  const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const values: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config)) {
    if (spec.default !== undefined) values[qualify(key)] = toConfigString(spec.default);
  }
  for (const [key, v] of Object.entries(stackFile.config ?? {})) values[key] = toConfigString(v);
  return values;
}

/** The config the Pulumi CLI would hand the program: project defaults, then the stack file, then overrides. */
export function stackConfig(opts: RunOptions): { values: Record<string, string>; secretKeys: string[] } {
  const values = committedConfig(opts.stack);
  const secretKeys: string[] = [];
  if (opts.operatorValues !== false) {
    for (const [key, { value, secret }] of Object.entries(OPERATOR_VALUES)) {
      if (!values[qualify(key)]) values[qualify(key)] = value;
      if (secret) secretKeys.push(qualify(key));
    }
  }
  values[qualify("appRepoPath")] = opts.appRepoPath ?? FIXTURE_APP_REPO;
  for (const [key, v] of Object.entries(opts.config ?? {})) values[qualify(key)] = toConfigString(v);
  for (const key of opts.unset ?? []) delete values[qualify(key)];
  return { values, secretKeys };
}

const shortHash = (s: string, n = 8): string => crypto.createHash("sha256").update(s).digest("hex").slice(0, n);

/** Computed attributes AWS would return, so the program's outputs look like a real deployment's. */
function mockState(type: string, name: string, inputs: Record<string, any>, region: string): { id: string; state: Record<string, any> } {
  const physical = inputs.name ?? `${name}-${shortHash(type + name, 7)}`;
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  const arn = `arn:aws:${service}:${region}:${ACCOUNT_ID}:${name}`;
  const base = { ...inputs, arn, name: physical };
  switch (type) {
    case "awsx:ec2:Vpc": {
      const azs = inputs.numberOfAvailabilityZones ?? 3;
      const ids = (kind: string) => Array.from({ length: azs }, (_, i) => `subnet-${shortHash(`${kind}${i}`, 17)}`);
      return { id: name, state: { ...inputs, vpcId: `vpc-${shortHash(name, 17)}`, publicSubnetIds: ids("public"), privateSubnetIds: ids("private") } };
    }
    case "aws:ecs/cluster:Cluster":
      return { id: physical, state: { ...base, arn: `arn:aws:ecs:${region}:${ACCOUNT_ID}:cluster/${physical}` } };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        id: arn,
        state: { ...base, arnSuffix: `app/${physical}/${shortHash(name, 16)}`, dnsName: `${physical}-1234567890.${region}.elb.amazonaws.com`, zoneId: "Z32O12XQLNTSW2" },
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { id: arn, state: { ...base, arnSuffix: `targetgroup/${physical}/${shortHash(name, 16)}` } };
    case "aws:ecr/repository:Repository":
      return {
        id: physical,
        state: { ...base, registryId: ACCOUNT_ID, repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physical}` },
      };
    case "docker-build:index:Image": {
      const digest = `sha256:${crypto.createHash("sha256").update(JSON.stringify({ tags: inputs.tags, buildArgs: inputs.buildArgs })).digest("hex")}`;
      return { id: name, state: { ...inputs, digest, ref: `${inputs.tags?.[0]}@${digest}`, contextHash: shortHash(JSON.stringify(inputs), 64) } };
    }
    case "aws:efs/fileSystem:FileSystem":
      return { id: `fs-${shortHash(name, 17)}`, state: { ...base, arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT_ID}:file-system/fs-${shortHash(name, 17)}` } };
    case "aws:efs/accessPoint:AccessPoint":
      return { id: `fsap-${shortHash(name, 17)}`, state: { ...base, arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT_ID}:access-point/fsap-${shortHash(name, 17)}` } };
    case "aws:secretsmanager/secret:Secret": {
      const secretArn = `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${physical}-${shortHash(name, 6)}`;
      return { id: secretArn, state: { ...base, arn: secretArn } };
    }
    case "aws:secretsmanager/secretVersion:SecretVersion":
      // AWS issues a new version id whenever the value changes.
      return { id: name, state: { ...inputs, versionId: shortHash(JSON.stringify(inputs.secretString ?? ""), 32) } };
    case "random:index/randomId:RandomId": {
      const hex = crypto.createHash("sha512").update(name).digest("hex").slice(0, 2 * (inputs.byteLength ?? 8));
      return { id: hex, state: { ...inputs, hex, b64Std: Buffer.from(hex, "hex").toString("base64") } };
    }
    case "aws:iam/role:Role":
      return { id: physical, state: { ...base, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${physical}` } };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: physical, state: { ...base, arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${physical}` } };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { id: physical, state: { ...base, arn: `arn:aws:ecs:${region}:${ACCOUNT_ID}:task-definition/${inputs.family}:1`, revision: 1 } };
    case "aws:acm/certificate:Certificate": {
      const domains = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
      return {
        id: arn,
        state: {
          ...base,
          domainValidationOptions: domains.map((d: string) => ({
            domainName: d,
            resourceRecordName: `_${shortHash(d, 32)}.${d}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${shortHash(`v${d}`, 32)}.acm-validations.aws.`,
          })),
        },
      };
    }
    case "aws:route53/record:Record":
      return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: inputs.name } };
    case "aws:s3/bucket:Bucket":
      return { id: physical, state: { ...base, bucket: physical, arn: `arn:aws:s3:::${physical}` } };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { id: inputs.dashboardName, state: { ...inputs, dashboardArn: arn } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${shortHash(name, 17)}`, state: { ...base } };
    default:
      return { id: `${name}-id`, state: base };
  }
}

function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, any> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com` };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`, userId: "AIDAMOCK" };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        id: region,
        userName: "AWS",
        password: "mock-ecr-token",
        authorizationToken: Buffer.from("AWS:mock-ecr-token").toString("base64"),
        proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com`,
        expiresAt: "2099-01-01T00:00:00Z",
      };
    case "aws:route53/getZone:getZone":
      return { id: "Z0123456789ABCDEFGHIJ", zoneId: "Z0123456789ABCDEFGHIJ", name: inputs.name, privateZone: false };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { id: "156460612806", arn: "arn:aws:iam::156460612806:root" };
    default:
      return inputs;
  }
}

/** Removes this project's modules from the require cache so index.ts runs afresh. */
function forgetProgramModules(): void {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(ROOT) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.includes(`${path.sep}tests${path.sep}`)) {
      delete require.cache[key];
    }
  }
}

/** Packages the program shares with the harness: one copy each, whatever registry index.ts loads in. */
const SHARED_PACKAGES = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/awsx", "@pulumi/docker-build", "@pulumi/random"];

/**
 * Loads index.ts afresh. Under jest, deleting from `require.cache` does nothing (jest keeps its own module
 * registry), so a second run in one test file would get the first run's cached module and register no
 * resources: load it in an isolated registry instead, sharing the Pulumi packages (and their global state).
 */
function requireProgram(): any {
  if (typeof jest === "undefined") {
    forgetProgramModules();
    return require(path.join(ROOT, "index.ts"));
  }
  for (const name of SHARED_PACKAGES) {
    const actual = require(name);
    jest.doMock(name, () => actual);
  }
  let program: any;
  // Pulumi captures an unlimited stack trace for every resource; jest's source-map support maps each frame
  // and costs about a second a run. Plain, short traces while the program registers its resources.
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (err, frames) => `${err}\n${frames.slice(0, 12).map((f) => `    at ${f}`).join("\n")}`;
  try {
    jest.isolateModules(() => {
      program = require(path.join(ROOT, "index.ts"));
    });
  } finally {
    Error.prepareStackTrace = prepare;
  }
  return program;
}

/** The plain data of a run, as cached. */
type RunData = Pick<ProgramRun, "stack" | "config" | "resources" | "outputs" | "warnings">;

/** Runs index.ts under mocks; rejects with the program's error (e.g. a ConfigError) when it fails. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const cacheDir = process.env[RUN_CACHE_ENV];
  const cacheable = cacheDir && opts.appRepoPath === undefined && opts.env === undefined;
  const file = cacheable
    ? path.join(cacheDir, `${crypto.createHash("sha256").update(stableJson(opts)).digest("hex").slice(0, 32)}.json`)
    : undefined;
  if (file && fs.existsSync(file)) return withLookups(JSON.parse(fs.readFileSync(file, "utf8")));
  const data = await execute(opts);
  if (file) {
    // Write then rename: a concurrent worker reading the same scenario never sees half a file.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(data));
    fs.renameSync(partial, file);
    // Every caller gets its own copy, cached or not, so a test may mutate what it receives.
    return withLookups(JSON.parse(JSON.stringify(data)));
  }
  return withLookups(data);
}

/** JSON with object keys sorted, so equal options give equal cache keys. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
}

function withLookups(data: RunData): ProgramRun {
  const { resources } = data;
  // A mock's state is its inputs plus computed attributes, captured as one object; JSON splits the two.
  for (const r of resources) r.state = r.inputs;
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const find = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name);
  return {
    ...data,
    ofType,
    find,
    get: (type, name) => {
      const r = find(type, name);
      if (!r) throw new Error(`no ${type} named ${name}; have: ${ofType(type).map((x) => x.name).join(", ") || "none"}`);
      return r;
    },
  };
}

async function execute(opts: RunOptions): Promise<RunData> {
  const pulumi = loadPulumi();
  const { values, secretKeys } = stackConfig(opts);
  const region = values["aws:region"] ?? "us-east-1";
  const captured = new Map<string, Captured>();
  const options = new Map<string, Partial<Captured>>();
  const warnings: string[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const { id, state } = mockState(args.type, args.name, args.inputs, region);
        return { id, state };
      },
      call: (args) => mockCall(args.token, args.inputs, region),
    },
    PROJECT,
    opts.stack,
    false,
  );
  pulumi.runtime.setAllConfig(values, secretKeys);

  // Wrap the mock monitor to see what the mocks API hides: parents and resource options.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
    register(req, (err: any, resp: any) => {
      if (!err && resp) {
        const urn: string = resp.getUrn();
        const timeouts = req.getCustomtimeouts?.();
        options.set(urn, {
          id: resp.getId?.() || undefined,
          customTimeouts:
            timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete())
              ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }
              : undefined,
          parentUrn: req.getParent() || undefined,
          protect: Boolean(req.getProtect?.()),
          retainOnDelete: Boolean(req.getRetainondelete?.()),
          ignoreChanges: req.getIgnorechangesList?.() ?? [],
          deleteBeforeReplace: Boolean(req.getDeletebeforereplace?.()),
          dependencies: req.getDependenciesList?.() ?? [],
        });
      }
      callback(err, resp);
    });
  const engineLog = pulumi.log.warn;
  (pulumi.log as any).warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };

  const previousEnv: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    previousEnv[k] = process.env[k];
    process.env[k] = v;
  }
  let outputs: Record<string, any>;
  // An error thrown while the stack initializes would also surface as an unhandled rejection; catch it
  // inside and rethrow it from here so callers can assert on it.
  let programError: unknown;
  try {
    const raw = await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return requireProgram();
      } catch (err) {
        programError = err;
        return {};
      }
    });
    if (programError) throw programError;
    outputs = await resolveDeep(raw ?? {});
  } finally {
    // The stack's outputs are registered after its promise resolves; let that RPC reach this run's mock
    // monitor, or the next run's setMocks makes it an unhandled "unknown resource" that kills the process.
    await waitForRPCs();
    (pulumi.log as any).warn = engineLog;
    for (const [k, v] of Object.entries(previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  for (const [urn, r] of (monitor.getRegisteredResources() as Map<string, { urn: string; state: any }>).entries()) {
    const [, typeAndName] = urn.split("::").slice(-2).length === 2 ? [null, urn.split("::").slice(-2)] : [null, ["", ""]];
    const type = typeAndName[0].split("$").pop()!;
    const name = typeAndName[1];
    const state = await decode(r.state);
    const o = options.get(urn) ?? {};
    captured.set(urn, {
      type,
      name,
      urn,
      id: o.id,
      parentUrn: o.parentUrn,
      custom: !type.startsWith("ai-platform:") && type !== "pulumi:pulumi:Stack",
      inputs: state,
      state,
      protect: o.protect ?? false,
      retainOnDelete: o.retainOnDelete ?? false,
      ignoreChanges: o.ignoreChanges ?? [],
      deleteBeforeReplace: o.deleteBeforeReplace ?? false,
      dependencies: o.dependencies ?? [],
      customTimeouts: o.customTimeouts,
    });
  }

  return { stack: opts.stack, config: values, resources: [...captured.values()], outputs, warnings };
}

/** Deserializes the mock monitor's stored state (a protobuf-ready object) into plain values. */
async function decode(state: any): Promise<Record<string, any>> {
  const rpc = require("@pulumi/pulumi/runtime/rpc");
  const structproto = require("google-protobuf/google/protobuf/struct_pb");
  const struct = state && typeof state.toJavaScript === "function" ? state : structproto.Struct.fromJavaScript(state ?? {});
  const props = rpc.deserializeProperties(struct);
  return unwrapSecrets(props);
}

function unwrapSecrets(v: any): any {
  const pulumi = loadPulumi();
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    if (v[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

async function resolveDeep(v: any): Promise<any> {
  const pulumi = loadPulumi();
  if (pulumi.Output.isInstance(v)) return resolveDeep(await new Promise((resolve) => (v as PulumiModule.Output<any>).apply(resolve)));
  if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
  if (v && typeof v === "object") {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveDeep(x)] as const));
    return Object.fromEntries(entries.filter(([, x]) => x !== undefined));
  }
  return v;
}

/** The parsed container definitions of a task definition. */
export function containerDefinitions(taskDefinition: Captured): any[] {
  const defs = taskDefinition.inputs.containerDefinitions;
  return typeof defs === "string" ? JSON.parse(defs) : defs;
}

/** A JSON policy document input, parsed. */
export function policyDocument(resource: Captured, key = "policy"): any {
  const p = resource.inputs[key];
  return typeof p === "string" ? JSON.parse(p) : p;
}
