// Parses the Mermaid diagram on stdin with Mermaid's own parser (mermaid.parse), in Node with jsdom as its DOM,
// and prints {"ok":true,"type":...} or {"ok":false,"error":...}. Run by tests/diagram.test.ts as a child
// process: Mermaid is an ES module only, which jest's CommonJS runtime does not load.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let text = "";
for await (const chunk of process.stdin) text += chunk;
try {
  const result = await mermaid.parse(text);
  process.stdout.write(JSON.stringify({ ok: true, type: result.diagramType }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e?.message ?? e) }));
}
