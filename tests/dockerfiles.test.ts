import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { configSchema } from "../config-schema";
import {
  DOCKERFILES_DIR,
  ParsedDockerfile,
  baseImageOf,
  copySourceProblems,
  editableInstallProblems,
  envOf,
  exposedPorts,
  finalStage,
  finalUserProblems,
  ignoreFileOf,
  ignoreFileProblems,
  imageReferenceProblem,
  isIgnored,
  loadDockerfile,
  nodeBuildOrderProblems,
  originOf,
  parseDockerfile,
  runtimeInstallProblems,
  sharedLibraryCheckProblems,
  shellCommands,
  stageNamed,
  unpinnedBaseImageProblems,
} from "./support/dockerfile";

const IMAGES = ["gateway", "security-stack", "ui-console"] as const;
const dockerfilePath = (image: (typeof IMAGES)[number]) => path.join(DOCKERFILES_DIR, `${image}.Dockerfile`);

/** The command texts a stage runs, each with its working directory: "cd /build && npm ci". */
const commandsIn = (dockerfile: ParsedDockerfile, stage: string) =>
  shellCommands(dockerfile, stageNamed(dockerfile, stage)).map((command) => `cd ${command.workdir} && ${command.text}`);

/** Where a path of the final image comes from, as "<stage or context>:<path>". */
const sourceOf = (dockerfile: ParsedDockerfile, imagePath: string) => {
  const origin = originOf(dockerfile, finalStage(dockerfile), imagePath);
  return origin && `${origin.from ?? "context"}:${origin.path}`;
};

describe.each(IMAGES)("%s.Dockerfile", (image) => {
  const file = dockerfilePath(image);
  const dockerfile = loadDockerfile(file);

  it("builds only on base images pinned to an exact version and OS release", () => {
    expect(unpinnedBaseImageProblems(dockerfile)).toEqual([]);
  });

  it("runs its final stage as a non-root user", () => {
    expect(finalUserProblems(dockerfile)).toEqual([]);
  });

  it("copies only paths that exist in the app repo or in a named context", () => {
    expect(copySourceProblems(dockerfile)).toEqual([]);
  });

  it("has its own ignore file, which keeps everything the Dockerfile copies", () => {
    expect(ignoreFileProblems(file)).toEqual([]);
  });

  it("makes no editable pip install", () => {
    expect(editableInstallProblems(dockerfile)).toEqual([]);
  });

  it("installs no npm packages in the runtime stage", () => {
    expect(runtimeInstallProblems(dockerfile)).toEqual([]);
  });

  it("leaves secrets, local builds and the other projects out of the build context", () => {
    const keep = ignoreFileOf(file);
    const neverSent = [
      ".git/config",
      ".env",
      "mcp-gateway/.env",
      "mcp-gateway/tenants/tenants.json",
      "mcp-gateway/node_modules/typescript/package.json",
      "mcp-ui/.env.local",
      "mcp-ui/node_modules/vite/package.json",
      "management-plane/.env",
      "management-plane/.venv/bin/python",
      "management-plane/data/policies.db",
      "tupl_data_plane/target/release/bridge-server",
      "semantic-sandbox/target/release/libsemantic_sandbox.so",
    ];
    expect(neverSent.filter((contextPath) => !isIgnored(keep, contextPath))).toEqual([]);
  });
});

describe("the gateway image", () => {
  const dockerfile = loadDockerfile(dockerfilePath("gateway"));
  const runtime = finalStage(dockerfile);

  it("installs every dependency, builds, and only then prunes the dev dependencies", () => {
    expect(nodeBuildOrderProblems(dockerfile, stageNamed(dockerfile, "build"))).toEqual([]);
  });

  it("runs the built server, from /app, with production dependencies from the build stage", () => {
    expect(JSON.parse(runtime.instructions.find((i) => i.getKeyword() === "CMD")?.getArgumentsContent() ?? "null")).toEqual([
      "node",
      "dist/http-server.js",
    ]);
    expect(sourceOf(dockerfile, "/app/dist/http-server.js")).toBe("build:/build/dist/http-server.js");
    expect(sourceOf(dockerfile, "/app/node_modules")).toBe("build:/build/node_modules");
    expect(sourceOf(dockerfile, "/app/package.json")).toBe("build:/build/package.json");
    expect(commandsIn(dockerfile, "build")).toEqual(expect.arrayContaining(["cd /build && npm run build", "cd /build && npm prune --omit=dev"]));
    expect(sourceOf(dockerfile, "/app/src/http-server.ts")).toBeUndefined();
  });

  it("builds from the gateway's sources only, never its tenants (API keys) or workspace", () => {
    const build = stageNamed(dockerfile, "build");
    expect(originOf(dockerfile, build, "/build/src/http-server.ts")?.path).toBe("mcp-gateway/src/http-server.ts");
    expect(originOf(dockerfile, build, "/build/tenants/tenants.json")).toBeUndefined();
    expect(originOf(dockerfile, build, "/build/workspace")).toBeUndefined();
  });

  it("runs as uid/gid 1000, owner of /app/tenants, /app/workspace and the writer directory like the EFS access points", () => {
    expect(runtime.instructions.filter((i) => i.getKeyword() === "USER").map((i) => i.getArgumentsContent())).toEqual(["1000:1000"]);
    expect(shellCommands(dockerfile, runtime).map((command) => command.text)).toEqual([
      "mkdir -p /app/tenants /app/workspace /var/lib/writer",
      "chown 1000:1000 /app/tenants /app/workspace /var/lib/writer",
    ]);
  });

  it("exposes 3000", () => {
    expect(exposedPorts(dockerfilePath("gateway"))).toEqual([3000]);
  });

  it("keeps the same Node in build and runtime (native addons)", () => {
    expect(baseImageOf(dockerfile, runtime)).toBe(baseImageOf(dockerfile, stageNamed(dockerfile, "build")));
  });
});

describe("the security stack image", () => {
  const dockerfile = loadDockerfile(dockerfilePath("security-stack"));
  const runtime = finalStage(dockerfile);

  it("carries the data plane's bridge-server, built from tupl_data_plane", () => {
    expect(sourceOf(dockerfile, "/app/bridge-server")).toBe("rust-build:/src/tupl_data_plane/target/release/bridge-server");
    expect(commandsIn(dockerfile, "rust-build")).toContain("cd /src/tupl_data_plane && cargo build --release --bin bridge-server");
  });

  it("carries libsemantic_sandbox.so on LD_LIBRARY_PATH, and fails the build when the crate makes none", () => {
    expect(sourceOf(dockerfile, "/app/libsemantic_sandbox.so")).toBe("rust-build:/src/semantic-sandbox/target/release/libsemantic_sandbox.so");
    expect(commandsIn(dockerfile, "rust-build")).toContain("cd /src/semantic-sandbox && cargo build --release --lib");
    expect(sharedLibraryCheckProblems(dockerfile, "libsemantic_sandbox.so")).toEqual([]);
    expect(readFileSync(dockerfilePath("security-stack"), "utf8")).toContain('crate-type = ["cdylib"]');
    expect(envOf(dockerfile, runtime).LD_LIBRARY_PATH).toBe("/app");
  });

  it("has uvicorn on PATH from a virtualenv where the management plane is installed as a package", () => {
    expect(sourceOf(dockerfile, "/opt/venv/bin/uvicorn")).toBe("python-build:/opt/venv/bin/uvicorn");
    expect(commandsIn(dockerfile, "python-build")).toEqual(
      expect.arrayContaining([
        "cd / && python -m venv /opt/venv",
        "cd /src && pip install --no-cache-dir ./management-plane",
        "cd /src && pip install --no-cache-dir -r policy_control_plane/requirements.txt",
      ]),
    );
    expect(envOf(dockerfile, runtime).PATH).toMatch(/^\/opt\/venv\/bin:/);
  });

  it("builds the virtualenv on the Python image it runs on, which also provides python", () => {
    expect(baseImageOf(dockerfile, runtime)).toMatch(/^python:3\.12\.\d+-slim-bookworm$/);
    expect(baseImageOf(dockerfile, stageNamed(dockerfile, "python-build"))).toBe(baseImageOf(dockerfile, runtime));
  });

  it("has the sources the management and control plane commands run from", () => {
    expect(sourceOf(dockerfile, "/app/management-plane/app/main.py")).toBe("context:management-plane/app/main.py");
    expect(sourceOf(dockerfile, "/app/policy_control_plane/server.py")).toBe("context:policy_control_plane/server.py");
  });

  it("keeps state in /app/data and models in /app/hf-cache, owned by uid/gid 1000", () => {
    expect(envOf(dockerfile, runtime).HF_HOME).toBe("/app/hf-cache");
    const commands = shellCommands(dockerfile, runtime).map((command) => command.text);
    expect(commands).toEqual(
      expect.arrayContaining([
        "groupadd --gid 1000 app",
        "useradd --uid 1000 --gid app --create-home --shell /usr/sbin/nologin app",
        "mkdir -p /app/data /app/hf-cache /var/lib/writer",
        "chown app:app /app/data /app/hf-cache /var/lib/writer",
      ]),
    );
    expect(runtime.instructions.filter((i) => i.getKeyword() === "USER").map((i) => i.getArgumentsContent())).toEqual(["1000:1000"]);
  });

  it("exposes the management and control planes but not the internal gRPC port", () => {
    expect(exposedPorts(dockerfilePath("security-stack"))).toEqual([8000, 8001]);
  });

  it("runs no supervisor: ECS runs each process as its own container", () => {
    expect(readFileSync(dockerfilePath("security-stack"), "utf8")).not.toMatch(/^[^#]*supervisor/m);
  });
});

describe("the UI console image", () => {
  const dockerfile = loadDockerfile(dockerfilePath("ui-console"));
  const runtime = finalStage(dockerfile);
  const script = readFileSync(path.join(DOCKERFILES_DIR, "ui-console/40-render-nginx-conf.sh"), "utf8");

  it("passes the four VITE_ build args to the build as environment", () => {
    const env = envOf(dockerfile, stageNamed(dockerfile, "build"));
    for (const name of ["VITE_API_BASE_URL", "VITE_GATEWAY_BASE_URL", "VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY"]) {
      expect(env[name]).toBe(`$${name}`);
    }
    expect(commandsIn(dockerfile, "build")).toEqual(expect.arrayContaining(["cd /build && npm ci", "cd /build && npm run build"]));
  });

  it("serves the build output from nginx's root", () => {
    expect(sourceOf(dockerfile, "/usr/share/nginx/html/index.html")).toBe("build:/build/dist/index.html");
    expect(baseImageOf(dockerfile, runtime)).toMatch(/^nginxinc\/nginx-unprivileged:/);
  });

  it("installs the render script, executable, where the nginx entrypoint runs it", () => {
    const origin = originOf(dockerfile, runtime, "/docker-entrypoint.d/40-render-nginx-conf.sh");
    expect(origin && `${origin.from}:${origin.path}`).toBe("infra:ui-console/40-render-nginx-conf.sh");
    // The entrypoint silently skips a script without the execute bit.
    const chmod = /--chmod=(\d+)/.exec(origin?.instruction.toString() ?? "")?.[1];
    expect(parseInt(chmod ?? "0", 8) & 0o111).toBe(0o111);
  });

  it("puts the template where the script reads it and lets the script write nginx's server config", () => {
    expect(sourceOf(dockerfile, "/etc/nginx/ui-console/default.conf.template")).toBe("infra:ui-console/default.conf.template");
    expect(script).toContain("template=${1:-/etc/nginx/ui-console/default.conf.template}");
    expect(script).toContain("output=${2:-/etc/nginx/conf.d/default.conf}");
  });

  it("runs as the base image's unprivileged nginx user on 8080", () => {
    expect(runtime.instructions.filter((i) => i.getKeyword() === "USER").map((i) => i.getArgumentsContent()).pop()).toBe("101");
    expect(exposedPorts(dockerfilePath("ui-console"))).toEqual([8080]);
  });
});

describe("ChromaDB's copy", () => {
  const file = path.join(DOCKERFILES_DIR, "chroma.Dockerfile");
  const dockerfile = loadDockerfile(file);
  const runtime = finalStage(dockerfile);
  const schema = configSchema.gatewayChromaImage;

  it("is one stage FROM the image the build argument names, the config's pinned gatewayChromaImage", () => {
    expect(dockerfile.stages).toHaveLength(1);
    expect(runtime.from.getImage()).toBe("${CHROMA_IMAGE}");
    // The pin cannot be read from the Dockerfile, so the config checks it: what it accepts passes the Dockerfile rule.
    const pinned = new RegExp(schema.pattern);
    for (const image of [schema.default, "chromadb/chroma:1.0.15-rc1", `chromadb/chroma@sha256:${"a".repeat(64)}`]) {
      expect([image, pinned.test(image), imageReferenceProblem(image)]).toEqual([image, true, undefined]);
    }
    for (const image of ["chromadb/chroma", "chromadb/chroma:latest", "chromadb/chroma:1.0", "chromadb/chroma:1"]) {
      expect([image, pinned.test(image)]).toEqual([image, false]);
    }
  });

  it("adds only the single writer's entrypoint: the vendor's image as it is, under another user, its server under the writer lock", () => {
    expect(runtime.instructions.map((i) => i.getKeyword()).sort()).toEqual(["CMD", "COPY", "ENTRYPOINT", "EXPOSE", "RUN", "USER", "VOLUME"]);
    expect(sourceOf(dockerfile, "/usr/local/bin/writer-lock")).toBe("infra:writer/writer-lock");
    expect(shellCommands(dockerfile, runtime).map((command) => command.text)).toEqual(["command -v bash flock", "mkdir -p /var/lib/writer", "chown 1000:1000 /var/lib/writer"]);
  });

  it("runs as uid/gid 1000, owner of the chroma access point, where the vendor's image runs as root", () => {
    expect(finalUserProblems(dockerfile)).toEqual([]);
    expect(runtime.instructions.filter((i) => i.getKeyword() === "USER").map((i) => i.getArgumentsContent())).toEqual(["1000:1000"]);
  });

  it("sends no build context", () => {
    expect(["Dockerfile", "mcp-gateway/src/index.ts", "ui-console/default.conf.template", ".env"].filter((p) => !isIgnored(ignoreFileOf(file), p))).toEqual([]);
  });
});

describe("the restore test's check image", () => {
  const file = path.join(DOCKERFILES_DIR, "restore-check.Dockerfile");
  const dockerfile = loadDockerfile(file);
  const runtime = finalStage(dockerfile);

  it("runs dockerfiles/writer/restore-check on the security stack's Python, as uid/gid 1000, the restored files' owner", () => {
    expect(baseImageOf(dockerfile, runtime)).toBe(baseImageOf(loadDockerfile(dockerfilePath("security-stack")), finalStage(loadDockerfile(dockerfilePath("security-stack")))));
    expect(sourceOf(dockerfile, "/usr/local/bin/restore-check")).toBe("infra:writer/restore-check");
    expect(JSON.parse(runtime.instructions.find((i) => i.getKeyword() === "ENTRYPOINT")!.getArgumentsContent()!)).toEqual(["/usr/local/bin/restore-check"]);
    expect(finalUserProblems(dockerfile)).toEqual([]);
    expect(unpinnedBaseImageProblems(dockerfile)).toEqual([]);
  });

  it("sends no build context", () => {
    expect(["Dockerfile", "writer/restore-check", ".env"].filter((p) => !isIgnored(ignoreFileOf(file), p))).toEqual([]);
  });
});

describe("the single writers' images", () => {
  /** The final stage's ENTRYPOINT, as JSON. */
  const entrypoint = (d: ParsedDockerfile): string[] => JSON.parse(finalStage(d).instructions.find((i) => i.getKeyword() === "ENTRYPOINT")?.getArgumentsContent() ?? "[]");

  it.each(["gateway.Dockerfile", "security-stack.Dockerfile", "chroma.Dockerfile"])(
    "%s starts every command under writer-lock, with state-snapshot beside it, both from dockerfiles/writer/",
    (name) => {
      const dockerfile = loadDockerfile(path.join(DOCKERFILES_DIR, name));
      expect(entrypoint(dockerfile)).toContain("/usr/local/bin/writer-lock");
      for (const tool of ["writer-lock", "state-snapshot"]) expect(sourceOf(dockerfile, `/usr/local/bin/${tool}`)).toBe(`infra:writer/${tool}`);
    },
  );

  it("keeps ChromaDB's own entrypoint around the lock: dumb-init, then writer-lock, then chroma with the vendor's `run /config.yaml`", () => {
    const dockerfile = loadDockerfile(path.join(DOCKERFILES_DIR, "chroma.Dockerfile"));
    expect(entrypoint(dockerfile)).toEqual(["dumb-init", "--", "/usr/local/bin/writer-lock", "chroma"]);
    expect(JSON.parse(finalStage(dockerfile).instructions.find((i) => i.getKeyword() === "CMD")!.getArgumentsContent()!)).toEqual(["run", "/config.yaml"]);
  });
});

describe("the checks, fed a broken Dockerfile", () => {
  const broken = parseDockerfile(
    `FROM node:latest AS build
COPY ../../mcp-gateway/package.json ./
COPY mcp-gateway/missing.json ./
COPY --from=nowhere /x /x
RUN npm ci --only=production && npm run build
RUN pip install --no-cache-dir -e ./management-plane
FROM rust:1.94-slim-bookworm AS rust
RUN cargo build --release --lib
FROM node:20 AS runtime
RUN npm install
CMD ["node", "dist/http-server.js"]
`,
    "broken.Dockerfile",
  );

  it("rejects floating base image tags", () => {
    expect(unpinnedBaseImageProblems(broken)).toEqual([
      expect.stringContaining('broken.Dockerfile line 1: FROM node:latest: tag "latest" is not an exact version'),
      expect.stringContaining('broken.Dockerfile line 7: FROM rust:1.94-slim-bookworm: tag "1.94-slim-bookworm" is not an exact version'),
      expect.stringContaining('broken.Dockerfile line 9: FROM node:20: tag "20" is not an exact version'),
    ]);
  });

  it.each([
    ["node", "has no tag, which means :latest"],
    ["node:lts-alpine", "is not an exact version"],
    ["python:3.12-slim", "is not an exact version"],
    ["node:24.19.0-slim", "does not name the OS release"],
    ["python:3.12.13", "does not name the OS release"],
    ["node:24.19.0-alpine", "does not name the OS release"],
    ["node@sha256:abc", "malformed digest"],
    ["${BASE_IMAGE}", "set by a build argument"],
  ])("rejects %s", (reference, reason) => {
    expect(imageReferenceProblem(reference, { requireOsRelease: true })).toContain(reason);
  });

  it.each(["node:24.19.0-bookworm-slim", "nginxinc/nginx-unprivileged:1.30.5-alpine3.24", "registry:5000/team/app:1.2.3-bookworm", `node@sha256:${"a".repeat(64)}`])(
    "accepts %s",
    (reference) => {
      expect(imageReferenceProblem(reference, { requireOsRelease: true })).toBeUndefined();
    },
  );

  it("accepts an exact version without an OS release when that is not required (e.g. a vendor image)", () => {
    expect(imageReferenceProblem("chromadb/chroma:1.0.20")).toBeUndefined();
    expect(imageReferenceProblem("chromadb/chroma:latest")).toContain("is not an exact version");
  });

  it("rejects sources outside the context, missing sources and unknown --from", () => {
    expect(copySourceProblems(broken)).toEqual([
      "broken.Dockerfile line 2: ../../mcp-gateway/package.json reaches outside the build context, which a build cannot read",
      "broken.Dockerfile line 3: mcp-gateway/missing.json does not exist in the build context (tests/fixtures/app-repo)",
      "broken.Dockerfile line 4: --from=nowhere is neither an earlier stage nor a named context (infra)",
    ]);
  });

  it("rejects a final stage without USER, or with a root USER", () => {
    expect(finalUserProblems(broken)).toEqual(["broken.Dockerfile line 9: the final stage has no USER, so the container runs as root"]);
    for (const user of ["root", "0", "0:0", "root:root"]) {
      expect(finalUserProblems(parseDockerfile(`FROM x\nUSER 1000\nFROM y\nUSER ${user}\n`))).toEqual([
        `Dockerfile line 4: the final stage runs as ${user.split(":")[0]}; switch to a non-root user`,
      ]);
    }
  });

  it("rejects an editable pip install", () => {
    expect(editableInstallProblems(broken)).toEqual([expect.stringMatching(/^broken\.Dockerfile line 6: `pip install --no-cache-dir -e \.\/management-plane` is an editable install/)]);
    expect(editableInstallProblems(parseDockerfile("FROM x\nRUN python -m pip install --editable=.\n"))).toHaveLength(1);
  });

  it("rejects a build that skips devDependencies and never prunes", () => {
    expect(nodeBuildOrderProblems(broken, stageNamed(broken, "build"))).toEqual([
      expect.stringContaining("`npm ci --only=production` skips devDependencies"),
      expect.stringContaining("no `npm prune --omit=dev` after the build"),
    ]);
    const empty = parseDockerfile("FROM x AS b\nRUN echo nothing\n");
    expect(nodeBuildOrderProblems(empty, stageNamed(empty, "b"))).toEqual([
      expect.stringContaining("no `npm ci`"),
      expect.stringContaining("no `npm run build`"),
      expect.stringContaining("no `npm prune"),
    ]);
    const reordered = parseDockerfile("FROM x AS b\nENV NODE_ENV=production\nRUN npm ci && npm prune --omit=dev && npm run build\n");
    expect(nodeBuildOrderProblems(reordered, stageNamed(reordered, "b"))).toEqual([
      expect.stringContaining("NODE_ENV=production makes `npm ci` skip devDependencies"),
      expect.stringContaining("`npm prune` runs before `npm run build`"),
    ]);
  });

  it("rejects `cargo build --lib` without a check for the shared library", () => {
    expect(sharedLibraryCheckProblems(broken, "libsemantic_sandbox.so")).toEqual([
      "broken.Dockerfile line 8: `cargo build --release --lib` is not followed by a check that fails the build when libsemantic_sandbox.so is missing (it is built only for a cdylib crate)",
    ]);
  });

  it("rejects npm installs in the runtime stage", () => {
    expect(runtimeInstallProblems(broken)).toEqual([expect.stringContaining("broken.Dockerfile line 10: the runtime stage runs `npm install`")]);
  });

  it("rejects an ignore file that leaves out what the Dockerfile copies, or a missing one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "dockerignore-"));
    try {
      const file = path.join(dir, "app.Dockerfile");
      writeFileSync(file, "FROM x\nCOPY mcp-gateway/src/ ./src/\nCOPY mcp-gateway/package.json ./\n");
      expect(ignoreFileProblems(file)).toEqual(["app.Dockerfile.dockerignore is missing beside app.Dockerfile"]);
      writeFileSync(`${file}.dockerignore`, "*\n!mcp-gateway/package.json\n");
      expect(ignoreFileProblems(file)).toEqual([
        "app.Dockerfile line 2: copies mcp-gateway/src/http-server.ts, which app.Dockerfile.dockerignore leaves out of the context",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
