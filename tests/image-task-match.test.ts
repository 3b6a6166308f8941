import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { DockerfileParser } from "dockerfile-ast";
import {
  APP_REPO_FIXTURE,
  NAMED_CONTEXTS,
  ParsedDockerfile,
  PathOrigin,
  Stage,
  baseImageOf,
  envOf,
  exposedPorts,
  finalStage,
  loadDockerfile,
  originOf,
  parseDockerfile,
  shellCommands,
  stageNamed,
} from "./support/dockerfile";
import { containerDefinitions, runProgram, StackName } from "./support/harness";

/**
 * What the task definitions ask of our images, checked against the Dockerfiles the program builds them from:
 * the ports the containers listen on are EXPOSEd, and the commands and working directories they run exist in
 * the final stage. Everything asked is read from the program's task definitions, not restated here.
 */

const IMAGE = "docker-build:index:Image";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const STACKS: StackName[] = ["staging", "prod"];

interface Container {
  stack: StackName;
  name: string;
  /** The image reference the container runs (`repo:tag@digest` for ours). */
  image: string;
  /** The Dockerfile the program builds that image from; undefined for a public image. */
  dockerfile?: string;
  ports: number[];
  /** Ports a load balancer sends traffic to (the ECS service's loadBalancers). */
  loadBalancedPorts: number[];
  command?: string[];
  workingDirectory?: string;
  /** The `user` the task runs the container as. */
  user?: string;
  /** Where the container mounts task volumes that are not EFS: its scratch space under a read-only root. */
  scratchPaths: string[];
  /** Whether the container mounts a volume of EFS (state of a single writer). */
  writesEfs: boolean;
}

let containers: Container[] = [];
const ours = () => containers.filter((container): container is Container & { dockerfile: string } => container.dockerfile !== undefined);

beforeAll(async () => {
  for (const stack of STACKS) {
    const run = await runProgram({ stack });
    const dockerfileByTag = new Map<string, string>();
    for (const image of run.ofType(IMAGE)) {
      for (const tag of image.inputs.tags as string[]) dockerfileByTag.set(tag, image.inputs.dockerfile.location);
    }
    for (const taskDefinition of run.ofType(TASK_DEFINITION)) {
      const service = run.ofType(SERVICE).find((candidate) => String(candidate.inputs.taskDefinition).includes(`/${taskDefinition.inputs.family}:`));
      const balanced: Array<{ containerName: string; containerPort: number }> = service?.inputs.loadBalancers ?? [];
      const scratchVolumes = new Set((taskDefinition.inputs.volumes ?? []).filter((v: any) => !v.efsVolumeConfiguration).map((v: any) => v.name));
      const efsVolumeNames = new Set((taskDefinition.inputs.volumes ?? []).filter((v: any) => v.efsVolumeConfiguration).map((v: any) => v.name));
      for (const definition of containerDefinitions(taskDefinition)) {
        containers.push({
          stack,
          name: definition.name,
          image: definition.image,
          dockerfile: dockerfileByTag.get(String(definition.image).split("@")[0]),
          ports: (definition.portMappings ?? []).map((mapping: { containerPort: number }) => mapping.containerPort),
          loadBalancedPorts: balanced.filter((target) => target.containerName === definition.name).map((target) => target.containerPort),
          command: definition.command,
          workingDirectory: definition.workingDirectory,
          user: definition.user,
          scratchPaths: (definition.mountPoints ?? [])
            .filter((m: { sourceVolume: string }) => scratchVolumes.has(m.sourceVolume))
            .map((m: { containerPath: string }) => m.containerPath),
          writesEfs: (definition.mountPoints ?? []).some((m: { sourceVolume: string }) => efsVolumeNames.has(m.sourceVolume)),
        });
      }
    }
  }
}, 60_000);

const label = (container: Container) => `${container.stack} ${container.name}`;

/** Ports a Dockerfile's comments say something about EXPOSE for: a comment paragraph names the port and "expose". */
function portsExplainedInComments(dockerfile: string): number[] {
  const paragraphs: string[] = [];
  let previousLine = -2;
  for (const comment of DockerfileParser.parse(readFileSync(dockerfile, "utf8")).getComments()) {
    const line = comment.getRange().start.line;
    if (line === previousLine + 1) paragraphs[paragraphs.length - 1] += ` ${comment.getContent() ?? ""}`;
    else paragraphs.push(comment.getContent() ?? "");
    previousLine = line;
  }
  return paragraphs.filter((paragraph) => /expos/i.test(paragraph)).flatMap((paragraph) => (paragraph.match(/\b\d{2,5}\b/g) ?? []).map(Number));
}

// ---------------------------------------------------------------------------------------------
// What puts a file into the final stage

/** Directories a stage's WORKDIR instructions create. */
function workdirsOf(stage: Stage): string[] {
  let workdir = "/";
  return stage.instructions
    .filter((instruction) => instruction.getKeyword() === "WORKDIR")
    .map((instruction) => (workdir = path.posix.resolve(workdir, instruction.getArgumentsContent() ?? "")));
}

/**
 * How a path that a COPY takes from an earlier stage comes to exist there, or undefined: a build command
 * that must produce it or fail (`cargo build --release --bin <name>`, `python -m venv <dir>`, or a
 * `test -x <path>` guard followed by `exit 1`). A virtualenv's python links to its stage's interpreter, so it
 * counts only when the final stage is built on the same image.
 */
function producerIn(dockerfile: ParsedDockerfile, stage: Stage, file: string): string | undefined {
  const commands = shellCommands(dockerfile, stage);
  for (const [index, command] of commands.entries()) {
    const cargo = /^cargo build\b.*--release\b.*--bin[ =](\S+)/.exec(command.text);
    if (cargo && file === path.posix.join(command.workdir, "target/release", cargo[1])) return command.text;
    const venv = /^python3? -m venv (\S+)$/.exec(command.text);
    const sameBase = baseImageOf(dockerfile, stage) === baseImageOf(dockerfile, finalStage(dockerfile));
    if (venv && sameBase && /^python3?$/.test(path.posix.basename(file)) && path.posix.dirname(file) === path.posix.join(venv[1], "bin")) return command.text;
    const guard = /^test -[efx] (\S+)$/.exec(command.text);
    if (guard && path.posix.resolve(command.workdir, guard[1]) === file && commands.slice(index + 1).some((later) => /^exit [1-9]/.test(later.text))) {
      return `${command.text} || exit 1`;
    }
  }
  return undefined;
}

/** Where a path of the final stage comes from, as a sentence, or undefined when nothing puts it there. */
function sourceInImage(dockerfile: ParsedDockerfile, imagePath: string): string | undefined {
  const stage = finalStage(dockerfile);
  if (workdirsOf(stage).includes(imagePath)) return `WORKDIR ${imagePath}`;
  const origin: PathOrigin | undefined = originOf(dockerfile, stage, imagePath);
  if (!origin) return undefined;
  if (origin.from === undefined) return existsSync(path.join(APP_REPO_FIXTURE, origin.path)) ? `the app repo's ${origin.path}` : undefined;
  if (NAMED_CONTEXTS[origin.from] !== undefined) {
    return existsSync(path.join(NAMED_CONTEXTS[origin.from], origin.path)) ? `${origin.from}:${origin.path}` : undefined;
  }
  const producer = producerIn(dockerfile, stageNamed(dockerfile, origin.from), origin.path);
  return producer && `stage ${origin.from}: ${producer}`;
}

/** Programs a base image ships on its PATH, by the image's name. */
const BASE_IMAGE_PROGRAMS: Array<[image: RegExp, program: string]> = [
  [/^python:/, "python"],
  [/^node:/, "node"],
];

/** Where the program a command names comes from: a path in the image, or the final stage's PATH. */
function programSource(dockerfile: ParsedDockerfile, program: string): string | undefined {
  if (program.startsWith("/")) return sourceInImage(dockerfile, program);
  const stage = finalStage(dockerfile);
  for (const dir of (envOf(dockerfile, stage).PATH ?? "").split(":")) {
    if (!dir.startsWith("/")) continue;
    const source = sourceInImage(dockerfile, path.posix.join(dir, program));
    if (source) return `${path.posix.join(dir, program)} from ${source}`;
  }
  const base = baseImageOf(dockerfile, stage);
  return BASE_IMAGE_PROGRAMS.some(([image, name]) => image.test(base) && name === program) ? `the ${base} base image` : undefined;
}

/** Files a command's arguments name, relative to its working directory: `server.py`, uvicorn's `app.main:app`. */
function filesNamedBy(args: string[], workingDirectory: string): string[] {
  return args.flatMap((arg) => {
    if (/^[\w./-]+\.py$/.test(arg)) return [path.posix.resolve(workingDirectory, arg)];
    const module = /^([A-Za-z_][\w.]*):[A-Za-z_]\w*$/.exec(arg);
    return module ? [path.posix.resolve(workingDirectory, `${module[1].replace(/\./g, "/")}.py`)] : [];
  });
}

/** The last USER of the final stage, as written. */
function finalUser(dockerfile: ParsedDockerfile): string {
  const users = finalStage(dockerfile).instructions.filter((instruction) => instruction.getKeyword() === "USER");
  return users.length ? (users[users.length - 1].getArgumentsContent() ?? "") : "";
}

/** The paths the final stage declares with VOLUME, in JSON or plain form. */
function volumePaths(dockerfile: ParsedDockerfile): string[] {
  return finalStage(dockerfile)
    .instructions.filter((instruction) => instruction.getKeyword() === "VOLUME")
    .flatMap((instruction) => {
      const args = (instruction.getArgumentsContent() ?? "").trim();
      return args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    });
}

// ---------------------------------------------------------------------------------------------

describe("the task definitions and the images they run", () => {
  it("run only images the program builds and pushes, ChromaDB's as a copy of the vendor's, each by digest", () => {
    for (const stack of STACKS) {
      const imageOf = containers
        .filter((container) => container.stack === stack)
        .map((container) => [container.name, container.dockerfile ? path.basename(container.dockerfile) : container.image]);
      expect(Object.fromEntries(imageOf)).toEqual({
        gateway: "gateway.Dockerfile",
        chromadb: "chroma.Dockerfile",
        "data-plane": "security-stack.Dockerfile",
        "management-plane": "security-stack.Dockerfile",
        "control-plane": "security-stack.Dockerfile",
        console: "ui-console.Dockerfile",
      });
      expect(imageOf).toHaveLength(6);
    }
    for (const container of containers) expect(container.image).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[^@]+@sha256:[0-9a-f]{64}$/);
  });

  it("run each container as the USER its image's final stage names, never root", () => {
    for (const container of ours()) {
      const user = finalUser(loadDockerfile(container.dockerfile));
      expect({ container: label(container), user: container.user }).toEqual({ container: label(container), user: expect.stringMatching(/^[1-9]\d*:\d+$/) });
      // `USER 101` runs with the user's own group, which for these images is the same number.
      expect({ container: label(container), user: container.user }).toEqual({ container: label(container), user: user.includes(":") ? user : `${user}:${user}` });
    }
  });

  it("declare a VOLUME at exactly the paths where the task mounts scratch space (Fargate copies the image's directory, owner and mode, only there)", () => {
    for (const container of ours()) {
      const declared = volumePaths(loadDockerfile(container.dockerfile)).sort();
      expect({ container: label(container), scratch: [...container.scratchPaths].sort() }).toEqual({ container: label(container), scratch: declared });
    }
  });

  it("start every container that writes EFS through writer-lock: the image's ENTRYPOINT runs it, and the final stage has it", () => {
    const writing = ours().filter((container) => container.writesEfs);
    expect(new Set(writing.map((container) => container.name))).toEqual(new Set(["gateway", "chromadb", "data-plane", "management-plane", "control-plane"]));
    for (const container of writing) {
      const dockerfile = loadDockerfile(container.dockerfile);
      const entrypoint = finalStage(dockerfile).instructions.find((instruction) => instruction.getKeyword() === "ENTRYPOINT");
      const args: string[] = JSON.parse(entrypoint?.getArgumentsContent() ?? "[]");
      const lock = args.find((arg) => arg.endsWith("/writer-lock"));
      expect({ container: label(container), lock, source: lock && sourceInImage(dockerfile, lock) }).toEqual({
        container: label(container),
        lock: "/usr/local/bin/writer-lock",
        source: "infra:writer/writer-lock",
      });
    }
  });

  it("EXPOSE, in the final stage, every port a load balancer sends traffic to", () => {
    for (const container of ours()) {
      expect(container.loadBalancedPorts.every((port) => container.ports.includes(port))).toBe(true);
      const missing = container.loadBalancedPorts.filter((port) => !exposedPorts(container.dockerfile).includes(port));
      expect({ container: label(container), notExposed: missing }).toEqual({ container: label(container), notExposed: [] });
    }
    expect([...new Set(ours().flatMap((container) => container.loadBalancedPorts))].sort()).toEqual([3000, 8000, 8001, 8080]);
  });

  it("EXPOSE every other port a container listens on, or say in a comment why not", () => {
    for (const container of ours()) {
      const internal = container.ports.filter((port) => !container.loadBalancedPorts.includes(port));
      const undocumented = internal.filter(
        (port) => !exposedPorts(container.dockerfile).includes(port) && !portsExplainedInComments(container.dockerfile).includes(port),
      );
      expect({ container: label(container), undocumented }).toEqual({ container: label(container), undocumented: [] });
    }
  });

  it("EXPOSE nothing that none of the image's containers listens on", () => {
    const dockerfiles = [...new Set(ours().map((container) => container.dockerfile))];
    for (const dockerfile of dockerfiles) {
      const listened = ours()
        .filter((container) => container.dockerfile === dockerfile)
        .flatMap((container) => container.ports);
      expect({ dockerfile: path.basename(dockerfile), stale: exposedPorts(dockerfile).filter((port) => !listened.includes(port)) }).toEqual({
        dockerfile: path.basename(dockerfile),
        stale: [],
      });
    }
  });

  it("give a server the port its container maps when its command names one", () => {
    for (const container of ours()) {
      const args = container.command ?? [];
      const flag = args.indexOf("--port");
      if (flag >= 0) expect({ container: label(container), port: Number(args[flag + 1]) }).toEqual({ container: label(container), port: container.ports[0] });
    }
  });

  it("run programs that the final stage of the image has", () => {
    const withCommands = ours().filter((container) => container.command !== undefined);
    expect(new Set(withCommands.map((container) => container.name))).toEqual(new Set(["data-plane", "management-plane", "control-plane"]));
    for (const container of withCommands) {
      const program = container.command![0];
      expect({ container: label(container), program, source: programSource(loadDockerfile(container.dockerfile), program) }).toEqual({
        container: label(container),
        program,
        source: expect.any(String),
      });
    }
  });

  it("run them in working directories, on files, that the final stage has", () => {
    for (const container of ours().filter((candidate) => candidate.workingDirectory !== undefined)) {
      const dockerfile = loadDockerfile(container.dockerfile);
      const workingDirectory = container.workingDirectory!;
      const needed = [workingDirectory, ...filesNamedBy((container.command ?? []).slice(1), workingDirectory)];
      const missing = needed.filter((imagePath) => sourceInImage(dockerfile, imagePath) === undefined);
      expect({ container: label(container), missing }).toEqual({ container: label(container), missing: [] });
    }
  });

  it("trace the security stack's commands to what builds them", () => {
    const dockerfile = loadDockerfile(ours().find((container) => container.name === "data-plane")!.dockerfile);
    const traced = Object.fromEntries(
      ours()
        .filter((container) => container.stack === "prod" && container.command)
        .map((container) => [container.name, programSource(dockerfile, container.command![0])]),
    );
    expect(traced).toEqual({
      "data-plane": "stage rust-build: cargo build --release --bin bridge-server",
      "management-plane": "/opt/venv/bin/uvicorn from stage python-build: test -x /opt/venv/bin/uvicorn || exit 1",
      "control-plane": "/opt/venv/bin/python from stage python-build: python -m venv /opt/venv",
    });
  });
});

describe("the image checks, fed a broken Dockerfile", () => {
  const broken = (...lines: string[]) => parseDockerfile(lines.join("\n"), "broken.Dockerfile");

  it("find no binary copied from a stage that builds only the library, nor one no COPY puts there", () => {
    const dockerfile = broken(
      "FROM rust:1.94.1-slim-bookworm AS rust-build",
      "WORKDIR /src/tupl_data_plane",
      "RUN cargo build --release --lib",
      "FROM python:3.12.13-slim-bookworm",
      "COPY --from=rust-build /src/tupl_data_plane/target/release/bridge-server /app/bridge-server",
    );
    expect(programSource(dockerfile, "/app/bridge-server")).toBeUndefined();
    expect(programSource(dockerfile, "/app/other-server")).toBeUndefined();
  });

  it("find no program on PATH that nothing guarantees, nor a virtualenv's python on another base image", () => {
    const dockerfile = broken(
      "FROM python:3.12.13-slim-bookworm AS python-build",
      "RUN python -m venv /opt/venv && /opt/venv/bin/pip install ./management-plane",
      "FROM debian:12.11-slim",
      "ENV PATH=/opt/venv/bin:$PATH",
      "COPY --from=python-build /opt/venv /opt/venv",
    );
    expect(programSource(dockerfile, "uvicorn")).toBeUndefined();
    expect(programSource(dockerfile, "python")).toBeUndefined();
  });

  it("find no working directory or file the final stage lacks", () => {
    const dockerfile = broken("FROM python:3.12.13-slim-bookworm", "COPY management-plane/ /app/management-plane/", "WORKDIR /app");
    expect(sourceInImage(dockerfile, "/app")).toBe("WORKDIR /app");
    expect(sourceInImage(dockerfile, "/app/management-plane/app/main.py")).toBe("the app repo's management-plane/app/main.py");
    expect(sourceInImage(dockerfile, "/app/policy_control_plane")).toBeUndefined();
    expect(sourceInImage(dockerfile, "/app/management-plane/server.py")).toBeUndefined();
  });
});
