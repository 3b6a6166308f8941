/**
 * dockerfiles/writer/writer-lock, the entrypoint of every single-writer container, run as real processes on a
 * local directory standing in for the volume's writer access point: processes of two tasks never run their
 * commands at once, processes of one task do, a killed holder frees the lock, a waiter can give up, and the task
 * is the one the ECS metadata endpoint names.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./support/harness";
import { describeWithTool } from "./support/tools";

const WRITER_LOCK = path.join(ROOT, "dockerfiles", "writer", "writer-lock");

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * A directory of its own for one test, removed after it. The tests run at once (itAtOnce): most of their time is
 * processes waiting on a lock or a clock, and they share no directory.
 */
async function inWorkDir(test: (work: string) => Promise<void>): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "writer-lock-"));
  try {
    await test(work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
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
 * A command that records when it enters and leaves its critical section, and fails if another process is inside:
 * `mkdir` is atomic, so two commands inside at once cannot both create the directory.
 */
const critical = (label: string, seconds: number) =>
  `mkdir inside || { echo "${label} found another writer inside" >> overlap; exit 1; }; echo "${label} in" >> events; ` +
  `sleep ${seconds}; echo "${label} out" >> events; rmdir inside`;

/**
 * Tests whose bodies all start in one beforeAll and run at once; each test awaits its own. This is what jest's
 * `it.concurrent` does, without its AsyncLocalStorage: that turns on Node's promise hooks for the rest of the jest
 * worker, and every program run the worker goes on to make pays for them (about a tenth of a run's time).
 */
function testsAtOnce(): (name: string, body: () => Promise<void>) => void {
  const bodies = new Map<string, () => Promise<void>>();
  const started = new Map<string, Promise<void>>();
  beforeAll(() => {
    for (const [name, body] of bodies) {
      const run = body();
      run.catch(() => undefined); // reported by its own test, not as an unhandled rejection
      started.set(name, run);
    }
  });
  return (name, body) => {
    bodies.set(name, body);
    it(name, () => started.get(name)!);
  };
}

const events = (work: string) => fs.readFileSync(path.join(work, "events"), "utf8").trim().split("\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithTool("flock", "apt-get install -y util-linux")("writer-lock", () => {
  const itAtOnce = testsAtOnce();

  itAtOnce("never lets processes of two tasks run at once: the second waits until the first has ended", () =>
    inWorkDir(async (work) => {
      const first = start(work, critical("A", 0.6), { WRITER_LOCK_GROUP: "task-A" });
      await sleep(300);
      const second = start(work, critical("B", 0.2), { WRITER_LOCK_GROUP: "task-B" });
      expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
      expect(events(work)).toEqual(["A in", "A out", "B in", "B out"]);
      expect(fs.existsSync(path.join(work, "overlap"))).toBe(false);
      expect(second.stderr()).toContain(`waiting for the writer lock of ${path.join(work, "writer")}, held by task-A`);
      expect(fs.readFileSync(path.join(work, "writer", "owner"), "utf8").trim()).toBe("task-B");
    }),
  );

  itAtOnce("lets the processes of one task run together (the security stack's three containers share /app/data)", () =>
    inWorkDir(async (work) => {
      const record = (label: string) => `echo "${label} in" >> events; sleep 0.4; echo "${label} out" >> events`;
      const runs = ["data-plane", "management-plane", "control-plane"].map((c) => start(work, record(c), { WRITER_LOCK_GROUP: "task-A" }));
      expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0]);
      // All three were in before any came out.
      expect(events(work).slice(0, 3).every((e) => e.endsWith(" in"))).toBe(true);
    }),
  );

  itAtOnce("frees the lock when the holder dies, as when a task is killed: the waiter starts at once", () =>
    inWorkDir(async (work) => {
      const holder = start(work, "echo held >> events; exec sleep 30", { WRITER_LOCK_GROUP: "task-A" });
      await sleep(300);
      const waiter = start(work, "echo started >> events", { WRITER_LOCK_GROUP: "task-B" });
      await sleep(400);
      expect(events(work)).toEqual(["held"]);
      const killedAt = Date.now();
      process.kill(-holder.child.pid!, "SIGKILL");
      expect(await waiter.exited).toBe(0);
      expect(events(work)).toEqual(["held", "started"]);
      expect(Date.now() - killedAt).toBeLessThan(2000);
    }),
  );

  itAtOnce("with WRITER_LOCK_WAIT_SECONDS, exits 75 without running its command when another task keeps the lock", () =>
    inWorkDir(async (work) => {
      const holder = start(work, "exec sleep 30", { WRITER_LOCK_GROUP: "task-A" });
      await sleep(300);
      const waiter = start(work, "echo wrote >> events", { WRITER_LOCK_GROUP: "task-B", WRITER_LOCK_WAIT_SECONDS: "1" });
      expect(await waiter.exited).toBe(75);
      expect(fs.existsSync(path.join(work, "events"))).toBe(false);
      expect(waiter.stderr()).toContain("another task writes");
      process.kill(-holder.child.pid!, "SIGKILL");
      await holder.exited;
    }),
  );

  itAtOnce("refuses to start without a writable writer directory", () =>
    inWorkDir(async (work) => {
      fs.writeFileSync(path.join(work, "writer"), "not a directory");
      const run = start(work, "echo wrote >> events", { WRITER_LOCK_GROUP: "task-A" });
      expect(await run.exited).toBe(73);
      expect(fs.existsSync(path.join(work, "events"))).toBe(false);
    }),
  );

  describe("naming the task from the ECS task metadata endpoint", () => {
    let server: http.Server;
    let base: string;
    const TASKS: Record<string, string> = {
      a1: "arn:aws:ecs:eu-west-1:123456789012:task/prod/aaaa",
      a2: "arn:aws:ecs:eu-west-1:123456789012:task/prod/aaaa",
      b1: "arn:aws:ecs:eu-west-1:123456789012:task/prod/bbbb",
    };
    beforeAll(async () => {
      // What ${ECS_CONTAINER_METADATA_URI_V4}/task answers: one JSON document with the task's ARN (and much else).
      server = http.createServer((req, res) => {
        const container = /^\/v4\/(\w+)\/task$/.exec(req.url ?? "")?.[1];
        if (!container || !TASKS[container]) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ Cluster: "prod", TaskARN: TASKS[container], Containers: [{ Labels: { "com.amazonaws.ecs.task-arn": TASKS[container] } }] }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}/v4`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("lets two containers of one task in together and keeps a container of another task out", () =>
      inWorkDir(async (work) => {
        const hold = (label: string) => `echo "${label} in" >> events; sleep 0.6; echo "${label} out" >> events`;
        const a1 = start(work, hold("a1"), { ECS_CONTAINER_METADATA_URI_V4: `${base}/a1` });
        const a2 = start(work, hold("a2"), { ECS_CONTAINER_METADATA_URI_V4: `${base}/a2` });
        await sleep(300);
        const b1 = start(work, hold("b1"), { ECS_CONTAINER_METADATA_URI_V4: `${base}/b1` });
        expect(await Promise.all([a1.exited, a2.exited, b1.exited])).toEqual([0, 0, 0]);
        const order = events(work);
        expect(order.slice(0, 2).sort()).toEqual(["a1 in", "a2 in"]);
        expect(order.slice(-2)).toEqual(["b1 in", "b1 out"]);
        expect(b1.stderr()).toContain(`held by ${TASKS.a1}`);
      }),
    );
  });

  itAtOnce("takes the day's snapshot at STATE_SNAPSHOT_AT (UTC) inside the task that holds the lock", () =>
    inWorkDir(async (work) => {
      const data = path.join(work, "data");
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, "tenants.json"), '{"tenants":[]}');
      const at = new Date(Date.now() + 1200).toISOString().slice(11, 19);
      const run = start(work, "sleep 2.5", { WRITER_LOCK_GROUP: "task-A", STATE_SNAPSHOT_AT: at, STATE_SNAPSHOTS: `tenants=${data}` });
      expect(await run.exited).toBe(0);
      const snapshot = path.join(work, "writer", "snapshot");
      expect(fs.readFileSync(path.join(snapshot, "tenants", "tenants.json"), "utf8")).toBe('{"tenants":[]}');
      expect(JSON.parse(fs.readFileSync(path.join(snapshot, "tenants.json"), "utf8"))).toMatchObject({ name: "tenants", source: data });
    }),
  );
});
