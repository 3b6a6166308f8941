/**
 * dockerfiles/writer/writer-lock, the entrypoint of every single-writer container, run as real processes on a
 * local directory standing in for the volume's writer access point: processes of two tasks never run their
 * commands at once, processes of one task do, a killed holder frees the lock, a waiter can give up, and the task
 * is the one the ECS metadata endpoint names.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { ROOT } from "./support/harness";
import { inWorkDir, testsAtOnce } from "./support/processes";
import { describeWithTool } from "./support/tools";

const WRITER_LOCK = path.join(ROOT, "dockerfiles", "writer", "writer-lock");

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts writer-lock with a shell command in `work`, as a process group of its own (so a test can kill all of it). */
function start(work: string, command: string, env: Record<string, string>): Run {
  const child = spawn(WRITER_LOCK, ["sh", "-c", command], {
    env: { PATH: process.env.PATH ?? "", WRITER_DIR: path.join(work, "writer"), WRITER_LOCK_POLL_SECONDS: "0.1", ...env },
    cwd: work,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/**
 * Shell that waits until `condition` holds, checking every 50 ms: the tests hold a lock until they have seen what
 * they wait for, not for a guessed time. It gives up after 100 checks (5 s and more), so that a broken lock fails
 * its test instead of hanging it.
 */
const waitUntil = (condition: string) => `n=0; until ${condition} || [ $n -ge 100 ]; do sleep 0.05; n=$((n+1)); done`;

/** The test's side of the same: resolves once `ready()` holds, checking every 20 ms; fails after 10 s naming `what`. */
async function until(what: string, ready: () => boolean): Promise<void> {
  for (const started = Date.now(); !ready(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - started > 10_000) throw new Error(`waited 10 s for ${what}`);
  }
}

/**
 * A command that records when it enters and leaves its critical section, and fails if another process is inside:
 * `mkdir` is atomic, so two commands inside at once cannot both create the directory. Inside, it runs `hold`.
 */
const critical = (label: string, hold = ":") =>
  `mkdir inside || { echo "${label} found another writer inside" >> overlap; exit 1; }; echo "${label} in" >> events; ` +
  `${hold}; echo "${label} out" >> events; rmdir inside`;

/** Until the test writes `release` in the work directory. */
const untilReleased = waitUntil("[ -e release ]");
const release = (work: string) => fs.writeFileSync(path.join(work, "release"), "");

const events = (work: string): string[] => {
  const file = path.join(work, "events");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
};
const owner = (work: string): string | undefined => {
  const file = path.join(work, "writer", "owner");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : undefined;
};

describeWithTool("flock", "apt-get install -y util-linux")("writer-lock", () => {
  const itAtOnce = testsAtOnce();

  itAtOnce("never lets processes of two tasks run at once: the second waits until the first has ended", () =>
    inWorkDir("writer-lock", async (work) => {
      const first = start(work, critical("A", untilReleased), { WRITER_LOCK_GROUP: "task-A" });
      await until("A inside", () => events(work).includes("A in"));
      const second = start(work, critical("B"), { WRITER_LOCK_GROUP: "task-B" });
      await until("B waiting", () => second.stderr().includes("waiting for the writer lock"));
      release(work);
      expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
      expect(events(work)).toEqual(["A in", "A out", "B in", "B out"]);
      expect(fs.existsSync(path.join(work, "overlap"))).toBe(false);
      expect(second.stderr()).toContain(`waiting for the writer lock of ${path.join(work, "writer")}, held by task-A`);
      expect(owner(work)).toBe("task-B");
    }),
  );

  itAtOnce("lets the processes of one task run together (the security stack's three containers share /app/data)", () =>
    inWorkDir("writer-lock", async (work) => {
      // Each stays inside until all three are: one kept out by the lock would keep the others waiting, and fail.
      const record = (label: string) => `echo "${label} in" >> events; ${waitUntil(`[ "$(grep -c ' in$' events)" -ge 3 ]`)}; echo "${label} out" >> events`;
      const runs = ["data-plane", "management-plane", "control-plane"].map((c) => start(work, record(c), { WRITER_LOCK_GROUP: "task-A" }));
      expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0]);
      // All three were in before any came out.
      expect(events(work).slice(0, 3).every((e) => e.endsWith(" in"))).toBe(true);
    }),
  );

  itAtOnce("frees the lock when the holder dies, as when a task is killed: the waiter starts at once", () =>
    inWorkDir("writer-lock", async (work) => {
      const holder = start(work, "echo held >> events; exec sleep 30", { WRITER_LOCK_GROUP: "task-A" });
      await until("the holder inside", () => events(work).includes("held"));
      const waiter = start(work, "echo started >> events", { WRITER_LOCK_GROUP: "task-B" });
      await until("the waiter waiting", () => waiter.stderr().includes("waiting for the writer lock"));
      expect(events(work)).toEqual(["held"]);
      const killedAt = Date.now();
      process.kill(-holder.child.pid!, "SIGKILL");
      expect(await waiter.exited).toBe(0);
      expect(events(work)).toEqual(["held", "started"]);
      expect(Date.now() - killedAt).toBeLessThan(2000);
    }),
  );

  itAtOnce("with WRITER_LOCK_WAIT_SECONDS, exits 75 without running its command when another task keeps the lock", () =>
    inWorkDir("writer-lock", async (work) => {
      const holder = start(work, "exec sleep 30", { WRITER_LOCK_GROUP: "task-A" });
      await until("the holder to own the lock", () => owner(work) === "task-A");
      const waiter = start(work, "echo wrote >> events", { WRITER_LOCK_GROUP: "task-B", WRITER_LOCK_WAIT_SECONDS: "1" });
      expect(await waiter.exited).toBe(75);
      expect(fs.existsSync(path.join(work, "events"))).toBe(false);
      expect(waiter.stderr()).toContain("another task writes");
      process.kill(-holder.child.pid!, "SIGKILL");
      await holder.exited;
    }),
  );

  itAtOnce("refuses to start without a writable writer directory", () =>
    inWorkDir("writer-lock", async (work) => {
      fs.writeFileSync(path.join(work, "writer"), "not a directory");
      const run = start(work, "echo wrote >> events", { WRITER_LOCK_GROUP: "task-A" });
      expect(await run.exited).toBe(73);
      expect(fs.existsSync(path.join(work, "events"))).toBe(false);
    }),
  );

  describe("naming the task from the ECS task metadata endpoint", () => {
    const TASKS: Record<string, string> = {
      a1: "arn:aws:ecs:eu-west-1:123456789012:task/prod/aaaa",
      a2: "arn:aws:ecs:eu-west-1:123456789012:task/prod/aaaa",
      b1: "arn:aws:ecs:eu-west-1:123456789012:task/prod/bbbb",
    };
    /** What ${ECS_CONTAINER_METADATA_URI_V4}/task answers: one JSON document with the task's ARN (and much else). */
    async function metadataEndpoint(): Promise<{ base: string; close: () => Promise<void> }> {
      const server = http.createServer((req, res) => {
        const container = /^\/v4\/(\w+)\/task$/.exec(req.url ?? "")?.[1];
        if (!container || !TASKS[container]) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ Cluster: "prod", TaskARN: TASKS[container], Containers: [{ Labels: { "com.amazonaws.ecs.task-arn": TASKS[container] } }] }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      return {
        base: `http://127.0.0.1:${(server.address() as { port: number }).port}/v4`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    }

    itAtOnce("lets two containers of one task in together and keeps a container of another task out", () =>
      inWorkDir("writer-lock", async (work) => {
        const metadata = await metadataEndpoint();
        try {
          const hold = (label: string) => `echo "${label} in" >> events; ${untilReleased}; echo "${label} out" >> events`;
          const a1 = start(work, hold("a1"), { ECS_CONTAINER_METADATA_URI_V4: `${metadata.base}/a1` });
          const a2 = start(work, hold("a2"), { ECS_CONTAINER_METADATA_URI_V4: `${metadata.base}/a2` });
          // Neither leaves before the release, so both inside means inside together.
          await until("a1 and a2 inside", () => events(work).includes("a1 in") && events(work).includes("a2 in"));
          const b1 = start(work, hold("b1"), { ECS_CONTAINER_METADATA_URI_V4: `${metadata.base}/b1` });
          await until("b1 waiting", () => b1.stderr().includes("waiting for the writer lock"));
          release(work);
          expect(await Promise.all([a1.exited, a2.exited, b1.exited])).toEqual([0, 0, 0]);
          const order = events(work);
          expect(order.slice(0, 2).sort()).toEqual(["a1 in", "a2 in"]);
          expect(order.slice(-2)).toEqual(["b1 in", "b1 out"]);
          expect(b1.stderr()).toContain(`held by ${TASKS.a1}`);
        } finally {
          await metadata.close();
        }
      }),
    );
  });

  itAtOnce("takes the day's snapshot at STATE_SNAPSHOT_AT (UTC) inside the task that holds the lock", () =>
    inWorkDir("writer-lock", async (work) => {
      const data = path.join(work, "data");
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, "tenants.json"), '{"tenants":[]}');
      // The snapshot loop looks at the clock every `sleep 1`; here a `sleep` that makes that 0.1 s (and passes any
      // other pause on) lets the test end a tenth of a second after the time rather than up to a second.
      const bin = path.join(work, "bin");
      fs.mkdirSync(bin);
      const realSleep = ["/usr/bin/sleep", "/bin/sleep"].find((p) => fs.existsSync(p))!;
      fs.writeFileSync(path.join(bin, "sleep"), `#!/bin/sh
[ "$*" = 1 ] && exec ${realSleep} 0.1
exec ${realSleep} "$@"
`, { mode: 0o755 });
      // A whole second (the setting's resolution) at least 0.6 s away: writer-lock reads the clock after it starts
      // and takes the lock, and a time it finds already past is tomorrow's.
      const due = new Date(Math.ceil((Date.now() + 600) / 1000) * 1000);
      const snapshot = path.join(work, "writer", "snapshot");
      const run = start(work, waitUntil(`[ -e '${path.join(snapshot, "tenants.json")}' ]`), {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        WRITER_LOCK_GROUP: "task-A",
        STATE_SNAPSHOT_AT: due.toISOString().slice(11, 19),
        STATE_SNAPSHOTS: `tenants=${data}`,
      });
      expect(await run.exited).toBe(0);
      expect(fs.readFileSync(path.join(snapshot, "tenants", "tenants.json"), "utf8")).toBe('{"tenants":[]}');
      const record = JSON.parse(fs.readFileSync(path.join(snapshot, "tenants.json"), "utf8"));
      expect(record).toMatchObject({ name: "tenants", source: data });
      // Not before the time.
      expect(record.takenAt >= due.toISOString().replace(/\.\d+Z$/, "Z")).toBe(true);
    }),
  );
});
