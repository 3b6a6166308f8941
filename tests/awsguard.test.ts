/**
 * Pulumi's AWS policy library (@pulumi/awsguard), as the pack serves it (policy/awsguard.ts), against both stacks
 * as the program registers them: no violation of any rule the pack enforces. The one rule the pack turns off is
 * shown to be wrong for @pulumi/aws 7, and the rule that replaces it to hold and to fire.
 *
 * AWSGuard's certificate-expiry rule asks ACM for each certificate of the stack. Here ACM is a local stand-in
 * answering DescribeCertificate (the AWS SDK's own client talks to it), so the rule's real code runs both ways.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { AWSGUARD_OVERRIDES, awsGuardConfig, awsGuardPolicies } from "../policy/awsguard";
import { s3BucketsLogAccess } from "../policy/rules";
import { Captured, ProgramRun, StackName, runProgram } from "./support/harness";
import { Rule, copyResources, propsOf, runPolicies } from "./support/policy";

// The SDK AWSGuard loads (policy/node_modules), configured before its rule builds a client.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AWS = require("../policy/node_modules/aws-sdk");

const runs = {} as Record<StackName, ProgramRun>;
let acm: http.Server;
/** Days until the certificates the stand-in describes expire. */
let daysLeft = 60;
const described: string[] = [];

beforeAll(async () => {
  acm = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      if (target !== "CertificateManager.DescribeCertificate") {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "UnknownOperationException", message: String(target) }));
        return;
      }
      const { CertificateArn } = JSON.parse(body);
      described.push(CertificateArn);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ Certificate: { CertificateArn, NotAfter: Date.now() / 1000 + daysLeft * 86400 } }));
    });
  });
  await new Promise<void>((resolve) => acm.listen(0, "127.0.0.1", resolve));
  AWS.config.update({
    region: "eu-west-1",
    credentials: new AWS.Credentials("AKIDEXAMPLE", "secret"),
    acm: { endpoint: `http://127.0.0.1:${(acm.address() as AddressInfo).port}` },
    maxRetries: 0,
  });
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

afterAll(async () => {
  await new Promise((resolve) => acm.close(resolve));
});

/**
 * AWSGuard reads the region once, as its modules load: from the stack's `aws:region`, else AWS_REGION, which is
 * what a policy pack has (the CLI hands it no stack config; the workflows' credentials step sets AWS_REGION).
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

describe("AWSGuard in the pack", () => {
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
    described.length = 0;
    const violations = await runPolicies(enforced(), runs[stack].resources);
    // Only advisory rules may report, each lowered in AWSGUARD_OVERRIDES with its reason: in staging, the NAT
    // instance's public address. Prod reports nothing at all.
    for (const v of violations) expect(AWSGUARD_OVERRIDES[v.policy]?.enforcementLevel).toBe("advisory");
    expect(violations.map((v) => `${v.policy} ${v.urn?.split("::").pop()}`)).toEqual(stack === "staging" ? ["ec2-instance-no-public-ip network-nat"] : []);
    // The expiry rule really asked ACM about the stack's certificate.
    expect(described).toEqual([runs[stack].get("aws:acm/certificate:Certificate", "platform").id]);
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

  it("a certificate close to expiry (acm-certificate-expiration), as ACM reports it", async () => {
    daysLeft = 5.5;
    try {
      expect(await runPolicies([named("acm-certificate-expiration")], runs.prod.resources)).toEqual([
        expect.objectContaining({ message: "certificate expires in 5 (max allowed 14 days)" }),
      ]);
    } finally {
      daysLeft = 60;
    }
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
