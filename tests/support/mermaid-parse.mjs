// Parses the Mermaid diagram on stdin with Mermaid's own parser (mermaid.parse) and prints {"ok":true,"type":...}
// or {"ok":false,"error":...}; given a JSON array of diagrams instead, prints an array of those (one process, and
// one Mermaid load, for several). Run by the tests as a child process: Mermaid is an ES module only, which jest's
// CommonJS runtime does not load.
//
// Mermaid is loaded from its bundled ES module build (dist/mermaid.esm.mjs: the same version and source as the
// package's entry, with its dependencies bundled in), not from the entry, which imports d3, cytoscape, KaTeX and the
// rest file by file from node_modules: the bundle loads in under a tenth of a second, the entry in half a second.
// The DOM stays: Mermaid's DOMPurify takes the window it finds when it loads, and sanitizes label text with it.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid/dist/mermaid.esm.mjs");

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
