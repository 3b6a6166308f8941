/**
 * A reading of WAFV2 rule statements, to ask what a captured web ACL does with a request: the text
 * transformations as the WAF developer guide defines them, byte matches on the URI path or a header, IP set
 * references (resolved to the captured IP set by ARN), and AND / OR / NOT. Rate-based and managed-group
 * statements are not evaluated (they depend on traffic and on AWS's rules); a rule holding one is skipped.
 */
import { Captured } from "./harness";

export interface Request {
  /** The raw path as the client sent it, percent-encoding and all. */
  path: string;
  sourceIp: string;
  headers?: Record<string, string>;
}

/**
 * WAF's transformations, per "Text transformation options" in the WAF developer guide and the TextTransformation
 * type of the WAFV2 API reference (https://docs.aws.amazon.com/waf/latest/APIReference/API_TextTransformation.html).
 */
const TRANSFORMS: Record<string, (s: string) => string> = {
  NONE: (s) => s,
  LOWERCASE: (s) => s.toLowerCase(),
  // Decodes %XX sequences; an invalid sequence stays as it is (WAF does not fail the request).
  URL_DECODE: (s) => s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  // Removes multiple slashes, self-references (/./) and back-references (/x/../) not at the start of the input.
  NORMALIZE_PATH: (s) => {
    let out = s.replace(/\/{2,}/g, "/");
    let prev;
    do {
      prev = out;
      out = out.replace(/\/\.(\/|$)/g, "/").replace(/\/(?!\.\.\/)[^/]+\/\.\.(\/|$)/g, "/");
    } while (out !== prev);
    return out;
  },
  // "This is the same as NORMALIZE_PATH, but first converts backslash characters to forward slashes" (API reference).
  NORMALIZE_PATH_WIN: (s) => TRANSFORMS.NORMALIZE_PATH(s.replace(/\\/g, "/")),
};

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

export class Unevaluated extends Error {}

/** Whether `statement` matches `request`, with IP sets looked up among `resources`. */
export function matches(statement: any, request: Request, resources: Captured[]): boolean {
  if (statement.andStatement) return statement.andStatement.statements.every((s: any) => matches(s, request, resources));
  if (statement.orStatement) return statement.orStatement.statements.some((s: any) => matches(s, request, resources));
  if (statement.notStatement) return !matches(statement.notStatement.statement, request, resources);
  if (statement.ipSetReferenceStatement) {
    const set = resources.find((r) => r.type === "aws:wafv2/ipSet:IpSet" && r.state.arn === statement.ipSetReferenceStatement.arn);
    if (!set) throw new Error(`no IP set with ARN ${statement.ipSetReferenceStatement.arn}`);
    return (set.inputs.addresses ?? []).some((cidr: string) => ipInCidr(request.sourceIp, cidr));
  }
  if (statement.byteMatchStatement) {
    const b = statement.byteMatchStatement;
    let value: string;
    if (b.fieldToMatch.uriPath) value = request.path.split("?")[0];
    else if (b.fieldToMatch.singleHeader) value = request.headers?.[b.fieldToMatch.singleHeader.name] ?? "";
    else throw new Unevaluated(`field ${Object.keys(b.fieldToMatch)}`);
    for (const t of [...(b.textTransformations ?? [])].sort((x: any, y: any) => x.priority - y.priority)) {
      const transform = TRANSFORMS[t.type];
      if (!transform) throw new Unevaluated(`transformation ${t.type}`);
      value = transform(value);
    }
    const search: string = b.searchString;
    switch (b.positionalConstraint) {
      case "EXACTLY": return value === search;
      case "STARTS_WITH": return value.startsWith(search);
      case "ENDS_WITH": return value.endsWith(search);
      case "CONTAINS": return value.includes(search);
      default: throw new Unevaluated(`positional constraint ${b.positionalConstraint}`);
    }
  }
  throw new Unevaluated(Object.keys(statement).join(", "));
}

/** The name of the first rule, in priority order, that blocks `request`; rules WAF must evaluate with traffic are skipped. */
export function blockingRule(webAcl: Captured, request: Request, resources: Captured[]): string | undefined {
  for (const rule of [...webAcl.inputs.rules].sort((a: any, b: any) => a.priority - b.priority)) {
    if (!rule.action?.block) continue;
    try {
      if (matches(rule.statement, request, resources)) return rule.name;
    } catch (e) {
      if (!(e instanceof Unevaluated)) throw e;
    }
  }
  return undefined;
}
