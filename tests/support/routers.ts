/**
 * What path a Node.js app routes a raw request target to, read the ways Node routers read it, and the spellings
 * of a path that the tests try against the web ACL.
 *
 * Node's HTTP server hands the app the request target as sent (`req.url`). Routers then match it as it is
 * (Express, path-to-regexp), decode it first, merge repeated slashes and decode (find-my-way with
 * `ignoreDuplicateSlashes`), parse it with WHATWG URL (`new URL(req.url, base)`: `\` is `/`, dot segments are
 * resolved, `%2e` counts as `.`, nothing else is decoded), or parse and decode in either order.
 * Matching is case-insensitive and a trailing slash is ignored, as in Express's defaults. A path "reaches" a prefix
 * when any of these readings starts with it: the app's router is one of them, and the web ACL must not depend on
 * which.
 */

/** One way a Node router turns a request target into the path it matches; undefined when it answers 400. */
export const ROUTER_READINGS: Record<string, (target: string) => string | undefined> = {
  raw: (t) => t,
  decoded: (t) => decode(t),
  "slashes merged, then decoded": (t) => decode(t.replace(/\/{2,}/g, "/")),
  whatwg: (t) => whatwg(t),
  "whatwg, then decoded": (t) => decode(whatwg(t)),
  "decoded, then whatwg": (t) => whatwg(decode(t)),
};

function decode(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function whatwg(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return new URL(path, "http://x").pathname;
  } catch {
    return undefined;
  }
}

/** The readings under which `target` (query stripped) routes to `prefix` or below it; [] when none does. */
export function readingsReaching(target: string, prefix: string): string[] {
  const path = target.split("?")[0];
  const below = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(/|$)`, "i");
  return Object.entries(ROUTER_READINGS)
    .filter(([, read]) => {
      const routed = read(path);
      return routed !== undefined && below.test(routed);
    })
    .map(([name]) => name);
}

/**
 * Spellings of `/api/keys` and its neighbours built from parts an attacker combines: a lead that a dot segment
 * removes, a separator between the segments (slashes, backslashes, their encodings, self- and back-references,
 * back-references across an encoded slash), the segments' case and percent-encoding, and a tail (a trailing slash, a
 * sub-path, back-references that only a decoding reader sees, a query). Every combination of lead, separators and
 * tail, with the segments' spellings taken in turn.
 */
export function keyApiSpellings(): string[] {
  const leads = ["", "/x/..", "/x/%2e%2e", "\\x\\..", "/x%2fy/.%2E", "/.."];
  const separators = ["/", "\\", "//", "/./", "/%2e/", "%2f", "%5C", "%5c\\", "/x/../", "/x/%2E%2e/", "\\x\\..\\", "/x%2fy/../", "/x%2fy/%2e%2e/"];
  const api = ["api", "API", "aPi", "%61pi", "%41%50%49"];
  const keys = ["keys", "KEYS", "Keys", "%6beys", "k%45Y%73"];
  const tails = ["", "/", "\\", "//", "/tenant-1", "/..%2f..%2fx", "/%2e%2e%5c%2e%2e%5cx", "/x%2f%2e%2e%2f%2e%2e", "/.", "?tenant=1"];
  const out: string[] = [];
  let i = 0;
  for (const lead of leads)
    for (const first of separators)
      for (const second of separators)
        for (const tail of tails) {
          out.push(`${lead}${first}${api[i % api.length]}${second}${keys[(i >> 1) % keys.length]}${tail}`);
          i++;
        }
  return out;
}
