import { spawnSync } from "child_process";
import { closeSync, openSync, readdirSync, readSync } from "fs";
import { join, relative, sep } from "path";
import { describeWithTool } from "./support/tools";

const ROOT = join(__dirname, "..");
/** Not ours (dependencies, git internals), or broken on purpose (fixtures). */
const SKIPPED_DIRS = new Set(["node_modules", ".git", join("tests", "fixtures")]);
const SHEBANG = /^#!\s*\S*\/(?:env\s+)?(?:ba|da|k)?sh\b/;

function firstLine(path: string): string {
  const buffer = Buffer.alloc(128);
  const fd = openSync(path, "r");
  try {
    return buffer.toString("utf8", 0, readSync(fd, buffer, 0, buffer.length, 0)).split("\n")[0];
  } finally {
    closeSync(fd);
  }
}

/** Repository-relative paths of every shell script: `*.sh`, everything in `.ci/`, and `#!…sh` files. */
function shellScripts(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const file = relative(ROOT, path);
    if (entry.isDirectory()) {
      return SKIPPED_DIRS.has(entry.name) || SKIPPED_DIRS.has(file) ? [] : shellScripts(path);
    }
    // Only a regular file is read: a symlinked node_modules (a worktree sharing another's) is no directory entry here.
    if (!entry.isFile()) return [];
    return file.endsWith(".sh") || file.startsWith(`.ci${sep}`) || SHEBANG.test(firstLine(path)) ? [file] : [];
  });
}

function shellcheck(args: string[], input?: string): { status: number | null; findings: string } {
  const result = spawnSync("shellcheck", ["--color=never", ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { status: result.status, findings: result.stdout + result.stderr };
}

describeWithTool("shellcheck", "apt-get install -y shellcheck")("shell scripts", () => {
  const scripts = shellScripts();
  // One shellcheck over them all: a start per script cost more than the checking. Its gcc format starts each
  // finding with the script's path, so each script's test reads its own.
  let all: { status: number | null; findings: string };
  beforeAll(() => {
    all = shellcheck(["--external-sources", "--source-path=SCRIPTDIR", "--format=gcc", ...scripts]);
  });

  test("are found, .ci/run among them", () => {
    expect(scripts).toContain(join(".ci", "run"));
  });

  test.each(scripts)("%s passes shellcheck", (script) => {
    expect(all.findings.split("\n").filter((line) => line.startsWith(`${script}:`))).toEqual([]);
  });

  test("shellcheck finds nothing else either: no error, and no finding in a file the scripts source", () => {
    expect(all).toEqual({ status: 0, findings: "" });
  });

  test("shellcheck reports a broken script", () => {
    const broken = ["#!/bin/bash", "rm $1", '[ $x == y ] && echo "same"', ""].join("\n");
    const { status, findings } = shellcheck(["--format=gcc", "-"], broken);
    expect(status).not.toBe(0);
    expect(findings).toMatch(/^-:2:4: .*\[SC2086\]$/m);
    expect(findings).toMatch(/^-:3:3: .*\[SC2086\]$/m);
  });
});
