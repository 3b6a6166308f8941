import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * The `aws` and `pulumi` commands the docs tell an operator to run, as argument lists, read from the fenced code
 * blocks and the inline code spans of README.md, docs/*.md and policy/README.md.
 */

const ROOT = path.resolve(__dirname, "..", "..");

/** Every page of the docs, relative to the repository root. */
export function docPages(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort(), "policy/README.md"];
}

/** One command of a page: where it is, its words, and the program it runs in (the bootstrap's, after `cd bootstrap`). */
export interface DocCommand {
  page: string;
  line: number;
  text: string;
  argv: string[];
  program: "ai-platform" | "bootstrap";
}

/** The code of a page: each fenced block's lines (continuations joined) and each inline code span, with its line. */
function codeOf(markdown: string): { line: number; code: string; block: number }[] {
  const out: { line: number; code: string; block: number }[] = [];
  let fence: string | undefined;
  let block = 0;
  let pending: { line: number; code: string } | undefined;
  markdown.split("\n").forEach((text, i) => {
    const marker = /^\s*(```+)/.exec(text);
    if (marker) {
      fence = fence === undefined ? marker[1] : undefined;
      block++;
      return;
    }
    if (fence !== undefined) {
      const joined = pending ? `${pending.code} ${text.trim()}` : text;
      if (joined.endsWith("\\")) pending = { line: pending?.line ?? i + 1, code: joined.slice(0, -1) };
      else {
        out.push({ line: pending?.line ?? i + 1, code: joined, block });
        pending = undefined;
      }
      return;
    }
    for (const m of text.matchAll(/(`+)(.+?)\1/g)) out.push({ line: i + 1, code: m[2], block: -1 - out.length });
  });
  return out;
}

/** One simple command's words, and whether it runs inside a command substitution (a `cd` there ends with it). */
interface SimpleCommand {
  argv: string[];
  nested: boolean;
}

/** The index of the `)` that closes a `$(` whose content starts at `from`, quotes respected. */
function closingParen(code: string, from: number): number {
  let depth = 1;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === "'" || c === '"') {
      const close = code.indexOf(c, i + 1);
      i = close < 0 ? code.length : close;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return code.length;
}

/**
 * A line of shell as its simple commands: quotes removed, a `<placeholder with spaces>` one word, a command
 * substitution one word of its command and commands of its own; `|`, `;`, `&&`, `||` and `#` end a command.
 */
function simpleCommands(code: string, nested = false): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let argv: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) argv.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (argv.length) commands.push({ argv, nested });
    argv = [];
  };
  const substitution = (from: number): number => {
    const close = closingParen(code, from);
    commands.push(...simpleCommands(code.slice(from, close), true));
    word = (word ?? "") + "$(…)";
    return close;
  };
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === "\\") word = (word ?? "") + (code[++i] ?? "");
    else if (c === "'") {
      const close = code.indexOf("'", i + 1);
      word = (word ?? "") + code.slice(i + 1, close < 0 ? code.length : close);
      i = close < 0 ? code.length : close;
    } else if (c === '"') {
      word = word ?? "";
      for (i++; i < code.length && code[i] !== '"'; i++) {
        if (code[i] === "\\") word += code[++i] ?? "";
        else if (code[i] === "$" && code[i + 1] === "(") i = substitution(i + 2);
        else word += code[i];
      }
    } else if (c === "$" && code[i + 1] === "(") i = substitution(i + 2);
    else if (c === "<" && /^<[^<>]+>/.test(code.slice(i))) {
      const close = code.indexOf(">", i);
      word = (word ?? "") + code.slice(i, close + 1);
      i = close;
    } else if (c === "#" && word === undefined) break;
    else if (c === "|" || c === ";" || c === "&" || c === ")") {
      endCommand();
      if ((c === "|" || c === "&") && code[i + 1] === c) i++;
    } else if (/\s/.test(c)) endWord();
    else word = (word ?? "") + c;
  }
  endCommand();
  return commands;
}

/** The `aws` and `pulumi` commands of every page (a bare `aws` or `pulumi` in prose names the tool, no command). */
export function docCommands(): DocCommand[] {
  const found: DocCommand[] = [];
  for (const page of docPages()) {
    let program: DocCommand["program"] = "ai-platform";
    let block = 0;
    // The generated config table (docs/config.md) is config-schema.ts's descriptions, which name operations.
    const markdown = fs.readFileSync(path.join(ROOT, page), "utf8").replace(/<!-- config-table:start[\s\S]*?<!-- config-table:end -->/, "");
    for (const code of codeOf(markdown)) {
      if (code.block !== block) program = "ai-platform";
      block = code.block;
      let here: DocCommand["program"] = program;
      for (const { argv: words, nested } of simpleCommands(code.code)) {
        let argv = words;
        while (argv.length && /^[A-Z_]+=/.test(argv[0])) argv = argv.slice(1);
        if (argv[0] === "cd") {
          here = argv[1] === "bootstrap" ? "bootstrap" : argv[1] === ".." ? "ai-platform" : here;
          if (!nested) program = here;
        }
        if ((argv[0] === "aws" || argv[0] === "pulumi") && argv.length > 1) found.push({ page, line: code.line, text: code.code.trim(), argv, program: here });
        if (!nested) here = program;
      }
    }
  }
  return found;
}

/** Every resource URN the docs' code names, in a command or assigned to a variable, with its page and line. */
export function docUrns(): { page: string; line: number; urn: string }[] {
  return docPages().flatMap((page) =>
    codeOf(fs.readFileSync(path.join(ROOT, page), "utf8")).flatMap((code) =>
      simpleCommands(code.code)
        .flatMap((c) => c.argv)
        .map((word) => word.replace(/^[A-Z_]+=/, ""))
        .filter((word) => word.startsWith("urn:pulumi:"))
        .map((urn) => ({ page, line: code.line, urn })),
    ),
  );
}

/** The options an argument list gives (`--name` of `--name value` and `--name=value`). */
export const optionsOf = (argv: string[]): string[] => argv.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]);

/** The words of a command that are not options or option values, after its program name. */
export function positionalsOf(argv: string[], flags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i].startsWith("-")) {
      if (!argv[i].includes("=") && !flags.has(argv[i]) && argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** Pulumi options that take no value (the rest of a command's `--x y` pairs take one). */
export const PULUMI_FLAGS: ReadonlySet<string> = new Set([
  "--json", "--path", "--secret", "--plaintext", "--show-secrets", "--show-urns", "--all", "--force", "--yes",
  "--target-dependents", "--expect-no-changes", "--refresh", "--local", "--show-name",
]);

/** The outputs `pulumi stack output <name>` reads in the docs, for one program (ai-platform's or the bootstrap's). */
export function documentedStackOutputs(program: DocCommand["program"]): { where: string; name: string }[] {
  return docCommands()
    .filter((c) => c.program === program && c.argv[0] === "pulumi")
    .map((c) => ({ c, words: positionalsOf(c.argv, PULUMI_FLAGS) }))
    .filter(({ words }) => words[0] === "stack" && words[1] === "output" && words[2] !== undefined)
    .map(({ c, words }) => ({ where: `${c.page}:${c.line}`, name: words[2] }));
}

/** What botocore's service model says about each AWS CLI operation (tests/support/botocore-operations.py). */
export interface OperationModel {
  service: boolean;
  operation?: boolean;
  options?: string[];
  required?: string[];
  booleans?: string[];
}

/**
 * The interpreter that has botocore, by its own path once botocoreAvailable has found it: `python3` on PATH may be
 * a pyenv shim, a shell script that costs 0.1 s a start.
 */
let python = "python3";

export function botocoreOperations(pairs: [string, string][]): Record<string, OperationModel> {
  const script = path.join(__dirname, "botocore-operations.py");
  return JSON.parse(execFileSync(python, [script], { input: JSON.stringify(pairs), encoding: "utf8" }));
}

/** Whether python3 can import botocore; outside CI a missing module skips with its install line (tools.ts's rule). */
export function botocoreAvailable(installHint: string): boolean {
  try {
    python = execFileSync("python3", ["-c", "import sys, botocore; print(sys.executable)"], { encoding: "utf8", stdio: "pipe" }).trim();
    return true;
  } catch {
    if (process.env.CI === "true") throw new Error(`python3's botocore is required under CI=true; install it with: ${installHint}`);
    process.stdout.write(`skipping tests that need python3's botocore: install it with \`${installHint}\`\n`);
    return false;
  }
}
