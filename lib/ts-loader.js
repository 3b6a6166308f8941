/**
 * Lets Node's require load TypeScript (transpile only; tsgo and `tsc --noEmit` type-check): the loader of the
 * program runner (lib/program-runner.ts) and of the scripts (`node -r ./lib/ts-loader.js scripts/plan.ts`).
 *
 * Plain JavaScript, so that Node can load it before any TypeScript. It installs itself once, unless a loader such
 * as ts-node already handles `.ts`. The output is TypeScript's own `transpileModule` with fixed options, kept in
 * memory and under node_modules/.cache by the source's hash: transpiling the hundred files of a run was half of
 * the offline plan's time, and a file is the same JavaScript until its text or the compiler changes.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

/** What the project's TypeScript becomes: CommonJS, as `module: node16` gives for a package without `"type": "module"`. */
const OPTIONS = { module: "CommonJS", target: "ES2022", esModuleInterop: true, sourceMap: false };
const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "ai-platform-ts");

let ts;
const compiler = () => (ts ??= require("typescript"));
/** The compiler's version, read without loading the compiler: part of every cache key. */
const COMPILER_VERSION = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;

const memory = new Map();

/** The JavaScript of a TypeScript source: from memory, the disk cache, or the compiler (then stored in both). */
function transpile(source, filename) {
  const hash = crypto.createHash("sha1").update(`${COMPILER_VERSION}\0${JSON.stringify(OPTIONS)}\0${source}`).digest("hex");
  let code = memory.get(hash);
  if (code !== undefined) return code;
  const file = path.join(CACHE_DIR, `${hash}.js`);
  try {
    code = fs.readFileSync(file, "utf8");
  } catch {
    const t = compiler();
    code = t.transpileModule(source, {
      fileName: filename,
      compilerOptions: { ...OPTIONS, module: t.ModuleKind[OPTIONS.module], target: t.ScriptTarget[OPTIONS.target] },
    }).outputText;
    store(file, code);
  }
  memory.set(hash, code);
  return code;
}

/** Writes then renames (a concurrent process never reads half a file); a cache that cannot be written is skipped. */
function store(file, code) {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file);
  } catch {
    // Read-only checkout: every process transpiles for itself.
  }
}

if (!Module._extensions[".ts"]) {
  Module._extensions[".ts"] = (module, filename) => module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
}

module.exports = { transpile };
