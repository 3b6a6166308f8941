/**
 * Which commit of the app repo a stack is built from: the `appRevision` output, what a prod deploy checks out to
 * run what staging ran, and what the console's promotion compares (components/systems/promotion.ts).
 *
 * The checkout itself says: `git rev-parse HEAD` where `appRepoPath` is the top of a git work tree, as every
 * `actions/checkout` and every clone is. APP_REVISION is the caller's word for it: a workflow that checked out a
 * commit it chose sets it, and the program refuses to build from a checkout that is somewhere else (a checkout step
 * that silently took a branch instead). A checkout without git metadata (an exported tree, the tests' fixture) has
 * only APP_REVISION; without that too its revision is `unknown`, said once as a warning, and a stack that promotes
 * the console from another cannot prove it runs the same source.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The environment variable a workflow sets to the commit it checked out (40 hex digits). */
export const APP_REVISION_ENV = "APP_REVISION";

/** The revision of a checkout nothing identifies. */
export const UNKNOWN_REVISION = "unknown";

/** Appended to the commit of a checkout with changes git has not committed: its images are not that commit's. */
export const DIRTY_SUFFIX = "-dirty";

/** A full commit hash: what the workflows check out and compare (a short one can name two commits). */
export const FULL_COMMIT = /^[0-9a-f]{40}$/;

export interface AppRevision {
  /** The commit (40 hex digits), with DIRTY_SUFFIX for uncommitted changes, or UNKNOWN_REVISION. */
  revision: string;
  /** Where it was read: the checkout's git metadata, APP_REVISION, or nowhere. */
  source: "git" | "env" | "none";
  /** What the operator should know, said once at preview and in the plan (an unknown or dirty revision). */
  warning?: string;
}

/** `git <args>` in `dir`, its output trimmed; undefined when git is missing or the command fails. */
function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit checked out at `appRepoPath` when it is the top of a git work tree. A directory inside another
 * repository (a fixture tree inside this one) is not a checkout of the app: its HEAD is that repository's.
 */
function checkoutCommit(appRepoPath: string): { commit: string; dirty: boolean } | undefined {
  // The top of a work tree holds `.git` (a directory, or a file in a linked worktree or submodule); without one,
  // asking git is not needed (a run of the program is spared a process).
  if (!fs.existsSync(path.join(appRepoPath, ".git"))) return undefined;
  const top = git(appRepoPath, ["rev-parse", "--show-toplevel"]);
  if (!top || fs.realpathSync(top) !== fs.realpathSync(path.resolve(appRepoPath))) return undefined;
  const commit = git(appRepoPath, ["rev-parse", "HEAD"]);
  if (!commit || !FULL_COMMIT.test(commit)) return undefined;
  // Untracked files count: a new file under a source folder changes an image as much as an edit does.
  const status = git(appRepoPath, ["status", "--porcelain"]);
  return { commit, dirty: Boolean(status) };
}

/**
 * The app revision of the checkout at `appRepoPath`, given APP_REVISION's value in `env`. Throws a RunError when
 * APP_REVISION is not a full commit hash or names another commit than the checkout's.
 */
export function readAppRevision(appRepoPath: string, env: NodeJS.ProcessEnv = process.env): AppRevision {
  const expected = env[APP_REVISION_ENV]?.trim() || undefined;
  if (expected && !FULL_COMMIT.test(expected)) {
    throw new pulumi.RunError(`${APP_REVISION_ENV}: "${expected}" is not a full commit hash (40 lowercase hex digits); set it to the commit checked out at ${appRepoPath}, or unset it`);
  }
  const found = checkoutCommit(appRepoPath);
  if (found && expected && found.commit !== expected) {
    throw new pulumi.RunError(
      `${APP_REVISION_ENV} is ${expected}, but the app checkout at ${appRepoPath} is at ${found.commit}: ` +
        `check out ${expected} there (\`git -C ${appRepoPath} checkout ${expected}\`), or unset ${APP_REVISION_ENV} to build what is checked out`,
    );
  }
  if (found) {
    if (!found.dirty) return { revision: found.commit, source: "git" };
    return {
      revision: `${found.commit}${DIRTY_SUFFIX}`,
      source: "git",
      warning:
        `the app checkout at ${appRepoPath} has changes not committed to ${found.commit}: its images are no commit's, ` +
        `so the app revision is ${found.commit}${DIRTY_SUFFIX} and no stack can promote them by revision; commit or stash them`,
    };
  }
  if (expected) return { revision: expected, source: "env" };
  return {
    revision: UNKNOWN_REVISION,
    source: "none",
    warning:
      `the app revision is unknown: ${appRepoPath} is not a git checkout and ${APP_REVISION_ENV} is not set, so the ` +
      `appRevision output says "${UNKNOWN_REVISION}" and no stack can promote the console from this one; deploy from a ` +
      `git checkout of the app, or set ${APP_REVISION_ENV} to the commit this tree is`,
  };
}
