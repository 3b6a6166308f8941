/**
 * The house keeps its shape (README, "Layout"): no import cycle in the product code, no file of components/ over
 * 350 lines, no product function over 100 lines, and each folder of components/ imports only from the layers
 * below it. Computed from the code with TypeScript's own parser, so a new file is held to it without a list.
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { ROOT } from "./support/harness";

// jest maps "typescript" away for the program runs (jest.config.js); the parser itself is loaded by its file.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require("typescript/lib/typescript.js") as typeof import("typescript");
type Node = import("typescript").Node;

const PRODUCT = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("tests/") && fs.existsSync(path.join(ROOT, f)));

const sources = new Map<string, import("typescript").SourceFile>();
/** A product file's syntax tree, parsed once for all the checks. */
function parsed(file: string): import("typescript").SourceFile {
  if (!sources.has(file)) sources.set(file, ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true));
  return sources.get(file)!;
}

/** The project files a file imports (relative specifiers that resolve to a .ts file). */
function importsOf(file: string): string[] {
  const source = parsed(file);
  const out: string[] = [];
  const visit = (node: Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const spec = node.moduleSpecifier.text;
      if (spec.startsWith(".")) {
        const base = path.normalize(path.join(path.dirname(file), spec));
        const found = [`${base}.ts`, path.join(base, "index.ts")].find((c) => fs.existsSync(path.join(ROOT, c)));
        if (found) out.push(found);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Functions, methods and constructors longer than `limit` lines, with their names. */
function longFunctions(file: string, limit: number): string[] {
  const source = parsed(file);
  const found: string[] = [];
  const visit = (node: Node) => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node)) {
      const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const name = ts.isConstructorDeclaration(node) ? "constructor" : (node.name?.getText(source) ?? "(anonymous)");
      if (lines > limit) found.push(`${file}: ${name} ${lines} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

it("has no import cycle in the product code", () => {
  const graph = new Map(PRODUCT.map((f) => [f, importsOf(f)]));
  const cycles: string[] = [];
  const visit = (file: string, trail: string[], done: Set<string>) => {
    for (const next of graph.get(file) ?? []) {
      if (trail.includes(next)) cycles.push([...trail.slice(trail.indexOf(next)), next].join(" -> "));
      else if (!done.has(next)) {
        done.add(next);
        visit(next, [...trail, next], done);
      }
    }
  };
  for (const file of graph.keys()) visit(file, [file], new Set([file]));
  expect(cycles).toEqual([]);
});

it("keeps every file of components/ at 350 lines or fewer", () => {
  const long = PRODUCT.filter((f) => f.startsWith("components/")).filter((f) => fs.readFileSync(path.join(ROOT, f), "utf8").split("\n").length > 350);
  expect(long).toEqual([]);
});

it("keeps every product function at 100 lines or fewer", () => {
  expect(PRODUCT.flatMap((f) => longFunctions(f, 100))).toEqual([]);
});

it("lets each folder of components/ import only from the layers below it", () => {
  const LAYERS = ["shared", "resources", "service", "platform", "systems"];
  const layerOf = (f: string) => (f === "components/stack.ts" ? LAYERS.length : LAYERS.indexOf(f.split("/")[1]));
  const upward = PRODUCT.filter((f) => f.startsWith("components/")).flatMap((f) =>
    importsOf(f)
      .filter((t) => t.startsWith("components/") && layerOf(t) > layerOf(f))
      .map((t) => `${f} -> ${t}`),
  );
  expect(upward).toEqual([]);
});

/**
 * What a module does when it is evaluated, beyond declaring: a `let` or `var`, a statement that runs, or a constant
 * that holds a mutable collection or reads the stack, its config or the environment.
 */
function evaluationEffects(file: string): string[] {
  const source = parsed(file);
  const found: string[] = [];
  const reads = /\b(process\.(env|argv|cwd)|pulumi\.(get\w+|Config)\b|new (Map|Set|WeakMap|WeakSet)\b)/;
  for (const statement of source.statements) {
    const line = source.getLineAndCharacterOfPosition(statement.getStart()).line + 1;
    if (ts.isVariableStatement(statement)) {
      if (!(statement.declarationList.flags & ts.NodeFlags.Const)) found.push(`${file}:${line}: a module-level let or var`);
      for (const d of statement.declarationList.declarations) {
        const text = d.initializer?.getText(source) ?? "";
        // Functions read what they read when called, not when the module is evaluated.
        const evaluated = d.initializer && !ts.isArrowFunction(d.initializer) && !ts.isFunctionExpression(d.initializer);
        if (evaluated && reads.test(text)) found.push(`${file}:${line}: ${d.name.getText(source)} = ${reads.exec(text)![0]}... at evaluation`);
      }
    } else if (ts.isExpressionStatement(statement) || ts.isIfStatement(statement) || ts.isForStatement(statement) || ts.isForOfStatement(statement)) {
      found.push(`${file}:${line}: a statement that runs at evaluation`);
    }
  }
  return found;
}

it("keeps the program's modules to declarations, so the runner may keep them loaded from one run to the next", () => {
  // lib/program-runner.ts evaluates a run's entry (index.ts) afresh and keeps the modules it imports while their
  // files are unchanged: a module that held state or read the stack when evaluated would carry one run into the next.
  const modules = PRODUCT.filter((f) => !/^(lib|scripts|policy|bootstrap)\//.test(f) && f !== "index.ts");
  expect(modules.length).toBeGreaterThan(40);
  expect(modules.flatMap(evaluationEffects)).toEqual([]);
});
