/**
 * The stack's outputs the diagnosis starts from (docs/outputs.md): the cluster and each system's ECS
 * service. Everything else it finds through ECS (target groups from the service, log streams from the task
 * definition), so it needs no output the program does not already export.
 *
 * A stack whose first `pulumi up` failed has no outputs at all (Pulumi records a new stack's outputs only when
 * an update runs to completion; a failed update of an existing stack keeps the previous ones). That is the deploy
 * most in need of a diagnosis, so then the services are read from the stack's state (`pulumi stack export`),
 * which holds every resource the failed update created.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import { DiagnoseError } from "./errors";

/** What the diagnosis reads of the outputs. */
export interface DiagnoseOutputs {
  clusterName: string;
  /** ECS service name by system key (`gateway`, `securityStack`, `uiConsole`). */
  serviceNames: Record<string, string>;
  /** The cluster's ARN: names the stack's region when the environment names none. */
  clusterArn?: string;
  /** Where they were read: the outputs, or the state of a stack that has none yet. @default "outputs" */
  from?: "outputs" | "state";
}

/** Where the outputs come from: the Pulumi CLI for a stack, or a file of `pulumi stack output --json`. */
export interface OutputsSource {
  stack: string;
  file?: string;
}

/** `pulumi stack export` of this stack is a few MB; Node's default buffer is 1 MB. */
const PULUMI_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;

/** The outputs of a stack, or a DiagnoseError that says in one line why there are none. */
export async function readStackOutputs(source: OutputsSource, env: NodeJS.ProcessEnv = process.env): Promise<DiagnoseOutputs> {
  if (source.file) return parseOutputs(parseJson(readOutputsFile(source.file), `outputs file ${source.file}`), `outputs file ${source.file}`);
  const origin = `stack "${source.stack}"`;
  const outputs = parseJson(await pulumi(["stack", "output", "--json", "--stack", source.stack], env), origin);
  if (outputs && typeof outputs === "object" && Object.keys(outputs).length) return parseOutputs(outputs, origin);
  const fromState = servicesInState(parseJson(await pulumi(["stack", "export", "--stack", source.stack], env), `${origin} state`));
  if (fromState) return fromState;
  throw new DiagnoseError(`${origin} has no outputs and no ECS service in its state: none has been deployed yet (run \`pulumi up\`)`);
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DiagnoseError(`${origin}: not JSON (${(err as Error).message})`);
  }
}

function readOutputsFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new DiagnoseError(`cannot read outputs file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** What a Pulumi CLI command prints, or a DiagnoseError with the CLI's own last words. */
function pulumi(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const command = `pulumi ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    execFile("pulumi", args, { env, maxBuffer: PULUMI_OUTPUT_MAX_BYTES }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new DiagnoseError(`the Pulumi CLI is not on PATH: install it, or pass --outputs <file> with what \`pulumi stack output --json\` prints`));
      }
      // The CLI's own last words ("error: no stack named 'x' found"), without its prefix.
      const said = String(stderr).trim().split("\n").filter(Boolean).pop()?.replace(/^error:\s*/, "") ?? err.message;
      reject(new DiagnoseError(`\`${command}\` failed: ${said}`));
    });
  });
}

/** Checks the outputs name a cluster and at least one service. */
export function parseOutputs(raw: unknown, origin: string): DiagnoseOutputs {
  const outputs = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (!Object.keys(outputs).length) {
    throw new DiagnoseError(`${origin} has no outputs: the stack has not been deployed (run \`pulumi up\`), or its first \`pulumi up\` failed (then run without --outputs: its state names the services)`);
  }
  const { clusterName, serviceNames, clusterArn } = outputs;
  if (typeof clusterName !== "string" || !clusterName) {
    throw new DiagnoseError(`${origin} has no clusterName output: is it a stack of this program (docs/outputs.md)?`);
  }
  const services = typeof serviceNames === "object" && serviceNames !== null ? Object.entries(serviceNames) : [];
  if (!services.length || services.some(([, name]) => typeof name !== "string" || !name)) {
    throw new DiagnoseError(`${origin} has no serviceNames output (a map of system to ECS service name): is it a stack of this program?`);
  }
  return {
    clusterName,
    serviceNames: Object.fromEntries(services) as Record<string, string>,
    ...(typeof clusterArn === "string" ? { clusterArn } : {}),
  };
}

/** A resource of `pulumi stack export`, as far as the diagnosis reads it. */
interface StateResource {
  urn?: string;
  type?: string;
  /** The URN of its parent (a component). */
  parent?: string;
  outputs?: { name?: unknown; cluster?: unknown };
}

/** The type prefix of every system's component (components/systems/system.ts `componentType`). */
const SYSTEM_TYPE_PREFIX = "ai-platform:system:";

/**
 * The ECS services in a stack's state, by system key. A service's ancestors include its system's component
 * (`ai-platform:system:SecurityStack`), whose type name in lower camel case is the system's key (`securityStack`),
 * as the outputs name it; tests/outputs.test.ts holds every system of both stacks to that.
 */
export function servicesInState(state: unknown): DiagnoseOutputs | undefined {
  const resources = (state as { deployment?: { resources?: StateResource[] } })?.deployment?.resources ?? [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const services = resources.filter((r) => r.type === "aws:ecs/service:Service" && typeof r.outputs?.name === "string" && typeof r.outputs?.cluster === "string");
  if (!services.length) return undefined;
  const clusterArn = services[0].outputs?.cluster as string;
  const serviceNames = Object.fromEntries(services.map((r) => [systemKeyOf(r, byUrn), r.outputs?.name as string]));
  return { clusterName: clusterArn.split("/").pop() ?? clusterArn, clusterArn, serviceNames, from: "state" };
}

/** The key of the system a resource belongs to: its nearest ancestor of a system type; else its own name. */
function systemKeyOf(resource: StateResource, byUrn: Map<string | undefined, StateResource>): string {
  const seen = new Set<StateResource>();
  for (let r: StateResource | undefined = resource; r && !seen.has(r); r = byUrn.get(r.parent)) {
    seen.add(r);
    if (r.type?.startsWith(SYSTEM_TYPE_PREFIX)) {
      const name = r.type.slice(SYSTEM_TYPE_PREFIX.length);
      return name[0].toLowerCase() + name.slice(1);
    }
  }
  return resource.urn?.split("::").pop() ?? "service";
}
