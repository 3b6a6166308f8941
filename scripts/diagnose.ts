/**
 * `npm run diagnose -- --stack <name> [--outputs <file.json>]`
 *
 * Says why a deploy failed or hangs: for each service of the stack, its deployment state and the cause of each
 * recent stopped task and refused target, with the fix in one line and a pointer to the runbook (docs/runbook.md). Markdown
 * on stdout; exit 0 when every service is healthy, 1 when one is not, 2 when the stack or AWS cannot be read.
 */
import { DIAGNOSE_ACTIONS, DiagnoseError, diagnose, readStackOutputs } from "./diagnose/index";
import type { Clients } from "./diagnose/index";
import { runCli } from "../lib/cli";

/** DIAGNOSE_ACTIONS one line per AWS service: `  ecs: DescribeServices, ListTasks, ...`. */
function actionsByService(): string {
  const byService = new Map<string, string[]>();
  for (const action of DIAGNOSE_ACTIONS) {
    const [service, name] = action.split(":");
    byService.set(service, [...(byService.get(service) ?? []), name]);
  }
  return [...byService].map(([service, names]) => `  ${service}: ${names.join(", ")}`).join("\n");
}

export const USAGE = `usage: npm run diagnose -- --stack <name> [--outputs <file.json>]

Says why a deploy failed or hangs. For each ECS service in the stack's outputs: the current rollout, whether
the circuit breaker or an alarm rolled it back, running against desired tasks, and each recent stopped task and
unhealthy target classified into a cause (image pull, secrets, EFS mount, load balancer or container health
checks, an exited container with its last log lines, out of memory, Spot interruption, sleeping stack), with
the fix in one line and its runbook entry (docs/runbook.md). Anything it cannot classify is shown as AWS said it.

  --stack     the stack to diagnose; its outputs come from \`pulumi stack output --json --stack <name>\`
              (a stack whose first \`pulumi up\` failed has none: its services come from \`pulumi stack export\`)
  --outputs   read the outputs from this file (what that command prints) instead of the Pulumi CLI

AWS access is the environment's, as for the AWS CLI: AWS_REGION, AWS_PROFILE, credentials, AWS_ENDPOINT_URL_*.
It only reads. The IAM actions it uses:
${actionsByService()}

Markdown on stdout. Exit status: 0 every service healthy (a sleeping one is), 1 a service is unhealthy,
2 the stack's outputs or AWS could not be read (one line on stderr).`;

class UsageError extends Error {}

export interface DiagnoseArgs {
  stack: string;
  outputs?: string;
}

export function parseArgs(argv: string[]): DiagnoseArgs {
  const args: Partial<DiagnoseArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].startsWith("--") ? argv[i].indexOf("=") : -1;
    const [flag, inline] = eq > 0 ? [argv[i].slice(0, eq), argv[i].slice(eq + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--stack":
        args.stack = value();
        break;
      case "--outputs":
        args.outputs = value();
        break;
      case "-h":
      case "--help":
        throw new UsageError("");
      default:
        throw new UsageError(`unknown argument "${argv[i]}"`);
    }
  }
  if (!args.stack) throw new UsageError("--stack is required");
  return args as DiagnoseArgs;
}

/** Where the command writes, and what it may be handed instead of the defaults (tests). */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The environment the Pulumi CLI runs in. @default process.env */
  env?: NodeJS.ProcessEnv;
  clients?: Clients;
  now?: Date;
}

const PROCESS_IO: Io = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** The command: its exit code for these arguments. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  let args: DiagnoseArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (!err.message) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    io.stderr(`error: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const outputs = await readStackOutputs({ stack: args.stack, file: args.outputs }, io.env);
    const diagnosis = await diagnose({ stack: args.stack, outputs, clients: io.clients, now: io.now });
    io.stdout(`${diagnosis.markdown}\n`);
    return diagnosis.healthy ? 0 : 1;
  } catch (err) {
    if (!(err instanceof DiagnoseError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return 2;
  }
}

if (require.main === module) runCli(main, 2);
