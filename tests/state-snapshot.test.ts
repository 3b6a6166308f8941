/**
 * dockerfiles/writer/state-snapshot (the consistent copy a single writer takes before the backup window) and
 * dockerfiles/writer/restore-check (what the restore test runs on a restored file system), run as real processes
 * with real SQLite databases: a database written the whole time is copied whole, a half-written tenants.json is
 * never kept, a frozen copy resumes its process, and the check fails what a restore could not use.
 *
 * The tests run at once (testsAtOnce), each in a work directory of its own: their time is child processes, which
 * overlap instead of holding the jest worker one after another.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { inWorkDir, python3, run, testsAtOnce } from "./support/processes";
import { describeWithTool } from "./support/tools";

const WRITER = path.join(ROOT, "dockerfiles", "writer");

const python = async (script: string, ...args: string[]): Promise<string> => {
  const r = await run(python3(), ["-c", script, ...args]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};

/**
 * PATH for the scripts: python3's own directory first, so that state-snapshot's `python3` is the interpreter
 * itself rather than a pyenv shim (0.1 s a start), then the rest.
 */
const scriptPath = (...first: string[]) => [...first, path.dirname(python3()), process.env.PATH ?? ""].join(":");

function snapshot(work: string, name: string, src: string, extra: string[] = [], env: Record<string, string> = {}) {
  return run(path.join(WRITER, "state-snapshot"), [...extra, name, src], {
    env: { PATH: scriptPath(), WRITER_DIR: path.join(work, "writer"), ...env },
  });
}

/**
 * A `sleep` for state-snapshot's pause between two copies of a JSON file that did not parse: it records the pause
 * asked for in `slept` and returns at once (the test need not wait the second), after running WHILE_SLEEPING,
 * what the application writes meanwhile.
 */
function pauses(work: string): { env: Record<string, string>; slept: () => string[] } {
  const bin = path.join(work, "bin");
  const slept = path.join(work, "slept");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "sleep"), `#!/bin/sh\necho "$*" >> "${slept}"\n[ -z "$WHILE_SLEEPING" ] || sh -c "$WHILE_SLEEPING"\n`, { mode: 0o755 });
  return { env: { PATH: scriptPath(bin) }, slept: () => (fs.existsSync(slept) ? fs.readFileSync(slept, "utf8").trim().split("\n") : []) };
}

/**
 * A process that commits rows to a WAL-mode SQLite database for as long as it lives; resolves once it has
 * committed 20, so that the copy starts while it writes.
 */
async function busyWriter(db: string): Promise<ReturnType<typeof spawn>> {
  const writer = spawn(
    python3(),
    [
      "-c",
      "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal'); c.execute('create table t(n integer, pad text)'); c.commit()\n" +
        "i=0\nwhile True:\n  i+=1\n  c.execute('insert into t values(?, ?)', (i, 'x'*500)); c.commit()\n  if i==20: print('writing', flush=True)",
      db,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    writer.stdout!.once("data", () => resolve());
    writer.once("exit", (code) => reject(new Error(`the writer exited (${code}) before it wrote`)));
  });
  return writer;
}

describeWithTool("python3", "apt-get install -y python3")("the single writer's state", () => {
  const itAtOnce = testsAtOnce();

  describe("state-snapshot", () => {
    itAtOnce("copies a SQLite database that is written the whole time through SQLite's online backup: whole, with every committed row", () =>
      inWorkDir("state-snapshot", async (work) => {
        const data = path.join(work, "data");
        fs.mkdirSync(path.join(data, "policies"), { recursive: true });
        const db = path.join(data, "policies", "store.db");
        const writer = await busyWriter(db);
        const result = await snapshot(work, "data", data).finally(() => writer.kill());
        expect(result.status).toBe(0);
        const copy = path.join(work, "writer", "snapshot", "data", "policies", "store.db");
        // Whole, and rows 1..n with none missing: one committed state, not pages from different moments.
        const [integrity, count, max] = (
          await python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('pragma integrity_check').fetchone()[0], *c.execute('select count(*), max(n) from t').fetchone())", copy)
        ).split(" ");
        expect(integrity).toBe("ok");
        expect(Number(count)).toBeGreaterThan(0);
        expect(Number(count)).toBe(Number(max));
        // The live database's WAL and shared memory belong to it, not to the copy.
        expect(fs.readdirSync(path.dirname(copy))).toEqual(["store.db"]);
        expect(JSON.parse(fs.readFileSync(path.join(work, "writer", "snapshot", "data.json"), "utf8"))).toMatchObject({ name: "data", method: "online-backup", databases: 1 });
        expect(result.stderr).toMatch(/state-snapshot: data ok: .* 1 files \(1 SQLite databases\), online-backup/);
      }),
    );

    itAtOnce("keeps no half-written tenants.json: it copies again until the copy parses, and fails (keeping the last snapshot) if it never does", () =>
      inWorkDir("state-snapshot", async (work) => {
        const data = path.join(work, "tenants");
        const tenants = path.join(data, "tenants.json");
        const kept = path.join(work, "writer", "snapshot", "tenants", "tenants.json");
        const { env, slept } = pauses(work);
        fs.mkdirSync(data);
        fs.writeFileSync(tenants, '{"tenants":[{"id":"t1"}]}');
        expect((await snapshot(work, "tenants", data)).status).toBe(0);
        fs.writeFileSync(tenants, '{"tenants":[{"id":"t1"},{"id"');
        const torn = await snapshot(work, "tenants", data, [], { ...env, STATE_SNAPSHOT_JSON_ATTEMPTS: "2" });
        expect(torn.status).toBe(1);
        expect(torn.stderr).toContain("state-snapshot: FAILED tenants: tenants.json does not parse as JSON after 2 copies");
        // It waited a second before its second copy, giving the application time to finish the file.
        expect(slept()).toEqual(["1"]);
        expect(fs.readFileSync(kept, "utf8")).toBe('{"tenants":[{"id":"t1"}]}');
        // When the application finishes the file during that second, the next copy parses and is kept.
        const whole = '{"tenants":[{"id":"t1"},{"id":"t2"}]}';
        const finished = await snapshot(work, "tenants", data, [], { ...env, WHILE_SLEEPING: `printf '%s' '${whole}' > '${tenants}'` });
        expect(finished.status).toBe(0);
        expect(fs.readFileSync(kept, "utf8")).toBe(whole);
      }),
    );

    itAtOnce("with --freeze, stops the process for the copy and resumes it, even when the copy fails", () =>
      inWorkDir("state-snapshot", async (work) => {
        const data = path.join(work, "chroma");
        fs.mkdirSync(data);
        fs.writeFileSync(path.join(data, "chroma.sqlite3"), "SQLite format 3\0 written by the process");
        const app = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
          const state = () => fs.readFileSync(`/proc/${app.pid}/stat`, "utf8").split(") ")[1][0];
          expect((await snapshot(work, "chroma", data, ["--freeze", String(app.pid)])).status).toBe(0);
          expect(state()).not.toBe("T");
          // A frozen copy takes the files as they are: no SQLite tool runs on a stopped process's database.
          expect(fs.readFileSync(path.join(work, "writer", "snapshot", "chroma", "chroma.sqlite3"), "utf8")).toContain("written by the process");
          fs.writeFileSync(path.join(data, "broken.json"), "{");
          expect((await snapshot(work, "chroma", data, ["--freeze", String(app.pid)], { STATE_SNAPSHOT_JSON_ATTEMPTS: "1" })).status).toBe(1);
          expect(state()).not.toBe("T");
        } finally {
          app.kill();
        }
      }),
    );
  });

  describe("restore-check", () => {
    /** A small SQLite database, made once and copied into each restored file system. */
    let database: Promise<string> | undefined;
    const aDatabase = () =>
      (database ??= (async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "restore-check-")), "index.db");
        await python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", file);
        return file;
      })());
    afterAll(async () => {
      if (database) fs.rmSync(path.dirname(await database), { recursive: true, force: true });
    });

    /** A restored file system as AWS Backup lays it out, with the gateway's snapshots taken `ageHours` ago. */
    async function restored(root: string, ageHours = 2): Promise<string> {
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
      fs.copyFileSync(await aDatabase(), path.join(snapshots, "workspace", "index.db"));
      return root;
    }
    const check = (root: string) =>
      run(python3(), [path.join(WRITER, "restore-check"), root], {
        env: { PATH: process.env.PATH ?? "", EXPECTED_SNAPSHOTS: "gateway/tenants gateway/workspace security-stack/data", REQUIRED_FILES: "gateway/tenants/tenants.json", MAX_SNAPSHOT_AGE_HOURS: "30" },
      });
    const snapshots = (root: string) => path.join(root, "aws-backup-restore_2026-05-01T03-10-00-000Z", "gateway", "writer", "snapshot");

    itAtOnce("passes a restore whose snapshots are recent, whose databases are whole and whose tenants.json parses", () =>
      inWorkDir("state-snapshot", async (work) => {
        const result = await check(await restored(work));
        expect(result.stdout).toMatch(/restore-check: OK: 2 files of 1 system\(s\)/);
        expect(result.status).toBe(0);
      }),
    );

    itAtOnce("fails a corrupt database, a tenants.json that does not parse, and one missing from the snapshot", () =>
      inWorkDir("state-snapshot", async (work) => {
        const [corrupt, missing] = await Promise.all([restored(path.join(work, "corrupt")), restored(path.join(work, "missing"))]);
        const db = path.join(snapshots(corrupt), "workspace", "index.db");
        const bytes = fs.readFileSync(db);
        bytes.fill(0x7a, 100, 4096);
        fs.writeFileSync(db, bytes);
        fs.writeFileSync(path.join(snapshots(corrupt), "tenants", "tenants.json"), '{"tenants":[');
        fs.rmSync(path.join(snapshots(missing), "tenants", "tenants.json"));
        const [failed, lacking] = await Promise.all([check(corrupt), check(missing)]);
        expect(failed.status).toBe(1);
        expect(failed.stdout).toMatch(/gateway\/workspace: index.db (fails PRAGMA integrity_check|is not a readable SQLite database)/);
        expect(failed.stdout).toMatch(/gateway\/tenants: tenants.json does not parse as JSON/);
        expect(lacking.stdout).toContain("gateway/tenants: tenants.json is in the live copy but not in the snapshot");
      }),
    );

    itAtOnce("fails a restore without a snapshot, or with one older than the limit (the nightly copy stopped)", () =>
      inWorkDir("state-snapshot", async (work) => {
        const [stale, withoutWorkspace] = await Promise.all([restored(path.join(work, "stale"), 40), restored(path.join(work, "without-workspace"))]);
        fs.rmSync(path.join(snapshots(withoutWorkspace), "workspace"), { recursive: true });
        const [old, lacking, empty] = await Promise.all([check(stale), check(withoutWorkspace), check(path.join(work, "empty-missing"))]);
        expect(old.status).toBe(1);
        expect(old.stdout).toMatch(/gateway\/tenants: the snapshot was taken at .* more than 1 day, 6:00:00 ago/);
        expect(lacking.stdout).toMatch(/gateway\/workspace: no consistent snapshot/);
        expect(empty.status).not.toBe(0);
      }),
    );
  });
});
