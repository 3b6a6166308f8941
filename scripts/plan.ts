/**
 * `npm run plan -- --stack <staging|prod> [--diff <stack>] [--config key=value ...] [--app-repo <path>] [--format markdown|json]`
 *
 * Runs the real program under mocks with the stack's config (no credentials, no network) and prints the plan as
 * Markdown: resources with the settings a reviewer checks, outputs, rollout bounds and an estimated monthly cost.
 * Config errors are reported as `pulumi preview` reports them, on stderr, with exit code 1.
 */
import { StackName } from "../lib/stacks";
import { PlanOptions, STACKS, isProgramError, renderPlan } from "./plan/index";

const USAGE = `usage: npm run plan -- --stack <${STACKS.join("|")}> [--diff <${STACKS.join("|")}>] [--config key=value]... [--app-repo <path>] [--format markdown|json]

  --stack      the stack to plan (its Pulumi.<stack>.yaml is used as is)
  --diff       also plan this stack and show what differs from it
  --config     override a config key for this run, like \`pulumi config set\` (repeatable);
               arrays as JSON: --config 'allowedIngressCidrs=["203.0.113.0/24"]'
  --app-repo   the app checkout (default: the stack's appRepoPath, ../app)
  --format     markdown (default) or json`;

class UsageError extends Error {}

function stackName(v: string | undefined, flag: string): StackName {
  if (!v || !(STACKS as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${STACKS.join(", ")}${v ? ` (got "${v}")` : ""}`);
  return v as StackName;
}

export function parseArgs(argv: string[]): PlanOptions {
  const opts: Partial<PlanOptions> & { config: Record<string, string> } = { config: {} };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--stack":
        opts.stack = stackName(value(), "--stack");
        break;
      case "--diff":
        opts.diff = stackName(value(), "--diff");
        break;
      case "--config": {
        const pair = value();
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--config takes key=value (got "${pair}")`);
        opts.config[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case "--app-repo":
        opts.appRepoPath = value();
        break;
      case "--format": {
        const f = value();
        if (f !== "markdown" && f !== "json") throw new UsageError(`--format must be markdown or json (got "${f}")`);
        opts.format = f;
        break;
      }
      case "-h":
      case "--help":
        throw new UsageError("");
      default:
        throw new UsageError(`unknown argument "${argv[i]}"`);
    }
  }
  if (!opts.stack) throw new UsageError("--stack is required");
  return opts as PlanOptions;
}

/** Where the command writes. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: Io = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** The command: its exit code for these arguments (0 plan printed, 1 config error, 2 usage error). */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  let options: PlanOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message ? `error: ${err.message}\n\n` : ""}${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  try {
    const result = await renderPlan(options);
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`${result.text}\n`);
    return 0;
  } catch (err) {
    // As `pulumi preview` reports a config error (every problem listed) or refused arguments: the message alone.
    if (isProgramError(err)) {
      io.stderr(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  // ts-node's source-map support would rewrite every stack trace; the plan prints none worth mapping.
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
