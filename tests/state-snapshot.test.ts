/**
 * dockerfiles/writer/state-snapshot (the consistent copy a single writer takes before the backup window) and
 * dockerfiles/writer/restore-check (what the restore test runs on a restored file system), run as real processes
 * with real SQLite databases: a database written the whole time is copied whole, a half-written tenants.json is
 * never kept, a frozen copy resumes its process, and the check fails what a restore could not use.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { describeWithTool } from "./support/tools";

const WRITER = path.join(ROOT, "dockerfiles", "writer");

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "state-snapshot-"));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const python = (script: string, ...args: string[]) => {
  const r = spawnSync("python3", ["-c", script, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};

function snapshot(name: string, src: string, extra: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(path.join(WRITER, "state-snapshot"), [...extra, name, src], {
    env: { PATH: process.env.PATH ?? "", WRITER_DIR: path.join(work, "writer"), ...env },
    encoding: "utf8",
  });
}

/** A process that commits rows to a WAL-mode SQLite database for as long as it lives. */
function busyWriter(db: string): ChildProcess {
  python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal'); c.execute('create table t(n integer, pad text)'); c.commit()", db);
  return spawn("python3", ["-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\ni=0\nwhile True:\n  i+=1\n  c.execute('insert into t values(?, ?)', (i, 'x'*500)); c.commit()", db], { stdio: "ignore" });
}

describeWithTool("python3", "apt-get install -y python3")("state-snapshot", () => {
  it("copies a SQLite database that is written the whole time through SQLite's online backup: whole, with every committed row", async () => {
    const data = path.join(work, "data");
    fs.mkdirSync(path.join(data, "policies"), { recursive: true });
    const db = path.join(data, "policies", "store.db");
    const writer = busyWriter(db);
    await new Promise((r) => setTimeout(r, 300));
    const result = snapshot("data", data);
    writer.kill();
    expect(result.status).toBe(0);
    const copy = path.join(work, "writer", "snapshot", "data", "policies", "store.db");
    expect(python("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])", copy)).toBe("ok");
    // Rows 1..n with none missing: one committed state, not pages from different moments.
    const [count, max] = python("import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute('select count(*), max(n) from t').fetchone())", copy).split(" ").map(Number);
    expect(count).toBeGreaterThan(0);
    expect(count).toBe(max);
    // The live database's WAL and shared memory belong to it, not to the copy.
    expect(fs.readdirSync(path.dirname(copy))).toEqual(["store.db"]);
    expect(JSON.parse(fs.readFileSync(path.join(work, "writer", "snapshot", "data.json"), "utf8"))).toMatchObject({ name: "data", method: "online-backup", databases: 1 });
    expect(result.stderr).toMatch(/state-snapshot: data ok: .* 1 files \(1 SQLite databases\), online-backup/);
  });

  it("keeps no half-written tenants.json: it copies again until the copy parses, and fails (keeping the last snapshot) if it never does", () => {
    const data = path.join(work, "tenants");
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, "tenants.json"), '{"tenants":[{"id":"t1"}]}');
    expect(snapshot("tenants", data).status).toBe(0);
    fs.writeFileSync(path.join(data, "tenants.json"), '{"tenants":[{"id":"t1"},{"id"');
    const torn = snapshot("tenants", data, [], { STATE_SNAPSHOT_JSON_ATTEMPTS: "2" });
    expect(torn.status).toBe(1);
    expect(torn.stderr).toContain("state-snapshot: FAILED tenants: tenants.json does not parse as JSON after 2 copies");
    expect(fs.readFileSync(path.join(work, "writer", "snapshot", "tenants", "tenants.json"), "utf8")).toBe('{"tenants":[{"id":"t1"}]}');
  });

  it("with --freeze, stops the process for the copy and resumes it, even when the copy fails", async () => {
    const data = path.join(work, "chroma");
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, "chroma.sqlite3"), "SQLite format 3\0 written by the process");
    const app = spawn("sleep", ["30"], { stdio: "ignore" });
    const state = () => fs.readFileSync(`/proc/${app.pid}/stat`, "utf8").split(") ")[1][0];
    expect(snapshot("chroma", data, ["--freeze", String(app.pid)]).status).toBe(0);
    expect(state()).not.toBe("T");
    // A frozen copy takes the files as they are: no SQLite tool runs on a stopped process's database.
    expect(fs.readFileSync(path.join(work, "writer", "snapshot", "chroma", "chroma.sqlite3"), "utf8")).toContain("written by the process");
    fs.writeFileSync(path.join(data, "broken.json"), "{");
    expect(snapshot("chroma", data, ["--freeze", String(app.pid)], { STATE_SNAPSHOT_JSON_ATTEMPTS: "1" }).status).toBe(1);
    expect(state()).not.toBe("T");
    app.kill();
  });
});

describeWithTool("python3", "apt-get install -y python3")("restore-check", () => {
  /** A restored file system as AWS Backup lays it out, with the gateway's snapshots taken `ageHours` ago. */
  function restored(ageHours = 2, root = path.join(work, `restored-${ageHours}`)): string {
    const system = path.join(root, "aws-backup-restore_2026-05-01T03-10-00-000Z", "gateway");
    const snapshots = path.join(system, "writer", "snapshot");
    for (const name of ["tenants", "workspace"]) {
      fs.mkdirSync(path.join(system, name), { recursive: true });
      fs.mkdirSync(path.join(snapshots, name), { recursive: true });
      const takenAt = new Date(Date.now() - ageHours * 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
      fs.writeFileSync(path.join(snapshots, `${name}.json`), JSON.stringify({ name, takenAt }));
    }
    fs.writeFileSync(path.join(system, "tenants", "tenants.json"), "{}");
    fs.writeFileSync(path.join(snapshots, "tenants", "tenants.json"), '{"tenants":[]}');
    python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", path.join(snapshots, "workspace", "index.db"));
    return root;
  }
  const check = (root: string) =>
    spawnSync("python3", [path.join(WRITER, "restore-check"), root], {
      env: { PATH: process.env.PATH ?? "", EXPECTED_SNAPSHOTS: "gateway/tenants gateway/workspace security-stack/data", REQUIRED_FILES: "gateway/tenants/tenants.json", MAX_SNAPSHOT_AGE_HOURS: "30" },
      encoding: "utf8",
    });
  const snapshots = (root: string) => path.join(root, "aws-backup-restore_2026-05-01T03-10-00-000Z", "gateway", "writer", "snapshot");

  it("passes a restore whose snapshots are recent, whose databases are whole and whose tenants.json parses", () => {
    const result = check(restored());
    expect(result.stdout).toMatch(/restore-check: OK: 2 files of 1 system\(s\)/);
    expect(result.status).toBe(0);
  });

  it("fails a corrupt database, a tenants.json that does not parse, and one missing from the snapshot", () => {
    const root = restored();
    const db = path.join(snapshots(root), "workspace", "index.db");
    const bytes = fs.readFileSync(db);
    bytes.fill(0x7a, 100, 4096);
    fs.writeFileSync(db, bytes);
    fs.writeFileSync(path.join(snapshots(root), "tenants", "tenants.json"), '{"tenants":[');
    let result = check(root);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/gateway\/workspace: index.db (fails PRAGMA integrity_check|is not a readable SQLite database)/);
    expect(result.stdout).toMatch(/gateway\/tenants: tenants.json does not parse as JSON/);
    fs.rmSync(path.join(snapshots(root), "tenants", "tenants.json"));
    result = check(root);
    expect(result.stdout).toContain("gateway/tenants: tenants.json is in the live copy but not in the snapshot");
  });

  it("fails a restore without a snapshot, or with one older than the limit (the nightly copy stopped)", () => {
    const stale = check(restored(40));
    expect(stale.status).toBe(1);
    expect(stale.stdout).toMatch(/gateway\/tenants: the snapshot was taken at .* more than 1 day, 6:00:00 ago/);
    const root = restored(2, path.join(work, "without-workspace"));
    fs.rmSync(path.join(snapshots(root), "workspace"), { recursive: true });
    expect(check(root).stdout).toMatch(/gateway\/workspace: no consistent snapshot/);
    expect(check(path.join(work, "empty-missing")).status).not.toBe(0);
  });
});
