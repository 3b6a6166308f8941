/**
 * scripts/stack-secrets.sh, run by bash against a stand-in for the AWS CLI that keeps secrets in a folder and
 * records every call: a value read from stdin becomes the secret's current value under its fixed name, created the
 * first time and put afterwards, and it never appears in an argument or in the output.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SYSTEM_REGISTRY } from "../components/systems/registry";
import { ROOT } from "./support/harness";

const SCRIPT = path.join(ROOT, "scripts", "stack-secrets.sh");

// The AWS CLI as it behaves for these calls: describe-secret fails for an unknown name; create-secret and
// put-secret-value read the value from the file:// path they are given and answer with a version id.
const AWS_STAND_IN = `#!/bin/bash
echo "aws $*" >> "$CALLS"
op="$2"; shift 2
name=""; file=""
while (($#)); do
  case "$1" in
    --secret-id|--name) name="$2"; shift 2 ;;
    --secret-string) file="\${2#file://}"; shift 2 ;;
    *) shift ;;
  esac
done
store="$STORE/\${name//\\//_}"
case "$op" in
  describe-secret) [[ -f "$store" ]] || { echo "ResourceNotFoundException" >&2; exit 254; }; echo "$name" ;;
  create-secret|put-secret-value)
    stat -c %a "$file" >> "$MODES"
    cp "$file" "$store"; echo "v-$(wc -l < "$CALLS")" ;;
  *) echo "unexpected aws $op" >&2; exit 2 ;;
esac
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
  stored: Record<string, string>;
  modes: string[];
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-secrets-"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.mkdirSync(path.join(dir, "store"));
  fs.writeFileSync(path.join(dir, "bin", "aws"), AWS_STAND_IN, { mode: 0o755 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[], input: string): Run {
  const calls = path.join(dir, "calls");
  const modes = path.join(dir, "modes");
  fs.writeFileSync(calls, "");
  fs.writeFileSync(modes, "");
  const r = spawnSync("bash", [SCRIPT, ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, CALLS: calls, STORE: path.join(dir, "store"), MODES: modes },
  });
  const storeDir = path.join(dir, "store");
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    calls: fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean),
    stored: Object.fromEntries(fs.readdirSync(storeDir).map((f) => [f.replace(/_/g, "/"), fs.readFileSync(path.join(storeDir, f), "utf8")])),
    modes: fs.readFileSync(modes, "utf8").trim().split("\n").filter(Boolean),
  };
}

it("creates each secret under the name the program looks for, with the value from stdin and nothing else", () => {
  const r = run(["staging", "geminiApiKey", "supabaseJwtSecret"], "gm-secret-1\njwt-secret-2\n");
  expect(r.status).toBe(0);
  expect(r.stored).toEqual({ "ai-platform/staging/geminiApiKey": "gm-secret-1", "ai-platform/staging/supabaseJwtSecret": "jwt-secret-2" });
  expect(r.calls.filter((c) => c.includes("create-secret"))).toHaveLength(2);
  expect(r.calls.find((c) => c.includes("create-secret"))).toContain("--tags Key=ai-platform:stack,Value=staging Key=ai-platform:secret,Value=geminiApiKey");
});

it("never puts a value into an argument or the output, and hands it over in a file only its user can read", () => {
  const r = run(["prod", "googleApiKey"], "very-secret-google-key\n");
  expect(r.status).toBe(0);
  for (const text of [...r.calls, r.stdout, r.stderr]) expect(text).not.toContain("very-secret-google-key");
  expect(r.modes).toEqual(["600"]);
  expect(r.stdout).toContain("ai-platform/prod/googleApiKey: created, current version");
});

it("puts a new current version into a secret that exists (a rotation), without creating another", () => {
  run(["prod", "googleApiKey"], "first\n");
  const r = run(["prod", "googleApiKey"], "second\n");
  expect(r.status).toBe(0);
  expect(r.calls.filter((c) => c.includes("create-secret"))).toEqual([]);
  expect(r.calls.filter((c) => c.includes("put-secret-value"))).toHaveLength(1);
  expect(r.stored["ai-platform/prod/googleApiKey"]).toBe("second");
  expect(r.stdout).toContain("ai-platform/prod/googleApiKey: new current version");
});

it("refuses an empty value and changes nothing", () => {
  const r = run(["staging", "geminiApiKey"], "\n");
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("no value for geminiApiKey on standard input");
  expect(r.stored).toEqual({});
});

it("refuses a key that is not an operator secret, before reading anything; it knows exactly the systems' secrets", () => {
  const r = run(["staging", "supabaseAnonKey"], "x\n");
  expect(r.status).toBe(2);
  const keys = SYSTEM_REGISTRY.flatMap((s) => (s.operatorSecrets ?? []).map((o) => o.key));
  expect(r.stderr).toContain(`supabaseAnonKey is not an operator secret; use one of ${keys.join(" ")}`);
  expect(r.calls).toEqual([]);
});
