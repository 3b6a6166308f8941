/**
 * `npm run plan -- --stack <stack> [--diff <stack>] [--config key=value ...] [--app-repo <path>] [--format markdown|json]`
 * `npm run plan -- --base <git-ref> [--stack <stack>]... [--comment [--cost-threshold <percent>]] [...]`
 *
 * Runs the real program under mocks with the stack's config (no credentials, no network) and prints the plan as
 * Markdown: resources with the settings a reviewer checks, outputs, rollout bounds and an estimated monthly cost.
 * With --base, plans each stack at that revision and at the working tree and prints what the change does.
 * Config errors are reported as `pulumi preview` reports them, on stderr, with exit code 1.
 */
import { ROOT } from "../lib/program-runner";
import { StackName, UnknownStackError, stackFile, stacksIn } from "../lib/stacks";
import { BaseCheckoutError } from "./plan/base";
import { ChangeOptions, PlanOptions, isProgramError, renderChanges, renderPlan } from "./plan/index";
import { DEFAULT_COST_THRESHOLD_PERCENT } from "./plan/render-change";
import { runCli } from "../lib/cli";

const USAGE = `usage: npm run plan -- --stack <stack> [--diff <stack>] [--config key=value]... [--app-repo <path>] [--format markdown|json]
       npm run plan -- --base <git-ref> [--stack <stack>]... [--comment [--cost-threshold <percent>]] [--config key=value]... [--app-repo <path>] [--format markdown|json]

  --stack           the stack to plan: any stack with a Pulumi.<stack>.yaml here (${stacksIn(ROOT).join(", ")}), used as is.
                    With --base, repeatable; every stack when none is given
  --diff            also plan this stack and show what differs from it
  --base            plan each stack at this git revision too, and show what the change does: resources added,
                    removed and replaced (and why), settings, monthly cost before and after, a marked picture
  --comment         with --base: print the pull-request comment (first line: stacks whose cost rises past the threshold)
  --cost-threshold  with --comment: percent of monthly cost rise that marks a stack (default ${DEFAULT_COST_THRESHOLD_PERCENT})
  --config          override a config key for this run, like \`pulumi config set\` (repeatable);
                    arrays as JSON: --config 'allowedIngressCidrs=["203.0.113.0/24"]'
  --app-repo        the app checkout (default: the stack's appRepoPath, ../app)
  --format          markdown (default) or json`;

class UsageError extends Error {}

function stackName(v: string, flag: string): StackName {
  try {
    stackFile(ROOT, v);
  } catch (err) {
    if (err instanceof UnknownStackError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
  return v;
}

/** The command's options: a plan (and diff) of one stack, or a change against a base revision. */
export function parseArgs(argv: string[]): PlanOptions | ChangeOptions {
  const stacks: StackName[] = [];
  let diff: StackName | undefined;
  let base: string | undefined;
  let comment = false;
  let threshold: number | undefined;
  const shared: Pick<PlanOptions, "appRepoPath" | "format"> & { config: Record<string, string> } = { config: {} };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--stack":
        stacks.push(stackName(value(), "--stack"));
        break;
      case "--diff":
        diff = stackName(value(), "--diff");
        break;
      case "--base":
        base = value();
        break;
      case "--comment":
        comment = true;
        break;
      case "--cost-threshold": {
        const v = value();
        threshold = Number(v);
        if (v.trim() === "" || !Number.isFinite(threshold) || threshold < 0) throw new UsageError(`--cost-threshold takes a percentage >= 0 (got "${v}")`);
        break;
      }
      case "--config": {
        const pair = value();
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--config takes key=value (got "${pair}")`);
        shared.config[pair.slice(0, eq)] = pair.slice(eq + 1);
        break;
      }
      case "--app-repo":
        shared.appRepoPath = value();
        break;
      case "--format": {
        const f = value();
        if (f !== "markdown" && f !== "json") throw new UsageError(`--format must be markdown or json (got "${f}")`);
        shared.format = f;
        break;
      }
      case "-h":
      case "--help":
        throw new UsageError("");
      default:
        throw new UsageError(`unknown argument "${argv[i]}"`);
    }
  }
  if (base !== undefined) {
    if (diff) throw new UsageError("--diff compares two stacks and --base two revisions: give one of them");
    return { base, ...(stacks.length ? { stacks } : {}), ...(comment ? { comment } : {}), ...(threshold !== undefined ? { costThresholdPercent: threshold } : {}), ...shared };
  }
  if (comment || threshold !== undefined) throw new UsageError("--comment and --cost-threshold need --base");
  if (stacks.length === 0) throw new UsageError("--stack is required");
  if (stacks.length > 1) throw new UsageError("--stack is given once (several only with --base)");
  return { stack: stacks[0], ...(diff ? { diff } : {}), ...shared };
}

/** Where the command writes. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: Io = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** The command: its exit code for these arguments (0 plan printed, 1 config or checkout error, 2 usage error). */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  let options: PlanOptions | ChangeOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message ? `error: ${err.message}\n\n` : ""}${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  try {
    const result = "base" in options ? await renderChanges(options) : await renderPlan(options);
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`${result.text}\n`);
    return 0;
  } catch (err) {
    // As `pulumi preview` reports a config error (every problem listed) or refused arguments: the message alone.
    if (isProgramError(err) || err instanceof BaseCheckoutError) {
      io.stderr(`error: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) runCli(main, 1);
