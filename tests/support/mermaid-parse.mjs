// Parses the Mermaid diagram on stdin with Mermaid's own parser (mermaid.parse), in Node with jsdom as its DOM,
// and prints {"ok":true,"type":...} or {"ok":false,"error":...}; given a JSON array of diagrams instead, prints an
// array of those (one process, and one Mermaid load, for several). Run by the tests as a child process: Mermaid is
// an ES module only, which jest's CommonJS runtime does not load.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

async function check(text) {
  try {
    const result = await mermaid.parse(text);
    return { ok: true, type: result.diagramType };
  } catch (e) {
    return { ok: false, error: String(e?.message ?? e) };
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
let many;
try {
  many = input.trimStart().startsWith("[") ? JSON.parse(input) : undefined;
} catch {
  many = undefined;
}
const results = [];
for (const text of many ?? [input]) results.push(await check(text));
process.stdout.write(JSON.stringify(many ? results : results[0]));
