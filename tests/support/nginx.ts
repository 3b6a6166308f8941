import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import { AddressInfo, createServer } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { CONSOLE_USER } from "../../components/systems/ui-console";
import { REPO_ROOT } from "./dockerfile";

/**
 * Runs the UI console's nginx config for real: rendered by the image's own script, served by the
 * nginx binary on this machine, on a loopback port.
 */

export const UI_CONSOLE_DIR = path.join(REPO_ROOT, "dockerfiles/ui-console");
/** The script the image runs from /docker-entrypoint.d/ at container start. */
export const RENDER_SCRIPT = path.join(UI_CONSOLE_DIR, "40-render-nginx-conf.sh");
export const SERVER_TEMPLATE = path.join(UI_CONSOLE_DIR, "default.conf.template");
/** A small SPA shaped like the Vite build: index.html and one hashed module under assets/. */
export const FIXTURE_SPA = path.join(REPO_ROOT, "tests/fixtures/spa");
/** nginx, plus envsubst (gettext-base) for the render script. */
export const NGINX_INSTALL_HINT = "apt-get install -y nginx gettext-base";

/** The variables the render script substitutes; the ECS task definition sets them. */
export interface Origins {
  API_ORIGIN: string;
  GATEWAY_ORIGIN: string;
  SUPABASE_ORIGIN: string;
}

export interface RenderResult {
  status: number | null;
  stderr: string;
  /** The rendered server config; undefined when the script failed. */
  config: string | undefined;
}

/**
 * Renders the template with the image's script, invoked as the entrypoint invokes it but with the
 * template and output paths as arguments, and with nothing in its environment but PATH and `env`.
 */
export function renderServerConfig(env: Partial<Origins>, template: string = SERVER_TEMPLATE): RenderResult {
  const dir = mkdtempSync(path.join(tmpdir(), "ui-console-render-"));
  try {
    const output = path.join(dir, "default.conf");
    const result = spawnSync("sh", [RENDER_SCRIPT, template, output], {
      env: { PATH: process.env.PATH, ...env },
      encoding: "utf8",
    });
    return {
      status: result.status,
      stderr: result.stderr,
      config: result.status === 0 ? readFileSync(output, "utf8") : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Like {@link renderServerConfig}, but throws with the script's message when it fails. */
export function renderedServerConfig(env: Origins, template?: string): string {
  const result = renderServerConfig(env, template);
  if (result.config === undefined) throw new Error(`render script failed (${result.status}): ${result.stderr}`);
  return result.config;
}

function replaceOnce(config: string, pattern: RegExp, replacement: string): string {
  const matches = config.match(new RegExp(pattern.source, "gm")) ?? [];
  if (matches.length !== 1) {
    throw new Error(`expected exactly one match of ${pattern} in the server config, found ${matches.length}`);
  }
  return config.replace(pattern, replacement);
}

/**
 * The config under test with exactly two lines changed: `listen 8080;` becomes a loopback port
 * (tests run side by side and cannot own 8080) and `root /usr/share/nginx/html;` becomes the
 * directory the test serves. Everything else is byte for byte what the container runs.
 */
export function adaptForTest(config: string, options: { port: number; root: string }): string {
  const listening = replaceOnce(config, /^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${options.port};`);
  return replaceOnce(listening, /^(\s*)root \/usr\/share\/nginx\/html;$/m, `$1root ${options.root};`);
}

/**
 * Locations that declare their own add_header, each as its `location` line. nginx then drops every
 * add_header inherited from the server block there, security headers included.
 */
export function locationsWithAddHeader(config: string): string[] {
  const found: string[] = [];
  const blocks: string[] = [];
  for (const raw of config.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    if (/^add_header\s/.test(line)) {
      const location = [...blocks].reverse().find((block) => block.startsWith("location"));
      if (location && !found.includes(location)) found.push(location);
    }
    for (const char of line) {
      if (char === "{") blocks.push(line.replace(/\s*\{.*$/, ""));
      if (char === "}") blocks.pop();
    }
  }
  return found;
}

function nginxConfPrefix(): string {
  const version = spawnSync("nginx", ["-V"], { encoding: "utf8" });
  const confPath = /--conf-path=(\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? "/etc/nginx/nginx.conf";
  return path.dirname(confPath);
}

/**
 * nginx's main config around the server config, standing in for the image's /etc/nginx/nginx.conf
 * (nginx-unprivileged's: the same http-level includes, and the pid file and every temp path under /tmp, here the
 * test directory's `tmp/`, the one directory nginx may write).
 */
function mainConfig(dir: string): string {
  const tmp = path.join(dir, "tmp");
  return `daemon off;
worker_processes 1;
pid ${tmp}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    include ${nginxConfPrefix()}/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path ${tmp}/client_temp;
    proxy_temp_path ${tmp}/proxy_temp_path;
    fastcgi_temp_path ${tmp}/fastcgi_temp;
    uwsgi_temp_path ${tmp}/uwsgi_temp;
    scgi_temp_path ${tmp}/scgi_temp;
    include ${dir}/default.conf;
}
`;
}

/**
 * The console's user (CONSOLE_USER, the image's uid 101), which nginx runs as when the tests run as root; as any
 * other user the tests' own, which is not root either. Either way no process of the test's nginx is root.
 */
const NGINX_USER = (() => {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = CONSOLE_USER.split(":").map(Number);
  return { uid, gid };
})();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Prepared {
  dir: string;
  port: number;
  configFile: string;
}

/**
 * The test directory, laid out as the task runs the image: everything read-only to nginx's user (the container's
 * read-only root) but `tmp/`, which stands for the task's /tmp volume (the image's /tmp: 1777).
 */
async function prepare(serverConfig: string, spaDir: string): Promise<Prepared> {
  const dir = mkdtempSync(path.join(tmpdir(), "ui-console-nginx-"));
  const root = path.join(dir, "html");
  cpSync(spaDir, root, { recursive: true });
  mkdirSync(path.join(dir, "tmp"));
  chmodSync(path.join(dir, "tmp"), 0o1777);
  const port = await freePort();
  writeFileSync(path.join(dir, "default.conf"), adaptForTest(serverConfig, { port, root }));
  const configFile = path.join(dir, "nginx.conf");
  writeFileSync(configFile, mainConfig(dir));
  // Readable, not writable, by anyone: its owner included, when the tests do not run as root.
  chmodSync(dir, 0o555);
  return { dir, port, configFile };
}

function removePrepared(prepared: Prepared): void {
  chmodSync(prepared.dir, 0o755);
  rmSync(prepared.dir, { recursive: true, force: true });
}

function nginxArgs(prepared: Prepared): string[] {
  return ["-p", prepared.dir, "-e", "stderr", "-c", prepared.configFile];
}

/** `nginx -t` over the server config (adapted as in {@link adaptForTest}); ok and nginx's output. */
export async function testConfig(serverConfig: string): Promise<{ ok: boolean; output: string }> {
  const prepared = await prepare(serverConfig, FIXTURE_SPA);
  try {
    const result = spawnSync("nginx", ["-t", ...nginxArgs(prepared)], { encoding: "utf8", ...NGINX_USER });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    removePrepared(prepared);
  }
}

export interface RunningNginx {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with the server config, serving a copy of `spaDir` (default: the
 * fixture SPA). Rejects with nginx's output when `nginx -t` refuses the config or it does not come up.
 */
export async function startNginx(serverConfig: string, spaDir: string = FIXTURE_SPA): Promise<RunningNginx> {
  const prepared = await prepare(serverConfig, spaDir);
  const cleanup = () => removePrepared(prepared);
  try {
    execFileSync("nginx", ["-t", "-q", ...nginxArgs(prepared)], { stdio: "pipe", ...NGINX_USER });
  } catch (error) {
    cleanup();
    throw new Error(`nginx -t refused the config: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  const child: ChildProcess = spawn("nginx", nginxArgs(prepared), { stdio: ["ignore", "ignore", "pipe"], ...NGINX_USER });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${prepared.port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };

  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
    }
    try {
      if ((await request(`${origin}/health`)).status === 200) return { origin, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer on ${origin} within 5 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as sent (still gzip-encoded if it was). */
  body: Buffer;
}

/** A plain GET that leaves the body as sent and adds no Accept-Encoding unless asked. */
export function request(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 2000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

/** The headers every response of the console must carry, with a check of each value. */
const SECURITY_HEADERS: ReadonlyArray<readonly [name: string, ok: (value: string) => boolean, expected: string]> = [
  [
    "content-security-policy",
    (value) =>
      ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"].every(
        (directive) => value.includes(directive),
      ) && /(^|;)\s*connect-src 'self'/.test(value),
    "default-src/script-src/connect-src 'self', frame-ancestors/object-src 'none', base-uri/form-action 'self'",
  ],
  ["x-content-type-options", (value) => value === "nosniff", "nosniff"],
  ["x-frame-options", (value) => value === "DENY", "DENY"],
  ["referrer-policy", (value) => value === "strict-origin-when-cross-origin", "strict-origin-when-cross-origin"],
  ["strict-transport-security", (value) => Number(/max-age=(\d+)/.exec(value)?.[1] ?? 0) >= 31536000, "max-age of at least a year"],
  ["permissions-policy", (value) => value.length > 0, "a policy"],
];

/** What is wrong with a response's security headers: missing ones, and values that are not as expected. */
export function securityHeaderProblems(headers: http.IncomingHttpHeaders): string[] {
  return SECURITY_HEADERS.flatMap(([name, ok, expected]) => {
    const value = headers[name];
    if (value === undefined) return [`${name} is missing`];
    const text = Array.isArray(value) ? value.join(", ") : value;
    return ok(text) ? [] : [`${name} is "${text}"; expected ${expected}`];
  });
}
