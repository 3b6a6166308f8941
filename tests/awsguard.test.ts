/**
 * Pulumi's AWS policy library (@pulumi/awsguard) as an independent check over both stacks as the program registers
 * them (tests/support/awsguard.ts says why it runs here and not in the pack): no violation of any rule it enforces.
 * The rules it turns off are shown to be wrong for @pulumi/aws 7 or out of support, and the rule that replaces one
 * to hold and to fire.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { AWSGUARD_OVERRIDES, awsGuardConfig, awsGuardPolicies } from "./support/awsguard";
import { s3BucketsLogAccess } from "../policy/rules";
import { Captured, ProgramRun, StackName, runProgram } from "./support/harness";
import { Rule, copyResources, propsOf, runPolicies } from "./support/policy";

// AWSGuard loads the AWS SDK for JavaScript v2 (out of support) for its three rules that call AWS. None of them may
// run here: ACM's is off (AWSGUARD_OVERRIDES) and the IAM ones only look at IAM users' keys and logins, which no
// stack has. The stand-in proves that: any client it is asked for fails the test.
jest.mock("aws-sdk", () => new Proxy({}, { get: (_, client) => { throw new Error(`AWSGuard asked for the AWS SDK v2 client ${String(client)}`); } }));

const runs = {} as Record<StackName, ProgramRun>;

beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

/**
 * AWSGuard reads the region once, as its modules load: from the stack's `aws:region`, else AWS_REGION.
 */
function loadAwsGuard(): Rule[] {
  const before = process.env.AWS_REGION;
  process.env.AWS_REGION = "eu-west-1";
  try {
    return awsGuardPolicies();
  } finally {
    if (before === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = before;
  }
}
const ALL = loadAwsGuard();
const enforced = (): Rule[] => ALL.filter((p) => awsGuardConfig()[p.name] !== "disabled");
const named = (name: string): Rule => ALL.find((p) => p.name === name)!;

/** A copy of a stack's resources with one change, as the rules would see it. */
function broken(stack: StackName, breakIt: (resources: Captured[]) => void): Captured[] {
  const resources = copyResources(runs[stack].resources).map((r) => {
    const props = propsOf(r);
    return { ...r, inputs: props, state: props };
  });
  breakIt(resources);
  return resources;
}

describe("AWSGuard, beside the pack", () => {
  it("is the whole library: every rule of its seven modules, each name once", () => {
    const names = ALL.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["efs-encrypted", "s3-bucket-logging-enabled", "cmk-backing-key-rotation-enabled", "acm-certificate-expiration"]));
  });

  it("names each rule it lowers, with a one-line reason, and only rules AWSGuard has", () => {
    for (const [name, o] of Object.entries(AWSGUARD_OVERRIDES)) {
      expect(ALL.map((p) => p.name)).toContain(name);
      expect(o.reason).not.toMatch(/\n/);
      expect(o.reason.length).toBeGreaterThan(40);
    }
  });

  it.each<StackName>(["prod", "staging"])("finds nothing in %s that the pack does not explain", async (stack) => {
    const violations = await runPolicies(enforced(), runs[stack].resources);
    // Only advisory rules may report, each lowered in AWSGUARD_OVERRIDES with its reason: in staging, the NAT
    // instance's public address. Prod reports nothing at all.
    for (const v of violations) expect(AWSGUARD_OVERRIDES[v.policy]?.enforcementLevel).toBe("advisory");
    expect(violations.map((v) => `${v.policy} ${v.urn?.split("::").pop()}`)).toEqual(stack === "staging" ? ["ec2-instance-no-public-ip network-nat"] : []);
  });
});

describe("what AWSGuard would refuse", () => {
  it("a file system without a customer-managed key (efs-encrypted)", async () => {
    const resources = broken("prod", (rs) => {
      delete rs.find((r) => r.type === "aws:efs/fileSystem:FileSystem" && r.name === "gateway")!.inputs.kmsKeyId;
    });
    expect(await runPolicies([named("efs-encrypted")], resources)).toEqual([
      expect.objectContaining({ message: "Amazon Elastic File System must have a KMS Key defined." }),
    ]);
  });

  it("a key without rotation (cmk-backing-key-rotation-enabled): every key of the stack rotates", async () => {
    const keys = runs.prod.ofType("aws:kms/key:Key");
    expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining(["alarms", "gateway", "security", "backup"]));
    const resources = broken("prod", (rs) => {
      rs.find((r) => r.type === "aws:kms/key:Key" && r.name === "gateway")!.inputs.enableKeyRotation = false;
    });
    expect(await runPolicies([named("cmk-backing-key-rotation-enabled")], resources)).toHaveLength(1);
  });
});

describe("what ships and runs at preview", () => {
  const pack = JSON.parse(readFileSync(join(__dirname, "..", "policy", "package.json"), "utf8"));
  const root = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));

  it("the pack depends on neither AWSGuard nor the AWS SDK v2, and is a workspace of the one install", () => {
    expect(Object.keys(pack.dependencies ?? {})).not.toEqual(expect.arrayContaining(["@pulumi/awsguard"]));
    expect(Object.keys(pack.dependencies ?? {}).filter((d) => d === "aws-sdk" || d.startsWith("@pulumi/aws"))).toEqual([]);
    expect(root.workspaces).toContain("policy");
    expect(root.dependencies["@pulumi/awsguard"]).toBeUndefined();
  });

  it("the pack's modules resolve from the one install that `npm ci` at the root makes", () => {
    for (const dep of Object.keys(pack.dependencies)) {
      expect(() => require.resolve(dep.startsWith("@types/") ? `${dep}/package.json` : dep, { paths: [join(__dirname, "..", "policy")] })).not.toThrow();
    }
  });

  it("the pack serves only its own rules: index.ts imports rules.ts and nothing of AWSGuard", () => {
    const index = readFileSync(join(__dirname, "..", "policy", "index.ts"), "utf8");
    const imports = [...index.matchAll(/from "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(imports).toEqual(["./rules", "@pulumi/policy"]);
  });
});

describe("s3-bucket-logging-enabled (off) and s3-buckets-log-access (ours, in its place)", () => {
  it("AWSGuard's rule fails every bucket of @pulumi/aws 7, logged or not: it reads @pulumi/aws 4's `loggings`", async () => {
    const buckets = runs.prod.ofType("aws:s3/bucket:Bucket");
    expect(buckets).toHaveLength(2);
    expect(runs.prod.ofType("aws:s3/bucketLogging:BucketLogging")).toHaveLength(1);
    const violations = await runPolicies([named("s3-bucket-logging-enabled")], runs.prod.resources);
    expect(violations.map((v) => v.urn).sort()).toEqual(buckets.map((b) => b.urn).sort());
  });

  it("ours holds for prod: the ALB log bucket logs its access to the access-log bucket, which is the end of the chain", async () => {
    const [logging] = runs.prod.ofType("aws:s3/bucketLogging:BucketLogging");
    expect(logging.inputs.bucket).toBe(runs.prod.get("aws:s3/bucket:Bucket", "platform-alb-logs").state.bucket);
    expect(logging.inputs.targetBucket).toBe(runs.prod.get("aws:s3/bucket:Bucket", "platform-alb-logs-access").state.bucket);
    expect(await runPolicies([s3BucketsLogAccess], runs.prod.resources)).toEqual([]);
  });

  it("ours fires for a bucket without logging", async () => {
    const resources = broken("prod", (rs) => {
      rs.splice(rs.findIndex((r) => r.type === "aws:s3/bucketLogging:BucketLogging"), 1);
    });
    const violations = await runPolicies([s3BucketsLogAccess], resources);
    expect(violations.map((v) => v.message).sort()).toEqual([
      "bucket platform-alb-logs logs no access: add an aws.s3.BucketLogging for it with another bucket as its target",
      "bucket platform-alb-logs-access logs no access: add an aws.s3.BucketLogging for it with another bucket as its target",
    ]);
  });
});
