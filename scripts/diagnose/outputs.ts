/**
 * The stack's outputs the diagnosis starts from (README "Outputs contract"): the cluster and each system's ECS
 * service. Everything else it finds through ECS (target groups from the service, log streams from the task
 * definition), so it needs no output the program does not already export.
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
}

/** Where the outputs come from: the Pulumi CLI for a stack, or a file of `pulumi stack output --json`. */
export interface OutputsSource {
  stack: string;
  file?: string;
}

/** `pulumi stack output --json` can be a few MB for a large stack; Node's default buffer is 1 MB. */
const PULUMI_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;

/** The outputs of a stack, or a DiagnoseError that says in one line why there are none. */
export async function readStackOutputs(source: OutputsSource, env: NodeJS.ProcessEnv = process.env): Promise<DiagnoseOutputs> {
  const origin = source.file ? `outputs file ${source.file}` : `stack "${source.stack}"`;
  const text = source.file ? readOutputsFile(source.file) : await pulumiStackOutput(source.stack, env);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DiagnoseError(`${origin}: the outputs are not JSON (${(err as Error).message})`);
  }
  return parseOutputs(raw, origin);
}

function readOutputsFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new DiagnoseError(`cannot read outputs file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function pulumiStackOutput(stack: string, env: NodeJS.ProcessEnv): Promise<string> {
  const command = `pulumi stack output --json --stack ${stack}`;
  return new Promise((resolve, reject) => {
    execFile("pulumi", ["stack", "output", "--json", "--stack", stack], { env, maxBuffer: PULUMI_OUTPUT_MAX_BYTES }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new DiagnoseError(`the Pulumi CLI is not on PATH: install it, or pass --outputs <file> with what \`${command}\` prints`));
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
    throw new DiagnoseError(`${origin} has no outputs: it has not been deployed (run \`pulumi up\`), or this is not its backend`);
  }
  const { clusterName, serviceNames, clusterArn } = outputs;
  if (typeof clusterName !== "string" || !clusterName) {
    throw new DiagnoseError(`${origin} has no clusterName output: is it a stack of this program (README "Outputs contract")?`);
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
