/**
 * The app revision a stack is built from (components/systems/app-revision.ts), read from real git checkouts made in the
 * test: the checkout's own commit, `-dirty` for changes git has not committed, APP_REVISION for a tree without git
 * metadata, and a refusal where APP_REVISION and the checkout disagree.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readAppRevision } from "../components/systems/app-revision";
import { FIXTURE_APP_REPO } from "./support/harness";
import { describeWithTool } from "./support/tools";

const OTHER_COMMIT = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

describeWithTool("git", "apt-get install -y git")("the app revision", () => {
  let dir: string;
  let checkout: string;
  let commit: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", checkout, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], {
      encoding: "utf8",
    }).trim();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-revision-"));
    checkout = path.join(dir, "app");
    fs.mkdirSync(path.join(checkout, "mcp-gateway"), { recursive: true });
    fs.writeFileSync(path.join(checkout, "mcp-gateway", "package.json"), "{}\n");
    execFileSync("git", ["init", "--quiet", checkout]);
    git("add", ".");
    git("commit", "--quiet", "-m", "first");
    commit = git("rev-parse", "HEAD");
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("of a clean git checkout is its commit", () => {
    expect(readAppRevision(checkout, {})).toEqual({ revision: commit, source: "git" });
  });

  it("is the checkout's commit when APP_REVISION names the same one", () => {
    expect(readAppRevision(checkout, { APP_REVISION: commit })).toEqual({ revision: commit, source: "git" });
  });

  it("refuses a checkout at another commit than APP_REVISION says, naming both and the fix", () => {
    expect(() => readAppRevision(checkout, { APP_REVISION: OTHER_COMMIT })).toThrow(
      `APP_REVISION is ${OTHER_COMMIT}, but the app checkout at ${checkout} is at ${commit}: check out ${OTHER_COMMIT} there (\`git -C ${checkout} checkout ${OTHER_COMMIT}\`), or unset APP_REVISION to build what is checked out`,
    );
  });

  it("refuses an APP_REVISION that is no full commit hash: a short one can name two commits", () => {
    expect(() => readAppRevision(checkout, { APP_REVISION: commit.slice(0, 7) })).toThrow(/^APP_REVISION: "[0-9a-f]{7}" is not a full commit hash/);
  });

  it("of a checkout with uncommitted changes is marked dirty, and said so", () => {
    const file = path.join(checkout, "mcp-gateway", "new.ts");
    fs.writeFileSync(file, "export {};\n");
    try {
      const read = readAppRevision(checkout, {});
      expect(read.revision).toBe(`${commit}-dirty`);
      expect(read.warning).toMatch(/has changes not committed to [0-9a-f]{40}: its images are no commit's/);
    } finally {
      fs.rmSync(file);
    }
  });

  it("of a tree without git metadata is APP_REVISION", () => {
    const tree = path.join(dir, "export");
    fs.mkdirSync(tree, { recursive: true });
    expect(readAppRevision(tree, { APP_REVISION: OTHER_COMMIT })).toEqual({ revision: OTHER_COMMIT, source: "env" });
  });

  it("of a folder inside another repository is not that repository's commit: the fixture checkout is unknown without APP_REVISION", () => {
    const read = readAppRevision(FIXTURE_APP_REPO, {});
    expect(read).toMatchObject({ revision: "unknown", source: "none" });
    expect(read.warning).toContain(`the app revision is unknown: ${FIXTURE_APP_REPO} is not a git checkout and APP_REVISION is not set`);
  });
});
