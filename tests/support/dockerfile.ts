import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import dockerignore from "@balena/dockerignore";
import * as path from "path";
import { Copy, DockerfileParser, Env, From, Instruction } from "dockerfile-ast";

/**
 * Static checks over the images' Dockerfiles (no Docker engine needed).
 *
 * Every check returns a list of problems, empty when the Dockerfile passes, so a test reads
 * `expect(check(dockerfile)).toEqual([])` and a failure prints what is wrong; the negative tests feed
 * the same functions broken Dockerfiles.
 */

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const DOCKERFILES_DIR = path.join(REPO_ROOT, "dockerfiles");
/** Stand-in for the app repo, the build context of every image. */
export const APP_REPO_FIXTURE = path.join(REPO_ROOT, "tests/fixtures/app-repo");
/** Named build contexts the image components pass (`COPY --from=<name>`), by name. */
export const NAMED_CONTEXTS: Readonly<Record<string, string>> = { infra: DOCKERFILES_DIR };

export interface Stage {
  index: number;
  /** The `AS` name, lower-cased as BuildKit treats it. */
  name: string | undefined;
  from: From;
  /** The instructions after this stage's FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  /** Names the file in problem messages. */
  label: string;
  stages: Stage[];
}

/** One shell command of a RUN (split at `&&`, `||`, `;`, `|` outside quotes). */
export interface ShellCommand {
  text: string;
  /** The WORKDIR the command runs in. */
  workdir: string;
  /** One-based line of its RUN. */
  line: number;
}

export function parseDockerfile(text: string, label = "Dockerfile"): ParsedDockerfile {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) {
      stages.push({
        index: stages.length,
        name: instruction.getBuildStage()?.toLowerCase() ?? undefined,
        from: instruction,
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { label, stages };
}

export function loadDockerfile(file: string): ParsedDockerfile {
  return parseDockerfile(readFileSync(file, "utf8"), path.basename(file));
}

export function finalStage(dockerfile: ParsedDockerfile): Stage {
  const stage = dockerfile.stages[dockerfile.stages.length - 1];
  if (!stage) throw new Error(`${dockerfile.label} has no FROM`);
  return stage;
}

export function stageNamed(dockerfile: ParsedDockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name.toLowerCase());
  if (!stage) throw new Error(`${dockerfile.label} has no stage named ${name}`);
  return stage;
}

/** The earlier stage a FROM or `--from=` names (by name or index), if it names one. */
function earlierStage(dockerfile: ParsedDockerfile, reference: string, before: number): Stage | undefined {
  const ref = reference.toLowerCase();
  return dockerfile.stages.find((stage) => stage.index < before && (stage.name === ref || String(stage.index) === ref));
}

function parentStage(dockerfile: ParsedDockerfile, stage: Stage): Stage | undefined {
  return earlierStage(dockerfile, stage.from.getImage() ?? "", stage.index);
}

/** The image a stage finally builds on, following `FROM <earlier stage>`. */
export function baseImageOf(dockerfile: ParsedDockerfile, stage: Stage): string {
  const parent = parentStage(dockerfile, stage);
  return parent ? baseImageOf(dockerfile, parent) : (stage.from.getImage() ?? "");
}

function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

function at(dockerfile: ParsedDockerfile, instruction: Instruction): string {
  return `${dockerfile.label} line ${lineOf(instruction)}`;
}

// ---------------------------------------------------------------------------------------------
// Base images

/** A Linux release named in a tag: `bookworm`, `alpine3.24`... (a bare `alpine` or `slim` is not one). */
const OS_RELEASE = /(?:^|-)(?:alpine\d+\.\d+|bookworm|bullseye|buster|trixie|focal|jammy|noble)(?:-|$)/;
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-(.+))?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Why an image reference is not pinned, or undefined when it is. The rule:
 * - a digest (`@sha256:` and 64 hex digits) pins it;
 * - otherwise the tag must begin with a full MAJOR.MINOR.PATCH version (`24.19.0`, `1.30.5`):
 *   no tag (which means `latest`), `latest`, `lts`, `alpine`, `20`, `3.12-slim` or `1.94-slim` fail,
 *   because the image under them changes with every release;
 * - with `requireOsRelease`, the tag must also name the OS release (`-bookworm`, `-slim-bookworm`,
 *   `-alpine3.24`): `node:24.19.0-slim` or `python:3.12.13` move to the next Debian release while that
 *   version is still being rebuilt.
 */
export function imageReferenceProblem(reference: string, options: { requireOsRelease?: boolean } = {}): string | undefined {
  if (reference.includes("$")) {
    return `${reference} is set by a build argument, so its pin cannot be checked; write the image reference out`;
  }
  const [nameAndTag, digest] = reference.split("@");
  if (digest !== undefined) {
    return DIGEST.test(digest) ? undefined : `${reference} has a malformed digest; expected @sha256:<64 hex digits>`;
  }
  const lastSlash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.lastIndexOf(":");
  if (colon <= lastSlash) {
    return `${reference} has no tag, which means :latest; pin an exact version such as ${nameAndTag}:1.2.3-bookworm`;
  }
  const tag = nameAndTag.slice(colon + 1);
  const version = EXACT_VERSION.exec(tag);
  if (!version) {
    return `${reference}: tag "${tag}" is not an exact version; use MAJOR.MINOR.PATCH and the OS release, e.g. node:24.19.0-bookworm-slim`;
  }
  if (options.requireOsRelease && !OS_RELEASE.test(version[1] ?? "")) {
    return `${reference}: tag "${tag}" does not name the OS release (e.g. -bookworm, -slim-bookworm, -alpine3.24), so the OS under it can change`;
  }
  return undefined;
}

/** Every FROM that names an image (not an earlier stage) must be pinned; see {@link imageReferenceProblem}. */
export function unpinnedBaseImageProblems(dockerfile: ParsedDockerfile): string[] {
  const problems: string[] = [];
  for (const stage of dockerfile.stages) {
    const image = stage.from.getImage() ?? "";
    if (parentStage(dockerfile, stage)) continue;
    const problem = imageReferenceProblem(image, { requireOsRelease: true });
    if (problem) problems.push(`${at(dockerfile, stage.from)}: FROM ${problem}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// User

/** The final stage must switch to a user other than root with its own USER instruction. */
export function finalUserProblems(dockerfile: ParsedDockerfile): string[] {
  const stage = finalStage(dockerfile);
  const users = stage.instructions.filter((instruction) => instruction.getKeyword() === "USER");
  const last = users[users.length - 1];
  if (!last) {
    return [`${at(dockerfile, stage.from)}: the final stage has no USER, so the container runs as root`];
  }
  const user = (last.getArgumentsContent() ?? "").split(":")[0].trim();
  if (user === "root" || user === "0") {
    return [`${at(dockerfile, last)}: the final stage runs as ${user}; switch to a non-root user`];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// COPY / ADD sources

interface CopySource {
  instruction: Instruction;
  stage: Stage;
  /** `--from` value, undefined for the main build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

function flagValue(instruction: Instruction, name: string): string | undefined {
  const flags = (instruction as Copy).getFlags?.() ?? [];
  return flags.find((flag) => flag.getName() === name)?.getValue() ?? undefined;
}

function copies(dockerfile: ParsedDockerfile): CopySource[] {
  const result: CopySource[] = [];
  for (const stage of dockerfile.stages) {
    for (const instruction of stage.instructions) {
      const keyword = instruction.getKeyword();
      if (keyword !== "COPY" && keyword !== "ADD") continue;
      const args = instruction.getArguments().map((argument) => argument.getValue());
      result.push({
        instruction,
        stage,
        from: flagValue(instruction, "from"),
        sources: args.slice(0, -1),
        destination: args[args.length - 1] ?? "",
      });
    }
  }
  return result;
}

const WILDCARD = /[*?[]/;

function globExists(root: string, pattern: string): boolean {
  const parts = pattern.split("/").filter((part) => part !== "" && part !== ".");
  const walk = (dir: string, index: number): boolean => {
    if (index === parts.length) return true;
    const part = parts[index];
    if (!WILDCARD.test(part)) {
      const next = path.join(dir, part);
      return existsSync(next) && walk(next, index + 1);
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
    const matcher = new RegExp(`^${globToRegExpSource(part)}$`);
    return readdirSync(dir).some((entry) => matcher.test(entry) && walk(path.join(dir, entry), index + 1));
  };
  return walk(root, 0);
}

/**
 * Every COPY/ADD source must exist: sources without `--from` in the build context (the app repo
 * fixture), `--from=<named context>` sources in that context's directory. Sources copied from an
 * earlier stage are not files here and are skipped; an unknown `--from` is a problem.
 */
export function copySourceProblems(
  dockerfile: ParsedDockerfile,
  context: string = APP_REPO_FIXTURE,
  namedContexts: Readonly<Record<string, string>> = NAMED_CONTEXTS,
): string[] {
  const problems: string[] = [];
  for (const copy of copies(dockerfile)) {
    let root = context;
    let where = `the build context (${path.relative(REPO_ROOT, context) || "."})`;
    if (copy.from !== undefined) {
      if (earlierStage(dockerfile, copy.from, copy.stage.index)) continue;
      const named = namedContexts[copy.from];
      if (named === undefined) {
        problems.push(`${at(dockerfile, copy.instruction)}: --from=${copy.from} is neither an earlier stage nor a named context (${Object.keys(namedContexts).join(", ")})`);
        continue;
      }
      root = named;
      where = `the named context ${copy.from} (${path.relative(REPO_ROOT, named)})`;
    }
    for (const source of copy.sources) {
      if (/^[a-z]+:\/\//i.test(source)) continue;
      const relative = path.posix.normalize(source.replace(/^\/+/, ""));
      if (relative === ".." || relative.startsWith("../")) {
        problems.push(`${at(dockerfile, copy.instruction)}: ${source} reaches outside the build context, which a build cannot read`);
      } else if (!globExists(root, relative)) {
        problems.push(`${at(dockerfile, copy.instruction)}: ${source} does not exist in ${where}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

/** Glob syntax of Docker's pattern matcher: `**` any directories, `*` and `?` within a name. */
function globToRegExpSource(pattern: string): string {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") i++;
      source += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else if (char === "[") {
      const end = pattern.indexOf("]", i);
      source += end > i ? pattern.slice(i, end + 1).replace("[!", "[^") : "\\[";
      if (end > i) i = end;
    } else {
      source += char.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return source;
}

/** `<name>.Dockerfile.dockerignore`, which BuildKit reads instead of the context's .dockerignore. */
export function ignoreFileOf(dockerfilePath: string): string {
  return `${dockerfilePath}.dockerignore`;
}

/**
 * Whether a context path (relative to the context root) is left out of the build context, by Docker's
 * rules (the same library components/resources/image.ts hashes the context with).
 */
export function isIgnored(ignoreFile: string, contextPath: string): boolean {
  return dockerignore().add(readFileSync(ignoreFile, "utf8")).ignores(path.posix.normalize(contextPath));
}

function filesUnder(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full).flatMap((entry) => filesUnder(root, path.posix.join(relative, entry)));
}

/**
 * The Dockerfile's own ignore file must exist and must not leave out anything it copies from the
 * build context: every fixture file under a COPY source is checked.
 */
export function ignoreFileProblems(dockerfilePath: string, context: string = APP_REPO_FIXTURE): string[] {
  const ignoreFile = ignoreFileOf(dockerfilePath);
  if (!existsSync(ignoreFile)) return [`${path.basename(ignoreFile)} is missing beside ${path.basename(dockerfilePath)}`];
  const dockerfile = loadDockerfile(dockerfilePath);
  const problems: string[] = [];
  for (const copy of copies(dockerfile)) {
    if (copy.from !== undefined) continue;
    for (const source of copy.sources) {
      for (const file of filesUnder(context, path.posix.normalize(source.replace(/^\/+/, "")))) {
        if (isIgnored(ignoreFile, file)) {
          problems.push(`${at(dockerfile, copy.instruction)}: copies ${file}, which ${path.basename(ignoreFile)} leaves out of the context`);
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// RUN commands

/** Splits shell text into commands at `&&`, `||`, `;`, `|` and newlines outside quotes. */
function splitShell(text: string): string[] {
  const commands: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === ";" || char === "\n" || char === "|" || (char === "&" && text[i + 1] === "&")) {
      if (text[i + 1] === char) i++;
      commands.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  commands.push(current);
  return commands
    .map((command) => command.trim().replace(/^[{(]\s*/, "").replace(/\s*[})]$/, "").trim())
    .filter((command) => command !== "" && command !== "{" && command !== "}");
}

function runText(instruction: Instruction): string {
  const content = instruction.getArgumentsContent() ?? "";
  if (content.trim().startsWith("[")) {
    try {
      return (JSON.parse(content) as string[]).join(" ");
    } catch {
      return content;
    }
  }
  return content;
}

function workdirAtStart(dockerfile: ParsedDockerfile, stage: Stage): string {
  const parent = parentStage(dockerfile, stage);
  return parent ? workdirAfter(dockerfile, parent, parent.instructions.length) : "/";
}

function workdirAfter(dockerfile: ParsedDockerfile, stage: Stage, count: number): string {
  let workdir = workdirAtStart(dockerfile, stage);
  for (const instruction of stage.instructions.slice(0, count)) {
    if (instruction.getKeyword() === "WORKDIR") workdir = path.posix.resolve(workdir, instruction.getArgumentsContent() ?? "");
  }
  return workdir;
}

/** The shell commands a stage's RUN instructions execute, in order, with their working directory. */
export function shellCommands(dockerfile: ParsedDockerfile, stage: Stage): ShellCommand[] {
  return stage.instructions.flatMap((instruction, index) =>
    instruction.getKeyword() !== "RUN"
      ? []
      : splitShell(runText(instruction)).map((text) => ({ text, workdir: workdirAfter(dockerfile, stage, index), line: lineOf(instruction) })),
  );
}

/** The environment a stage ends with: its ENV instructions and those of the stages it builds on. */
export function envOf(dockerfile: ParsedDockerfile, stage: Stage): Record<string, string> {
  const parent = parentStage(dockerfile, stage);
  const env: Record<string, string> = parent ? envOf(dockerfile, parent) : {};
  for (const instruction of stage.instructions) {
    if (!(instruction instanceof Env)) continue;
    for (const property of instruction.getProperties()) env[property.getName()] = property.getValue() ?? "";
  }
  return env;
}

/** `pip install -e` / `--editable` anywhere: an editable install points at the build stage's tree. */
export function editableInstallProblems(dockerfile: ParsedDockerfile): string[] {
  return dockerfile.stages.flatMap((stage) =>
    shellCommands(dockerfile, stage)
      .filter((command) => /\bpip3?\s+install\b/.test(command.text) && /\s(-e|--editable)(\s|=|$)/.test(command.text))
      .map((command) => `${dockerfile.label} line ${command.line}: \`${command.text}\` is an editable install; it points at this stage's source tree, which later stages do not have. Install the package normally.`),
  );
}

const SKIPS_DEV_DEPENDENCIES = /\s(--omit[= ]dev|--only[= ]prod(uction)?|--production)\b/;

/**
 * A Node build stage must install every dependency (`npm ci` without --omit=dev/--only=production
 * and without NODE_ENV=production), then `npm run build`, then prune the dev dependencies.
 */
export function nodeBuildOrderProblems(dockerfile: ParsedDockerfile, stage: Stage): string[] {
  const commands = shellCommands(dockerfile, stage);
  const where = `${dockerfile.label} stage ${stage.name ?? stage.index}`;
  const ci = commands.findIndex((command) => /^npm ci\b/.test(command.text));
  const build = commands.findIndex((command) => /^npm run build\b/.test(command.text));
  const prune = commands.findIndex((command) => /^npm prune\b/.test(command.text) && /--omit[= ]dev|--production/.test(command.text));
  const problems: string[] = [];
  if (ci < 0) problems.push(`${where}: no \`npm ci\``);
  if (ci >= 0 && SKIPS_DEV_DEPENDENCIES.test(` ${commands[ci].text}`)) {
    problems.push(`${dockerfile.label} line ${commands[ci].line}: \`${commands[ci].text}\` skips devDependencies, but the build needs them (TypeScript is one); prune after building instead`);
  }
  if (envOf(dockerfile, stage).NODE_ENV === "production") {
    problems.push(`${where}: NODE_ENV=production makes \`npm ci\` skip devDependencies, which the build needs`);
  }
  if (build < 0) problems.push(`${where}: no \`npm run build\``);
  if (ci >= 0 && build >= 0 && build < ci) problems.push(`${where}: \`npm run build\` runs before \`npm ci\``);
  if (prune < 0) problems.push(`${where}: no \`npm prune --omit=dev\` after the build, so devDependencies reach the runtime image`);
  if (prune >= 0 && build >= 0 && prune < build) problems.push(`${where}: \`npm prune\` runs before \`npm run build\`, which needs the dev dependencies`);
  return problems;
}

/** The final stage installs no packages with npm: it copies the build stage's pruned node_modules. */
export function runtimeInstallProblems(dockerfile: ParsedDockerfile): string[] {
  const stage = finalStage(dockerfile);
  return shellCommands(dockerfile, stage)
    .filter((command) => /^npm (ci|install|i|add)\b/.test(command.text) || /^yarn( install)?$/.test(command.text))
    .map((command) => `${dockerfile.label} line ${command.line}: the runtime stage runs \`${command.text}\`; copy the pruned node_modules from the build stage instead`);
}

/**
 * In every stage that runs `cargo build --lib`, a later command of the same stage must fail the
 * build when the shared library was not produced (it is not, unless the crate is a cdylib).
 */
export function sharedLibraryCheckProblems(dockerfile: ParsedDockerfile, library: string): string[] {
  const problems: string[] = [];
  for (const stage of dockerfile.stages) {
    const commands = shellCommands(dockerfile, stage);
    const build = commands.findIndex((command) => /^cargo build\b.*\s--lib\b/.test(command.text));
    if (build < 0) continue;
    const check = commands.findIndex((command, index) => index > build && /^test -[fe] \S*/.test(command.text) && command.text.includes(library));
    const fails = check >= 0 && commands.slice(check + 1).some((command) => /^exit [1-9]/.test(command.text));
    if (!fails) {
      problems.push(`${dockerfile.label} line ${commands[build].line}: \`${commands[build].text}\` is not followed by a check that fails the build when ${library} is missing (it is built only for a cdylib crate)`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What ends up in the image

export interface PathOrigin {
  /** `--from` of the COPY that puts the path there; undefined for the build context. */
  from: string | undefined;
  /** Path in that source: relative to the context root, or absolute in the stage. */
  path: string;
  instruction: Instruction;
}

/**
 * Whether a COPY source is a directory, whose contents Docker copies into the destination. Context
 * sources are looked up in the fixture; a stage's files are unknown here, so a stage source counts
 * as a directory only when it is the COPY's single source.
 */
function isDirectorySource(copy: CopySource, source: string): boolean {
  if (copy.from !== undefined) return copy.sources.length === 1;
  const full = path.join(APP_REPO_FIXTURE, source);
  return existsSync(full) && statSync(full).isDirectory();
}

/**
 * Which COPY puts `imagePath` into the stage and where it comes from, or undefined. The last COPY
 * wins; a directory source copies its contents into the destination, as Docker does.
 */
export function originOf(dockerfile: ParsedDockerfile, stage: Stage, imagePath: string): PathOrigin | undefined {
  const stageCopies = copies(dockerfile).filter((copy) => copy.stage === stage).reverse();
  for (const copy of stageCopies) {
    const index = stage.instructions.indexOf(copy.instruction);
    const destination = path.posix.resolve(workdirAfter(dockerfile, stage, index), copy.destination);
    const intoDirectory = copy.destination.endsWith("/") || copy.sources.length > 1;
    for (const source of copy.sources) {
      const origin = (sourcePath: string): PathOrigin => ({ from: copy.from, path: sourcePath, instruction: copy.instruction });
      if (imagePath === destination) return origin(source);
      if (!imagePath.startsWith(`${destination}/`)) continue;
      const rest = imagePath.slice(destination.length + 1);
      if (intoDirectory && rest === path.posix.basename(source)) return origin(source);
      if (isDirectorySource(copy, source)) return origin(path.posix.join(source, rest));
    }
  }
  return undefined;
}

function exposedPortsOf(dockerfile: ParsedDockerfile): number[] {
  return finalStage(dockerfile)
    .instructions.filter((instruction) => instruction.getKeyword() === "EXPOSE")
    .flatMap((instruction) => instruction.getArguments().map((argument) => Number(argument.getValue().split("/")[0])))
    .sort((a, b) => a - b);
}

/** Ports the final stage EXPOSEs, ascending, e.g. `[8000, 8001]`. */
export function exposedPorts(dockerfilePath: string): number[] {
  return exposedPortsOf(loadDockerfile(dockerfilePath));
}
