/**
 * Runs the real program (index.ts) under Pulumi's mocks with a stack's real config file and captures every
 * resource it registers: type, logical name, the inputs it sent, the state the mocked AWS returned, and its
 * resource options. Product code: the offline plan (`npm run plan`) and the tests both run the program here.
 *
 * The program and the Pulumi packages are loaded with Node's own `require`, never through a test runner's module
 * registry: Pulumi and the AWS SDK load once per process and stay loaded, and each run evaluates the program's entry
 * (index.ts) afresh, with the project's other modules (config, components) kept loaded while their files are
 * unchanged, each transpiled once per file content.
 */
import * as fs from "fs";
import * as path from "path";
import * as moduleApi from "module";
import * as yaml from "js-yaml";
import type * as PulumiModule from "@pulumi/pulumi";
import { PROJECT } from "../config-schema";
import { withoutPulumiTraces } from "./pulumi-traces";
import { FileSystemsStandIn, STACK_REFERENCE_TYPE, SecretsManagerStandIn, StackOutputsStandIn, mockCall, mockStackReference, mockState } from "./mocks";
import { StackName, stackFile } from "./stacks";

export const ROOT = path.resolve(__dirname, "..");

/** The organization of every stack on a DIY backend such as S3 (Pulumi's docs, "Stacks"), the runs' organization. */
export const DIY_ORGANIZATION = "organization";

/**
 * Environment variable naming the project directory whose node_modules this process loads Pulumi from
 * (default ROOT). A program checked out with its own dependencies (another revision's lockfile) must be run by
 * the Pulumi it loads itself, or the mocks are set on one copy and the program registers with another: such a
 * run goes to a process of its own with this set to its checkout (scripts/plan/base.ts).
 */
export const PACKAGES_ROOT_ENV = "AI_PLATFORM_PACKAGES_ROOT";
const PACKAGES_ROOT = process.env[PACKAGES_ROOT_ENV] ? path.resolve(process.env[PACKAGES_ROOT_ENV]!) : ROOT;

type NodeModuleApi = typeof moduleApi & { _extensions: Record<string, unknown> };

/**
 * Node's module API. Under jest, `module` is a subclass of Node's whose `createRequire` returns jest's own
 * registry-bound require; Node's class is its parent. Elsewhere `module` is Node's (and `Module` itself).
 */
function nodeModuleApi(): NodeModuleApi {
  const exposed = moduleApi as unknown as NodeModuleApi & { Module?: unknown };
  const parent = Object.getPrototypeOf(exposed.Module ?? exposed);
  return typeof parent?.createRequire === "function" && parent._extensions ? parent : exposed;
}

/** Node's own require, outside any test runner's registry (and its realm). */
const nativeRequire = nodeModuleApi().createRequire(path.join(PACKAGES_ROOT, "index.ts"));
/** The Error constructor of the realm the program runs in (a test runner may run this file in another). */
const ProgramError: ErrorConstructor = nativeRequire("vm").runInThisContext("Error");
/**
 * The program realm's JSON. What the mocks answer must be made of that realm's arrays and objects: Pulumi's
 * serializer tells arrays by `instanceof Array`, which fails for another realm's.
 */
const ProgramJSON: JSON = nativeRequire("vm").runInThisContext("JSON");
const inProgramRealm = <T>(v: T): T => ProgramJSON.parse(JSON.stringify(v));
/** The process the program sees: a test runner may give this module a copy, whose environment it never reads. */
const programProcess: NodeJS.Process = nativeRequire("process");

/**
 * Packages Pulumi's SDKs load at import and use only outside mocks: arborist resolves plugin packages for the
 * engine, the ECS client serves awsx's remote components at deploy time, and Pulumi's TypeScript shim hands the
 * compiler to closure serialization (`serializeFunction`, which the program never calls) and to the language host's
 * tsconfig reading. Under mocks none is called; an empty module in their place saves a third of each process's first
 * load (the shim alone a sixth of a second of a child process's run: it loads all of TypeScript). The shim, not
 * `typescript` itself, is what is replaced: lib/ts-loader.js loads the compiler when a file is not in its cache.
 */
const UNUSED_UNDER_MOCKS = [
  ["@pulumi/pulumi", "@npmcli/arborist"],
  ["@pulumi/awsx", "@aws-sdk/client-ecs"],
  ["@pulumi/pulumi", "./typescript-shim"],
] as const;

let stubbed = false;
function stubPackagesUnusedUnderMocks(): void {
  if (stubbed) return;
  stubbed = true;
  const api = nodeModuleApi() as NodeModuleApi & { _cache: Record<string, unknown> };
  for (const [from, id] of UNUSED_UNDER_MOCKS) {
    const file = api.createRequire(nativeRequire.resolve(`${from}/package.json`)).resolve(id);
    api._cache[file] ??= { id: file, filename: file, loaded: true, exports: {}, children: [], paths: [] };
  }
}

const loadPulumi = (): typeof PulumiModule => {
  stubPackagesUnusedUnderMocks();
  return nativeRequire("@pulumi/pulumi");
};
// Internal to @pulumi/pulumi (not re-exported): resolves when every outstanding engine/monitor RPC has finished.
const waitForRPCs = (): Promise<void> => (nativeRequire("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();

/** One registered resource. */
export interface Captured {
  type: string;
  name: string;
  urn: string;
  /** The id the mocked AWS gave the resource (what other resources' inputs hold when they reference it). */
  id?: string;
  parentUrn?: string;
  custom: boolean;
  /** What the program sent, outputs of other resources resolved: what the provider would receive. */
  inputs: Record<string, any>;
  /** What the mocked AWS returned: the inputs plus computed attributes (ARNs, ids, DNS names, digests). */
  state: Record<string, any>;
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  /** URNs this resource waits for: its explicit `dependsOn` and every resource its inputs reference. */
  dependencies: string[];
  /** `customTimeouts` resource option, as the engine receives it. */
  customTimeouts?: { create: string; update: string; delete: string };
  /** URNs of the `aliases` resource option: earlier identities this resource keeps. */
  aliases: string[];
}

export interface RunOptions {
  stack: StackName;
  /** Config overrides by unqualified key (`gatewayCpu`) or qualified key (`aws:region`). */
  config?: Record<string, unknown>;
  /** Keys to remove from the stack's config before the run (unqualified). */
  unset?: string[];
  /** What Secrets Manager holds of the operators' secrets. @default every one, with a current value */
  secretsManager?: SecretsManagerStandIn;
  /**
   * The outputs of the stacks the program reads with a StackReference, by stack name (lib/promotion-source.ts fills
   * in the stack a stack promotes from). @default the stack itself with no outputs, and no other stack
   */
  stackOutputs?: StackOutputsStandIn;
  /** EFS file systems the account holds besides the stack's own (restored ones). @default none */
  fileSystems?: FileSystemsStandIn;
  /** The app checkout the images are built from. @default the stack config's `appRepoPath` */
  appRepoPath?: string;
  /** Environment variables set for the run (e.g. AI_PLATFORM_OFFLINE_PLAN). */
  env?: Record<string, string>;
  /** The program's entry point. @default index.ts of `root` */
  program?: string;
  /**
   * The project directory to run: its Pulumi.yaml, stack file and program (another revision's checkout, or a
   * copy made by a test).
   * @default ROOT, this checkout
   */
  root?: string;
}

/** The plain data of a run (JSON-safe). */
export interface RunData {
  stack: StackName;
  config: Record<string, string>;
  resources: Captured[];
  outputs: Record<string, any>;
  warnings: string[];
}

export interface ProgramRun extends RunData {
  /** Every resource of a type (`aws:ecs/service:Service`). */
  ofType(type: string): Captured[];
  /** The one resource of a type and logical name; throws with the names that exist when absent. */
  get(type: string, name: string): Captured;
  find(type: string, name: string): Captured | undefined;
}

const toConfigString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const qualify = (key: string): string => (key.includes(":") ? key : `${PROJECT}:${key}`);

/** Parsed YAML by file text: a test session reads the project and stack files for every run, and they rarely change. */
const parsedYaml = new Map<string, unknown>();

/** A YAML file, parsed once per content (the result is shared: read it, never change it). */
function readYaml(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  if (!parsedYaml.has(text)) parsedYaml.set(text, yaml.load(text));
  return parsedYaml.get(text);
}

/** The config as committed in `root`: Pulumi.yaml's defaults overlaid with the stack file, by qualified key. */
export function committedConfig(stack: StackName, root: string = ROOT): Record<string, string> {
  const project = readYaml(path.join(root, "Pulumi.yaml")) as { config: Record<string, { default?: unknown }> };
  const stackConfigFile = readYaml(stackFile(root, stack)) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config)) {
    if (spec.default !== undefined) values[qualify(key)] = toConfigString(spec.default);
  }
  for (const [key, v] of Object.entries(stackConfigFile.config ?? {})) values[key] = toConfigString(v);
  return values;
}

/** The config the Pulumi CLI would hand the program: project defaults, then the stack file, then overrides. */
export function stackConfig(opts: RunOptions): { values: Record<string, string>; secretKeys: string[] } {
  const values = committedConfig(opts.stack, opts.root);
  const secretKeys: string[] = [];
  if (opts.appRepoPath !== undefined) values[qualify("appRepoPath")] = opts.appRepoPath;
  for (const [key, v] of Object.entries(opts.config ?? {})) values[qualify(key)] = toConfigString(v);
  for (const key of opts.unset ?? []) delete values[qualify(key)];
  return { values, secretKeys };
}

/**
 * The project's own modules under `root`: what a run loads with this runner's require, and evaluates afresh when
 * one has changed (the runner and the scripts stay loaded).
 */
function isProgramModule(file: string, root: string): boolean {
  // Most of the cache is packages: these string tests come first and spare path.relative on thousands of files a run.
  if (!file.startsWith(root) || file.includes(`${path.sep}node_modules${path.sep}`)) return false;
  const rel = path.relative(root, file);
  return !rel.startsWith("..") && !/^(lib|scripts)[\\/]/.test(rel);
}

/**
 * Lets Node's require load the project's TypeScript (lib/ts-loader.js), unless a loader such as ts-node already
 * does.
 */
const ensureTypeScriptLoader = (): void => void nativeRequire(path.join(__dirname, "ts-loader.js"));

/** When each loaded project module's file was last changed, as it was when the module was evaluated. */
const loadedVersions = new Map<string, number>();

/**
 * Loads the program with Node's require: its entry afresh (evaluating it is the run), the project's other modules
 * from the cache while none of their files has changed, every package from the cache.
 *
 * Keeping the other modules is sound because they only declare: no project module holds state or reads the stack,
 * config or environment when it is evaluated (tests/house.test.ts and tests/runner.test.ts hold that), so a second
 * evaluation would give the same functions. It saves a tenth of a run, and most of a run that stops at a config
 * error.
 */
function loadProgram(entry: string, root: string): Record<string, unknown> {
  ensureTypeScriptLoader();
  const cache = nativeRequire.cache;
  const project = Object.keys(cache).filter((key) => isProgramModule(key, ROOT) || isProgramModule(key, root));
  const changed = project.some((key) => loadedVersions.get(key) !== modifiedAt(key));
  for (const key of project) if (changed || key === entry) delete cache[key];
  if (changed) loadedVersions.clear();
  try {
    return nativeRequire(entry);
  } finally {
    // Also when the program throws (a config error): the modules it loaded stay, and are known unchanged next time.
    for (const key of Object.keys(cache)) {
      if (!loadedVersions.has(key) && (isProgramModule(key, ROOT) || isProgramModule(key, root))) loadedVersions.set(key, modifiedAt(key));
    }
  }
}

const modifiedAt = (file: string): number => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;

/**
 * Runs index.ts under mocks and returns what it registered; rejects with the program's error (e.g. a
 * ConfigError) when it fails. Runs in one process follow each other; never start two at once.
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  // One mock monitor and one set of Error settings per process: a second run at once would share them.
  if (running) throw new Error("runProgram: a run is already in progress; await it before starting another");
  running = true;
  // Pulumi records `new Error().stack` for every promise it makes and parses one (with no frame limit) for
  // every resource it registers, to report source positions. Formatting those traces, source-mapped under a
  // test runner, was most of a run's time, and nothing under mocks reads them: while the program runs, a trace
  // is its message alone. AI_PLATFORM_STACK_TRACES=1 keeps them, to find where a program bug throws.
  const keepTraces = programProcess.env[STACK_TRACES_ENV] === "1";
  const saved = [Error, ProgramError].map((E) => ({ E, limit: E.stackTraceLimit, prepare: E.prepareStackTrace }));
  if (!keepTraces) {
    for (const { E } of saved) {
      E.stackTraceLimit = 0;
      E.prepareStackTrace = (err) => String(err);
    }
  }
  // For the same reason, no promise is made "debuggable" and no resource reads its source position
  // (lib/pulumi-traces.ts). A run awaits every outstanding RPC before it returns (waitForRPCs), leak report or not.
  const restoreTraces = keepTraces ? () => undefined : withoutPulumiTraces(nativeRequire);
  try {
    // A JSON copy: plain data in the caller's realm, which the caller may change.
    return withLookups(JSON.parse(JSON.stringify(await execute(opts))));
  } finally {
    for (const { E, limit, prepare } of saved) {
      E.stackTraceLimit = limit;
      E.prepareStackTrace = prepare;
    }
    restoreTraces();
    running = false;
  }
}

/** Set while a run is in progress. */
let running = false;

/** Environment variable that keeps stack traces during runs (slow; for finding where the program throws). */
export const STACK_TRACES_ENV = "AI_PLATFORM_STACK_TRACES";

/**
 * URNs the latest run registered, read from its mock monitor: what a failed run created before it stopped
 * (a config error must leave only the stack itself).
 */
export function registeredUrns(): string[] {
  const monitor = loadPulumi().runtime.getMonitor() as unknown as { getRegisteredResources?(): Map<string, unknown> };
  return [...(monitor?.getRegisteredResources?.().keys() ?? [])];
}

/** JSON with object keys sorted, so equal values give equal text (run keys, the tests' snapshot fixture). */
export function stableJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x), indent);
}

/**
 * What makes two runs the same run: the config the program is handed (however the caller put it: overrides equal
 * to the committed values, or keys unset that the file never had, give the same run) and the other options. The
 * program is deterministic under mocks, so runs with one key have one result.
 */
export function runKey(opts: RunOptions): string {
  const { config: _c, unset: _u, ...rest } = opts;
  return stableJson({ ...rest, config: stackConfig(opts) });
}

/** A run's plain data, without its lookups (what JSON keeps of it). */
export function runData(run: ProgramRun): RunData {
  const { ofType: _o, get: _g, find: _f, ...data } = run;
  return data;
}

/** Lookups over a run's resources. */
export function withLookups(data: RunData): ProgramRun {
  const { resources } = data;
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

type RegisterRequest = {
  getObject(): unknown;
  getParent(): string;
  getProtect?(): boolean;
  getRetainondelete?(): boolean;
  getIgnorechangesList?(): string[];
  getDeletebeforereplace?(): boolean;
  getDependenciesList?(): string[];
  getCustomtimeouts?(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getType(): string;
  getName(): string;
  getAliasesList?(): AliasMessage[];
};

/** An alias as the SDK sends it: a full URN, or a spec relative to the resource (a new name or type). */
type AliasMessage = {
  getUrn(): string;
  getSpec?(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
};

/**
 * The URN an alias names, from the resource's own URN. Specs are resolved as the engine does for the ones this
 * program writes (another name or type under the same parent); any other kind is refused rather than guessed.
 */
function aliasUrn(urn: string, parentUrn: string, alias: AliasMessage): string {
  if (alias.getUrn()) return alias.getUrn();
  const spec = alias.getSpec?.();
  const otherParent = spec && spec.getParenturn() && spec.getParenturn() !== parentUrn;
  if (!spec || spec.getStack() || spec.getProject() || otherParent || spec.getNoparent()) {
    throw new Error(`alias of ${urn}: only a new name or type under the same parent is supported by the runner`);
  }
  const cut = urn.lastIndexOf("::");
  const [prefix, name] = [urn.slice(0, cut), urn.slice(cut + 2)];
  const typeCut = prefix.lastIndexOf("::");
  const chain = prefix.slice(typeCut + 2).split("$");
  if (spec.getType()) chain[chain.length - 1] = spec.getType();
  return `${prefix.slice(0, typeCut)}::${chain.join("$")}::${spec.getName() || name}`;
}

/** The former name an alias gives, if it renames the resource. */
const formerName = (alias: AliasMessage): string | undefined => alias.getSpec?.()?.getName() || undefined;

/** What the runner records of a registration beyond the mock monitor's state: the request's inputs and options. */
type Registration = Omit<Captured, "type" | "name" | "urn" | "custom" | "state">;

/**
 * One run of the program: the mocks and config set for it, the program evaluated in a stack, and what it
 * registered read back from the mock monitor.
 */
async function execute(opts: RunOptions): Promise<RunData> {
  const pulumi = loadPulumi();
  const { values, secretKeys } = stackConfig(opts);
  // A renamed resource keeps what AWS gave it under its former name (its autoname, id, ARN), as the engine and
  // the provider keep them for an aliased resource; the mocks answer from the former name.
  const formerNames = new Map<string, string>();
  await setRunMocks(pulumi, opts, values["aws:region"] ?? "us-east-1", formerNames);
  pulumi.runtime.setAllConfig(inProgramRealm(values), inProgramRealm(secretKeys));
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const registrations = recordRegistrations(monitor, formerNames);
  const { outputs, warnings } = await runInStack(pulumi, opts);
  return { stack: opts.stack, config: values, resources: capturedResources(monitor, registrations), outputs, warnings };
}

/** The mock monitor, as the runner uses it (the SDK's type hides these). */
interface MockMonitor {
  registerResource(req: RegisterRequest, callback: (err: unknown, resp: any) => void): unknown;
  getRegisteredResources(): Map<string, { urn: string; state: any }>;
}

/** Pulumi's mocks for this run: the mocked AWS (mocks.ts) in the run's region, and the stacks it may reference. */
function setRunMocks(pulumi: typeof PulumiModule, opts: RunOptions, region: string, formerNames: ReadonlyMap<string, string>): Promise<void> {
  return pulumi.runtime.setMocks(
    {
      newResource: (args) =>
        inProgramRealm(
          args.type === STACK_REFERENCE_TYPE
            ? mockStackReference(args.inputs.name, opts.stack, opts.stackOutputs)
            : mockState(args.type, formerNames.get(`${args.type}::${args.name}`) ?? args.name, args.inputs, region),
        ),
      call: (args) => inProgramRealm(mockCall(args.token, args.inputs, region, opts.secretsManager, opts.fileSystems)),
    },
    PROJECT,
    opts.stack,
    false,
    // What a DIY (S3) backend reports as every stack's organization.
    DIY_ORGANIZATION,
  );
}

/**
 * Wraps the mock monitor to see what the mocks API hides: the inputs as sent, parents and resource options, by
 * URN (the map returned, filled as the program registers). A renamed resource's former name goes to `formerNames`.
 */
function recordRegistrations(monitor: MockMonitor, formerNames: Map<string, string>): ReadonlyMap<string, Registration> {
  const rpc = nativeRequire("@pulumi/pulumi/runtime/rpc");
  const registrations = new Map<string, Registration>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const renamed = (req.getAliasesList?.() ?? []).map(formerName).find(Boolean);
    if (renamed) formerNames.set(`${req.getType()}::${req.getName()}`, renamed);
    return register(req, (err: unknown, resp: any) => {
      if (!err && resp) {
        const timeouts = req.getCustomtimeouts?.();
        registrations.set(resp.getUrn(), {
          id: resp.getId?.() || undefined,
          inputs: unwrapSecrets(rpc.deserializeProperties(req.getObject())),
          parentUrn: req.getParent() || undefined,
          protect: Boolean(req.getProtect?.()),
          retainOnDelete: Boolean(req.getRetainondelete?.()),
          ignoreChanges: req.getIgnorechangesList?.() ?? [],
          deleteBeforeReplace: Boolean(req.getDeletebeforereplace?.()),
          dependencies: req.getDependenciesList?.() ?? [],
          customTimeouts:
            timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete())
              ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }
              : undefined,
          aliases: (req.getAliasesList?.() ?? []).map((a) => aliasUrn(resp.getUrn(), req.getParent(), a)),
        });
      }
      callback(err, resp);
    });
  };
  return registrations;
}

/**
 * Evaluates the program in a stack, with the run's environment variables set and the engine's warnings kept;
 * rejects with the program's error. Everything it sets is restored after.
 */
async function runInStack(pulumi: typeof PulumiModule, opts: RunOptions): Promise<{ outputs: Record<string, any>; warnings: string[] }> {
  const warnings: string[] = [];
  const engineLog = pulumi.log.warn;
  (pulumi.log as any).warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  const previousEnv: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    previousEnv[k] = programProcess.env[k];
    programProcess.env[k] = v;
  }
  // An error thrown while the stack initializes would also surface as an unhandled rejection; catch it
  // inside and rethrow it from here so callers can assert on it.
  let programError: unknown;
  // Under the Pulumi CLI, a promise the program leaves rejected fails it (the language host's unhandledRejection
  // handler reports it), as an output of a failed resource read that nobody awaits would: kept here, so that the run
  // fails as the CLI would, instead of the process dying of it.
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => void unhandled.push(err);
  programProcess.on("unhandledRejection", onUnhandled);
  try {
    const raw = await pulumi.runtime.runInPulumiStack(async () => {
      try {
        const root = opts.root ?? ROOT;
        // The program's export may be a promise (composeStack looks up the operators' secrets first): its
        // rejection is the program's error too.
        return await loadProgram(opts.program ?? path.join(root, "index.ts"), root);
      } catch (err) {
        programError = err;
        return {};
      }
    });
    if (programError) throw programError;
    const outputs = await resolveDeep(raw ?? {});
    await new Promise((resolve) => setImmediate(resolve));
    if (unhandled.length) throw unhandled[0];
    return { outputs, warnings };
  } finally {
    try {
      // The stack's outputs are registered after its promise resolves; let that RPC reach this run's mock
      // monitor, or the next run's setMocks makes it an unhandled "unknown resource" that kills the process.
      await waitForRPCs();
    } finally {
      // Node reports a promise left rejected once the microtasks of the turn have run.
      await new Promise((resolve) => setImmediate(resolve));
      programProcess.off("unhandledRejection", onUnhandled);
      (pulumi.log as any).warn = engineLog;
      for (const [k, v] of Object.entries(previousEnv)) {
        if (v === undefined) delete programProcess.env[k];
        else programProcess.env[k] = v;
      }
    }
  }
}

/** Every resource the mock monitor holds, with the state the mocked AWS returned and what was recorded at registration. */
function capturedResources(monitor: MockMonitor, registrations: ReadonlyMap<string, Registration>): Captured[] {
  const rpc = nativeRequire("@pulumi/pulumi/runtime/rpc");
  const resources: Captured[] = [];
  for (const [urn, r] of monitor.getRegisteredResources().entries()) {
    const [typePath, name] = urn.split("::").slice(-2);
    const type = typePath.split("$").pop()!;
    const o = registrations.get(urn);
    const state = unwrapSecrets(rpc.deserializeProperties(toStruct(r.state)));
    resources.push({
      type,
      name,
      urn,
      custom: !type.startsWith("ai-platform:") && type !== "pulumi:pulumi:Stack",
      id: o?.id,
      parentUrn: o?.parentUrn,
      inputs: o?.inputs ?? state,
      state,
      protect: o?.protect ?? false,
      retainOnDelete: o?.retainOnDelete ?? false,
      ignoreChanges: o?.ignoreChanges ?? [],
      deleteBeforeReplace: o?.deleteBeforeReplace ?? false,
      dependencies: o?.dependencies ?? [],
      customTimeouts: o?.customTimeouts,
      aliases: o?.aliases ?? [],
    });
  }
  return resources;
}

/** The mock monitor's stored state as a protobuf Struct (a component's registered outputs are a plain object). */
function toStruct(state: any): any {
  const structproto = nativeRequire("google-protobuf/google/protobuf/struct_pb");
  return state && typeof state.toJavaScript === "function" ? state : structproto.Struct.fromJavaScript(state ?? {});
}

/** A value with Pulumi's secret wrappers replaced by what they hold (the signature is looked up once per value). */
function unwrapSecrets(value: any): any {
  const { specialSigKey, specialSecretSig } = loadPulumi().runtime;
  const unwrap = (v: any): any => {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
      if (v[specialSigKey] === specialSecretSig) return unwrap(v.value);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
  };
  return unwrap(value);
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

/**
 * An error the program reports to its user — a ConfigError listing every `ai-platform:<key>: ...` problem, or
 * arguments a component refuses — for which `pulumi preview` prints the message alone, without a stack trace.
 * Judged with the program's own Pulumi (its errors are not this realm's under a test runner).
 */
export function isProgramError(err: unknown): err is Error {
  if (!err || typeof (err as Error).message !== "string") return false;
  const pulumi = loadPulumi();
  if ((err as Error).name === "ConfigError" || pulumi.RunError.isInstance(err)) return true;
  return pulumi.ResourceError.isInstance(err) && (err as { hideStack?: boolean }).hideStack === true;
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
