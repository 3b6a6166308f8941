import { spawn, spawnSync, execFileSync } from "child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { statusCodeHealthCheck } from "../components/service/health-checks";
import { containerDefinitions, ProgramRun, runProgram, StackName } from "./support/harness";
import { assertNothingListens, FakeServer, startHttpServer, startTcpListener } from "./support/fake-servers";
import { testsAtOnce } from "./support/processes";
import { toolAvailable } from "./support/tools";

/**
 * Every container health check of both stacks, taken from the task definitions the program produces and run
 * the way ECS runs a CMD-SHELL check: `/bin/sh -c "<command>"` as the container's `user`, killed at the
 * container's `healthCheck.timeout`, healthy only on exit 0. Each runs against a fake server on the container's
 * own port, on 127.0.0.1. (As the container's uid when the tests run as root; otherwise as the tests' own user,
 * which is not root either.)
 *
 * A check may call only programs its image ships, so each runs with a PATH that holds those alone (below, with
 * the package that provides each in the image): one that calls curl where the image has none fails here as it
 * would in ECS. Here the same programs come from Debian packages.
 */

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const STACKS: StackName[] = ["staging", "prod"];

interface ContainerCheck {
  stack: StackName;
  container: string;
  /** The one port the container listens on (its portMappings). */
  port: number;
  command: string;
  timeoutSeconds: number;
  /** The container's `user`, `uid:gid`. */
  user: string;
}

type Server =
  | { kind: "http"; status: number; body: string; contentType?: string }
  | { kind: "tcp" }
  | { kind: "none" };

interface Scenario {
  name: string;
  server: Server;
  healthy: boolean;
}

/** A program a health-check command may call. */
interface Tool {
  /** The name the command calls it by. */
  name: string;
  /** What stands in for it here, and how to install that on Debian. */
  host: string;
  install: string;
}

/** Gateway image: from its node:24.19.0-bookworm-slim base image. */
const NODE: Tool = { name: "node", host: "node", install: "apt-get install -y nodejs" };
/** ChromaDB image (chromadb/chroma 1.x, built on debian:stable-slim): Debian's essential bash package. */
const BASH: Tool = { name: "bash", host: "bash", install: "apt-get install -y bash" };
/** ChromaDB image: Debian's essential coreutils package. */
const TIMEOUT: Tool = { name: "timeout", host: "timeout", install: "apt-get install -y coreutils" };
/**
 * Security stack image: from its python:3.12.13-slim-bookworm base image (CPython 3.12). Debian, here and in CI,
 * names its interpreter only `python3` (3.11); the commands use only the standard library (json, socket, sys,
 * urllib.request), so python3 stands in for it.
 */
const PYTHON: Tool = { name: "python", host: "python3", install: "apt-get install -y python3" };
/** Console image: BusyBox in its nginx-unprivileged Alpine base image. GNU wget, like BusyBox's, exits non-zero on a non-2xx answer. */
const WGET: Tool = { name: "wget", host: "wget", install: "apt-get install -y wget" };

interface ContainerCase {
  /** Where the container answers its health request (SYSTEMS.md); absent for a TCP check. */
  path?: string;
  /** Every program the image ships that the check may call. */
  tools: Tool[];
  scenarios: Scenario[];
}

const json = (value: unknown): string => JSON.stringify(value);
const nothing: Scenario = { name: "nothing listens on its port", server: { kind: "none" }, healthy: false };
/** What the gateway's and the management plane's `/health` answer when unhealthy: 200, the status in the body. */
const GATEWAY_UNHEALTHY_200: Server = { kind: "http", status: 200, body: json({ status: "unhealthy", chromadb: "disconnected" }) };
const MANAGEMENT_UNHEALTHY_200: Server = { kind: "http", status: 200, body: json({ status: "unhealthy", data_plane: "disconnected" }) };

/** What each container's check must make of its server's answers, by container name. */
const CASES: Record<string, ContainerCase> = {
  gateway: {
    path: "/health",
    tools: [NODE],
    scenarios: [
      { name: 'the server answers 200 {"status":"healthy"}', server: { kind: "http", status: 200, body: json({ status: "healthy", chromadb: "connected" }) }, healthy: true },
      { name: 'the server answers 200 {"status":"unhealthy"} (the handler does not set an error status)', server: GATEWAY_UNHEALTHY_200, healthy: false },
      { name: "the server answers 503", server: { kind: "http", status: 503, body: "Service Unavailable", contentType: "text/plain" }, healthy: false },
      { name: "the server answers 200 with a body that is not JSON", server: { kind: "http", status: 200, body: "OK", contentType: "text/plain" }, healthy: false },
      nothing,
    ],
  },
  chromadb: {
    path: "/api/v2/heartbeat",
    tools: [BASH, TIMEOUT],
    scenarios: [
      { name: 'the server answers 200 {"nanosecond heartbeat": ...}', server: { kind: "http", status: 200, body: json({ "nanosecond heartbeat": 1751328000000000000 }) }, healthy: true },
      { name: "the server answers 500", server: { kind: "http", status: 500, body: json({ error: "InternalError" }) }, healthy: false },
      nothing,
    ],
  },
  "data-plane": {
    tools: [PYTHON],
    scenarios: [{ name: "a TCP listener accepts the connection", server: { kind: "tcp" }, healthy: true }, nothing],
  },
  "management-plane": {
    path: "/health",
    tools: [PYTHON],
    scenarios: [
      { name: 'the server answers 200 {"status":"healthy"}', server: { kind: "http", status: 200, body: json({ status: "healthy", data_plane: "connected" }) }, healthy: true },
      { name: 'the server answers 200 {"status":"unhealthy"} (its /health never sets an error status)', server: MANAGEMENT_UNHEALTHY_200, healthy: false },
      { name: "the server answers 500", server: { kind: "http", status: 500, body: json({ detail: "Internal Server Error" }) }, healthy: false },
      nothing,
    ],
  },
  "control-plane": {
    path: "/health",
    tools: [PYTHON],
    scenarios: [
      { name: "the server answers 200", server: { kind: "http", status: 200, body: json({ status: "healthy" }) }, healthy: true },
      { name: "the server answers 503 (the management plane is down)", server: { kind: "http", status: 503, body: json({ status: "unhealthy" }) }, healthy: false },
      nothing,
    ],
  },
  console: {
    path: "/health",
    tools: [WGET],
    scenarios: [
      { name: "the server answers 200 healthy", server: { kind: "http", status: 200, body: "healthy\n", contentType: "text/plain" }, healthy: true },
      { name: "the server answers 500", server: { kind: "http", status: 500, body: "<html>500 Internal Server Error</html>", contentType: "text/html" }, healthy: false },
      nothing,
    ],
  },
};

const available = new Map<string, boolean>();
function toolsAvailable(tools: Tool[]): boolean {
  for (const tool of tools) if (!available.has(tool.host)) available.set(tool.host, toolAvailable(tool.host, tool.install));
  return tools.every((tool) => available.get(tool.host));
}
function describeWithTools(tools: Tool[]): jest.Describe {
  return toolsAvailable(tools) ? describe : describe.skip;
}

const binRoot = mkdtempSync(path.join(tmpdir(), "health-check-bin-"));
// Readable by the containers' users, whom the checks run as.
chmodSync(binRoot, 0o755);
afterAll(() => rmSync(binRoot, { recursive: true, force: true }));

/** Who a check runs as: the container's uid and gid when the tests can switch to them (as root), else the tests' own. */
function identity(user: string): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = user.split(":").map(Number);
  return { uid, gid };
}

/**
 * The real program behind a host command (python3's interpreter, not a pyenv shim script) that `user` can run: an
 * interpreter under root's home is not one, so the system's own comes next.
 */
const hostPrograms = new Map<string, string>();
function hostProgram(tool: Tool, user: string): string {
  const key = `${tool.host} ${user}`;
  if (!hostPrograms.has(key)) hostPrograms.set(key, findHostProgram(tool, user));
  return hostPrograms.get(key)!;
}
function findHostProgram(tool: Tool, user: string): string {
  const found =
    tool.host === "python3"
      ? execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim()
      : execFileSync("sh", ["-c", `command -v ${tool.host}`], { encoding: "utf8" }).trim();
  const candidates = [found, ...["/usr/local/bin", "/usr/bin", "/bin"].map((dir) => path.join(dir, tool.host))];
  const runnable = candidates.find((candidate) => spawnSync(candidate, ["--version"], { ...identity(user), stdio: "ignore" }).status === 0);
  if (!runnable) throw new Error(`none of ${candidates.join(", ")} runs as ${user}`);
  return runnable;
}

/**
 * A directory holding only the given tools, under the names the commands call them by: an image's PATH. One per
 * set of tools and user: looking a program up starts processes (python3's through a pyenv shim, 0.1 s).
 */
const imagePaths = new Map<string, string>();
function imagePath(tools: Tool[], user: string): string {
  const key = `${tools.map((tool) => tool.name).join(" ")} ${user}`;
  if (imagePaths.has(key)) return imagePaths.get(key)!;
  const dir = mkdtempSync(path.join(binRoot, "image-"));
  chmodSync(dir, 0o755);
  for (const tool of tools) symlinkSync(hostProgram(tool, user), path.join(dir, tool.name));
  imagePaths.set(key, dir);
  return dir;
}

/** The image PATH of a container's checks. */
const imagePathOf = (container: string) => imagePath(CASES[container].tools, distinctChecks(container)[0].user);

/**
 * What a check runs with: PATH holds only its image's tools. No proxy: ECS sets none in a container, and an
 * inherited http_proxy would send python's and wget's requests for 127.0.0.1 to the proxy.
 */
function checkEnv(pathDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(http|https|all|no)_proxy$/i.test(name)) env[name] = value;
  }
  return { ...env, PATH: pathDir };
}

interface CheckResult {
  verdict: "healthy" | "unhealthy" | "timed out";
  exitCode: number | null;
  elapsedMs: number;
  output: string;
}

/** `/bin/sh -c command` as `user`, killed (with anything it started) after `timeoutSeconds`, as ECS does. */
function runHealthCheck(command: string, timeoutSeconds: number, pathDir: string, user: string): Promise<CheckResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills the interpreter the shell started, not only the shell.
    const child = spawn("/bin/sh", ["-c", command], {
      env: checkEnv(pathDir),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      ...identity(user),
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeoutSeconds * 1000);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const verdict = timedOut ? "timed out" : exitCode === 0 ? "healthy" : "unhealthy";
      resolve({ verdict, exitCode, elapsedMs: Math.round(performance.now() - started), output: output.trim() });
    });
  });
}

async function startServer(port: number, server: Server, healthPath: string | undefined): Promise<FakeServer | undefined> {
  switch (server.kind) {
    case "none":
      await assertNothingListens(port);
      return undefined;
    case "tcp":
      return startTcpListener(port);
    case "http":
      if (healthPath === undefined) throw new Error("an HTTP scenario needs the container's health path");
      return startHttpServer(port, { path: healthPath, status: server.status, body: server.body, contentType: server.contentType });
  }
}

/**
 * Whose turn it is on each port. The tests run at once (itAtOnce), their time being processes that start and
 * wait; a check needs its container's port to itself, so checks on one port take turns, in the order the tests
 * are declared, and checks on different ports run together.
 */
const portTurns = new Map<number, Promise<unknown>>();
function onPort<T>(port: number, use: () => Promise<T>): Promise<T> {
  const turn = (portTurns.get(port) ?? Promise.resolve()).catch(() => undefined).then(use);
  portTurns.set(port, turn);
  return turn;
}

/**
 * Runs a check against a fake server started for it alone, and closes the server whatever happens. Once for each
 * check and answer: a test that compares with a scenario's verdict reuses that scenario's run.
 */
const runs = new Map<string, Promise<{ result: CheckResult; fake?: FakeServer }>>();
function runAgainst(
  check: ContainerCheck,
  server: Server,
  healthPath: string | undefined,
  pathDir: string,
): Promise<{ result: CheckResult; fake?: FakeServer }> {
  const key = JSON.stringify([check.command, check.port, check.timeoutSeconds, check.user, server, healthPath, pathDir]);
  if (!runs.has(key)) runs.set(key, runOnce(check, server, healthPath, pathDir));
  return runs.get(key)!;
}
function runOnce(
  check: ContainerCheck,
  server: Server,
  healthPath: string | undefined,
  pathDir: string,
): Promise<{ result: CheckResult; fake?: FakeServer }> {
  return onPort(check.port, async () => {
    const fake = await startServer(check.port, server, healthPath);
    try {
      return { result: await runHealthCheck(check.command, check.timeoutSeconds, pathDir, check.user), fake };
    } finally {
      await fake?.close();
    }
  });
}

let checks: ContainerCheck[] = [];

beforeAll(async () => {
  const runs: ProgramRun[] = [];
  for (const stack of STACKS) runs.push(await runProgram({ stack }));
  checks = runs.flatMap((run) =>
    run.ofType(TASK_DEFINITION).flatMap((taskDefinition) =>
      containerDefinitions(taskDefinition).map((definition): ContainerCheck => {
        const [kind, command, ...rest] = definition.healthCheck?.command ?? [];
        if (kind !== "CMD-SHELL" || typeof command !== "string" || rest.length > 0) {
          throw new Error(`${run.stack} ${definition.name}: health check ${JSON.stringify(definition.healthCheck)} is not ["CMD-SHELL", "<command>"]`);
        }
        const ports: number[] = (definition.portMappings ?? []).map((mapping: { containerPort: number }) => mapping.containerPort);
        if (ports.length !== 1) throw new Error(`${run.stack} ${definition.name}: expected one port mapping, got ${JSON.stringify(ports)}`);
        return {
          stack: run.stack,
          container: definition.name,
          port: ports[0],
          command,
          timeoutSeconds: definition.healthCheck.timeout,
          user: definition.user,
        };
      }),
    ),
  );
}, 60_000);

// Declared after the program runs' beforeAll, so the tests start once the checks are known.
const itAtOnce = testsAtOnce();
/** itAtOnce where the tools are there; a skipped describe's tests must not start. */
const testWith = (tools: Tool[]) => (toolsAvailable(tools) ? itAtOnce : it);

/** The distinct checks of a container across both stacks (the same command, port and timeout run once). */
function distinctChecks(container: string): ContainerCheck[] {
  const found = checks.filter((check) => check.container === container);
  if (found.length === 0) throw new Error(`no container named ${container} in the staging or prod task definitions`);
  const byKey = new Map(found.map((check) => [JSON.stringify([check.command, check.port, check.timeoutSeconds, check.user]), check]));
  return [...byKey.values()];
}

describe("container health checks, run as ECS runs them", () => {
  it("cover every container of both stacks, each with a CMD-SHELL check and a timeout ECS accepts", () => {
    const containers = [...new Set(checks.map((check) => check.container))].sort();
    expect(containers).toEqual(Object.keys(CASES).sort());
    for (const stack of STACKS) {
      expect(checks.filter((check) => check.stack === stack).map((check) => check.container).sort()).toEqual(Object.keys(CASES).sort());
    }
    // Each runs as its container's user, which is never root.
    for (const check of checks) expect([check.container, check.user]).toEqual([check.container, expect.stringMatching(/^[1-9]\d*:\d+$/)]);
    // ECS accepts a container health-check timeout of 2 to 120 seconds.
    for (const check of checks) expect([check.container, check.timeoutSeconds >= 2 && check.timeoutSeconds <= 120]).toEqual([check.container, true]);
  });

  for (const [container, { path: healthPath, tools, scenarios }] of Object.entries(CASES)) {
    describeWithTools(tools)(`${container}'s check, with only ${tools.map((tool) => tool.name).join(" and ")} on PATH`, () => {
      for (const scenario of scenarios) {
        const expected = scenario.healthy ? "healthy" : "unhealthy";
        testWith(tools)(`says ${expected} when ${scenario.name}`, async () => {
          for (const check of distinctChecks(container)) {
            const { result, fake } = await runAgainst(check, scenario.server, healthPath, imagePathOf(container));
            expect({ stack: check.stack, ...result }).toEqual(expect.objectContaining({ verdict: expected }));
            // It reached the server on the container's port and path, so its verdict is about the answer.
            if (scenario.server.kind === "http") expect(new Set(fake?.requests)).toEqual(new Set([healthPath]));
            if (scenario.server.kind === "tcp") expect(fake?.connections()).toBeGreaterThan(0);
            // Refused connections must fail fast, well before ECS would kill the check.
            if (scenario.server.kind === "none") expect(result.elapsedMs).toBeLessThan((check.timeoutSeconds * 1000) / 2);
          }
        });
      }
    });
  }
});

describe("a status-code-only check, the mistake the body-reading checks exist for", () => {

  describeWithTools(CASES.gateway.tools)("on the gateway", () => {
    testWith(CASES.gateway.tools)('passes a gateway that answers 200 {"status":"unhealthy"}, which the gateway\'s own check fails', async () => {
      const [check] = distinctChecks("gateway");
      const pathDir = imagePathOf("gateway");
      const statusOnly: ContainerCheck = {
        ...check,
        command: `node -e "fetch('http://127.0.0.1:${check.port}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"`,
      };
      expect((await runAgainst(statusOnly, GATEWAY_UNHEALTHY_200, "/health", pathDir)).result.verdict).toBe("healthy");
      expect((await runAgainst(check, GATEWAY_UNHEALTHY_200, "/health", pathDir)).result.verdict).toBe("unhealthy");
    });
  });

  describeWithTools(CASES["management-plane"].tools)("on the management plane", () => {
    testWith(CASES["management-plane"].tools)('the control plane\'s status-code check, pointed at the management plane, passes it on 200 {"status":"unhealthy"}; its own check fails it', async () => {
      const [check] = distinctChecks("management-plane");
      const pathDir = imagePathOf("management-plane");
      const statusOnly: ContainerCheck = { ...check, command: statusCodeHealthCheck(check.port).command[1] };
      expect((await runAgainst(statusOnly, MANAGEMENT_UNHEALTHY_200, "/health", pathDir)).result.verdict).toBe("healthy");
      expect((await runAgainst(check, MANAGEMENT_UNHEALTHY_200, "/health", pathDir)).result.verdict).toBe("unhealthy");
    });
  });
});
