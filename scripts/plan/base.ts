/**
 * The base of `--base <ref>`: the project as it is at a git revision, in a temporary directory, with the
 * dependencies that revision's lockfile asks for.
 *
 * The tree is written out with `git archive`, not `git worktree add`: the same files, but nothing is recorded in
 * the repository (no worktree entry to prune if the plan is killed, nothing written to a `.git` that other
 * checkouts share), and it works from a read-only or linked checkout alike. Files marked `export-ignore` in
 * .gitattributes would be left out; this repository marks none.
 *
 * Dependencies: when the lockfile is the same at both revisions, the base links to this checkout's node_modules
 * and runs in this process, loading Pulumi once (a second run costs about a second). When it differs, the base
 * gets its own `npm ci` and runs in a process of its own with its own Pulumi (lib/program-runner.ts,
 * PACKAGES_ROOT_ENV).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACKAGES_ROOT_ENV, ROOT, RunData, RunOptions, withLookups, ProgramRun } from "../../lib/program-runner";

const LOCKFILE = "package-lock.json";

/** Raised when the revision cannot be checked out (unknown ref, not a git repository, failed install). */
export class BaseCheckoutError extends Error {}

export interface BaseCheckout {
  /** The project directory at the revision. */
  dir: string;
  /** The commit the ref names. */
  sha: string;
  /** The ref as given, with its short commit: `HEAD~1 (3f2c1ab)`; a full commit hash as its short one. */
  label: string;
  /** Whether the base uses this checkout's node_modules (same lockfile) and so runs in this process. */
  sharesPackages: boolean;
  /** Deletes the directory. */
  remove(): void;
}

/** Installs a checkout's dependencies from its lockfile. */
export type Install = (dir: string) => void;

export const npmCi: Install = (dir) => {
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new BaseCheckoutError(`npm ci in the base checkout failed:\n${r.stderr || r.stdout}`);
};

const git = (cwd: string, args: string[]): string => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * The project directory `projectDir` (a git working tree, or a directory inside one) as it is at `ref`, in a new
 * temporary directory. The caller removes it.
 */
export function checkoutBase(projectDir: string, ref: string, install: Install = npmCi): BaseCheckout {
  let top: string;
  let sha: string;
  try {
    // One git process for both (the top directory, then the commit: --verify takes the ref alone), as each process
    // started from a large one such as a test runner's costs several milliseconds.
    [top, sha] = git(projectDir, ["rev-parse", "--show-toplevel", "--verify", "--quiet", `${ref}^{commit}`]).split("\n");
  } catch {
    throw new BaseCheckoutError(`--base ${ref}: not a commit of the repository at ${projectDir} (a shallow clone may need \`git fetch\` of it first)`);
  }
  const sub = path.relative(fs.realpathSync(top), fs.realpathSync(projectDir));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-base-"));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const tar = path.join(dir, ".base.tar");
    execFileSync("git", ["archive", "--format=tar", `--output=${tar}`, sha, ...(sub ? [sub] : [])], { cwd: top, stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("tar", ["-xf", tar, "-C", dir, ...(sub ? [`--strip-components=${sub.split(path.sep).length}`] : [])]);
    fs.rmSync(tar);

    const here = path.join(projectDir, LOCKFILE);
    // The revision's lockfile as the archive wrote it out (no file in this repository has export attributes), rather
    // than another git process for `git show`.
    const base = path.join(dir, LOCKFILE);
    const before = fs.existsSync(base) ? fs.readFileSync(base) : undefined;
    const sharesPackages = fs.existsSync(here) ? Boolean(before?.equals(fs.readFileSync(here))) : before === undefined;
    if (sharesPackages) fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
    else install(dir);
    // A commit given by its full hash (as CI gives the base) reads better short; a name keeps its short commit beside it.
    const label = /^[0-9a-f]{40}$/i.test(ref) ? sha.slice(0, 7) : `${ref} (${sha.slice(0, 7)})`;
    return { dir, sha, label, sharesPackages, remove };
  } catch (err) {
    remove();
    throw err instanceof BaseCheckoutError ? err : new BaseCheckoutError(`--base ${ref}: ${(err as Error).message}`);
  }
}

/** The child process that runs a program with its own checkout's packages (scripts/plan/run-child.ts). */
const CHILD = path.join(__dirname, "run-child.ts");

/**
 * Runs the program of a checkout with its own node_modules in a process of its own (its Pulumi, not this
 * process's), and returns the run as runProgram would.
 */
export function runInOwnProcess(opts: RunOptions & { root: string }): ProgramRun {
  const out = path.join(opts.root, ".plan-run.json");
  const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "lib", "ts-loader.js"), CHILD, JSON.stringify(opts), out], {
    cwd: ROOT,
    env: { ...process.env, [PACKAGES_ROOT_ENV]: opts.root },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new BaseCheckoutError(`the base revision's program failed: ${(r.stderr || r.stdout).trim()}`);
  return withLookups(JSON.parse(fs.readFileSync(out, "utf8")) as RunData);
}
