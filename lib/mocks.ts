/**
 * What the mocked AWS answers when the program runs without an account: for each resource, the computed
 * attributes AWS would return (ids, ARNs, DNS names, digests) so the program's outputs and cross-references look
 * like a real deployment's; for each data source, a plausible answer. Deterministic: the same program gives the
 * same answers on every run.
 */
import * as crypto from "crypto";

/** The account every mocked ARN is in. */
export const ACCOUNT_ID = "123456789012";

const shortHash = (s: string, n = 8): string => crypto.createHash("sha256").update(s).digest("hex").slice(0, n);

/** Computed attributes AWS would return, so the program's outputs look like a real deployment's. */
export function mockState(type: string, name: string, inputs: Record<string, any>, region: string): { id: string; state: Record<string, any> } {
  const physical = inputs.name ?? `${name}-${shortHash(type + name, 7)}`;
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  const arn = `arn:aws:${service}:${region}:${ACCOUNT_ID}:${name}`;
  const base = { ...inputs, arn, name: physical };
  switch (type) {
    case "awsx:ec2:Vpc": {
      const azs = inputs.numberOfAvailabilityZones ?? 3;
      const ids = (kind: string) => Array.from({ length: azs }, (_, i) => `subnet-${shortHash(`${kind}${i}`, 17)}`);
      // awsx makes a route table per subnet, tagged with the subnet's type, public before private in each AZ.
      const routeTables = Array.from({ length: azs }, (_, i) =>
        (["Public", "Private"] as const).map((type) => ({ id: `rtb-${shortHash(`${type}${i}`, 17)}`, tags: { SubnetType: type } })),
      ).flat();
      return {
        id: name,
        state: { ...inputs, vpcId: `vpc-${shortHash(name, 17)}`, publicSubnetIds: ids("public"), privateSubnetIds: ids("private"), routeTables },
      };
    }
    case "aws:ecs/cluster:Cluster":
      return { id: physical, state: { ...base, arn: `arn:aws:ecs:${region}:${ACCOUNT_ID}:cluster/${physical}` } };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        id: arn,
        state: { ...base, arnSuffix: `app/${physical}/${shortHash(name, 16)}`, dnsName: `${physical}-1234567890.${region}.elb.amazonaws.com`, zoneId: "Z32O12XQLNTSW2" },
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { id: arn, state: { ...base, arnSuffix: `targetgroup/${physical}/${shortHash(name, 16)}` } };
    case "aws:ecr/repository:Repository":
      return {
        id: physical,
        state: { ...base, registryId: ACCOUNT_ID, repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physical}` },
      };
    case "docker-build:index:Image": {
      const digest = `sha256:${crypto.createHash("sha256").update(JSON.stringify({ tags: inputs.tags, buildArgs: inputs.buildArgs })).digest("hex")}`;
      return { id: name, state: { ...inputs, digest, ref: `${inputs.tags?.[0]}@${digest}`, contextHash: shortHash(JSON.stringify(inputs), 64) } };
    }
    case "aws:efs/fileSystem:FileSystem":
      return { id: `fs-${shortHash(name, 17)}`, state: { ...base, arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT_ID}:file-system/fs-${shortHash(name, 17)}` } };
    case "aws:efs/accessPoint:AccessPoint":
      return { id: `fsap-${shortHash(name, 17)}`, state: { ...base, arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT_ID}:access-point/fsap-${shortHash(name, 17)}` } };
    case "aws:secretsmanager/secret:Secret": {
      const secretArn = `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${physical}-${shortHash(name, 6)}`;
      return { id: secretArn, state: { ...base, arn: secretArn } };
    }
    case "aws:secretsmanager/secretVersion:SecretVersion":
      // AWS issues a new version id whenever the value changes.
      return { id: name, state: { ...inputs, versionId: shortHash(JSON.stringify(inputs.secretString ?? ""), 32) } };
    case "random:index/randomBytes:RandomBytes": {
      // The provider gives RandomBytes no id of its value (unlike RandomId, whose id is the bytes themselves).
      const hex = crypto.createHash("sha512").update(name).digest("hex").slice(0, 2 * (inputs.length ?? 8));
      return { id: "none", state: { ...inputs, hex, base64: Buffer.from(hex, "hex").toString("base64") } };
    }
    case "aws:iam/role:Role":
      return { id: physical, state: { ...base, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${physical}` } };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: physical, state: { ...base, arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${physical}` } };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { id: physical, state: { ...base, arn: `arn:aws:ecs:${region}:${ACCOUNT_ID}:task-definition/${inputs.family}:1`, revision: 1 } };
    case "aws:acm/certificate:Certificate": {
      const domains = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
      return {
        id: arn,
        state: {
          ...base,
          domainValidationOptions: domains.map((d: string) => ({
            domainName: d,
            resourceRecordName: `_${shortHash(d, 32)}.${d}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${shortHash(`v${d}`, 32)}.acm-validations.aws.`,
          })),
        },
      };
    }
    case "aws:route53/record:Record":
      return { id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`, state: { ...inputs, fqdn: inputs.name } };
    case "aws:s3/bucket:Bucket":
      return { id: physical, state: { ...base, bucket: physical, arn: `arn:aws:s3:::${physical}` } };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { id: inputs.dashboardName, state: { ...inputs, dashboardArn: arn } };
    case "aws:ec2/instance:Instance":
      return { id: `i-${shortHash(name, 17)}`, state: { ...base, primaryNetworkInterfaceId: `eni-${shortHash(name, 17)}`, publicIp: "198.18.0.10" } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${shortHash(name, 17)}`, state: { ...base } };
    default:
      return { id: `${name}-id`, state: base };
  }
}

/** The type of a StackReference, which the engine reads (its builtin provider) rather than creates. */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/**
 * Other stacks as a StackReference reads them, by stack name: their outputs, or `missing` for a stack that does not
 * exist (the engine refuses to read it).
 */
export type StackOutputsStandIn = Record<string, Record<string, unknown> | "missing">;

/**
 * What the engine answers a StackReference to `name` (`<organization>/<project>/<stack>`). The stack running is
 * there with no outputs unless the run gives some (a first deploy); any other stack must be given, so that no test
 * or plan reads a stack nobody decided about.
 */
export function mockStackReference(name: string, running: string, stacks: StackOutputsStandIn = {}): { id: string; state: Record<string, any> } {
  const stack = name.split("/").pop()!;
  const outputs = stacks[stack] ?? (stack === running ? {} : undefined);
  if (outputs === undefined) {
    throw new Error(`the program reads stack ${name}, and the run says nothing of it: give its outputs, or "missing", in RunOptions.stackOutputs`);
  }
  // The engine's words for a stack the backend does not have.
  if (outputs === "missing") throw new Error(`unknown stack "${name}"`);
  return { id: name, state: { name, outputs, secretOutputNames: [] } };
}

/**
 * Secrets Manager as the mocks answer it: every operator secret exists with a current version (its id derived from
 * the name), unless a run names it missing or empty.
 */
export interface SecretsManagerStandIn {
  /** Secret keys (`geminiApiKey`) that do not exist. */
  missing?: string[];
  /** Secret keys that exist without a current value. */
  empty?: string[];
  /** Secret keys with the id of their current version, for a rotation. */
  versions?: Record<string, string>;
}

/**
 * The EFS file systems the account has beyond the stack's own (restored ones), by id: what `aws.efs.getFileSystem`
 * finds. Any other id is not found, as AWS answers for an id of another region or account.
 */
export type FileSystemsStandIn = Record<string, { kmsKeyId: string; encrypted?: boolean }>;

/** The last part of an operator secret's name (`<project>/<stack>/<key>`). */
const secretKey = (secretId: string): string => secretId.split("/").pop()!;

export function mockCall(
  token: string,
  inputs: Record<string, any>,
  region: string,
  secrets: SecretsManagerStandIn = {},
  fileSystems: FileSystemsStandIn = {},
): Record<string, any> {
  switch (token) {
    case "aws:efs/getFileSystem:getFileSystem": {
      const found = fileSystems[inputs.fileSystemId];
      if (!found) {
        // As the engine reports a failed invoke: the SDK reads a gRPC error's `details`.
        const message = `reading EFS File System (${inputs.fileSystemId}): empty result`;
        throw Object.assign(new Error(message), { details: message });
      }
      const arn = `arn:aws:elasticfilesystem:${region}:${ACCOUNT_ID}:file-system/${inputs.fileSystemId}`;
      return { id: inputs.fileSystemId, fileSystemId: inputs.fileSystemId, arn, encrypted: found.encrypted ?? true, kmsKeyId: found.kmsKeyId, performanceMode: "generalPurpose", region };
    }
    case "aws:secretsmanager/getSecretVersions:getSecretVersions": {
      const key = secretKey(inputs.secretId);
      if (secrets.missing?.includes(key)) throw new Error(`ResourceNotFoundException: Secrets Manager can't find the specified secret (${inputs.secretId})`);
      const arn = `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${inputs.secretId}-AbCdEf`;
      const versionId = secrets.versions?.[key] ?? `00000000-0000-4000-8000-${crypto.createHash("sha256").update(inputs.secretId).digest("hex").slice(0, 12)}`;
      const versions = secrets.empty?.includes(key)
        ? []
        : [{ versionId, versionStages: ["AWSCURRENT"], createdTime: "2026-01-01T00:00:00Z", lastAccessedDate: "2026-01-01T00:00:00Z" }];
      return { id: arn, arn, secretArn: arn, secretId: inputs.secretId, name: inputs.secretId, secretName: inputs.secretId, region, versions };
    }
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com` };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`, userId: "AIDAMOCK" };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        id: region,
        userName: "AWS",
        password: "mock-ecr-token",
        authorizationToken: Buffer.from("AWS:mock-ecr-token").toString("base64"),
        proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com`,
        expiresAt: "2099-01-01T00:00:00Z",
      };
    case "aws:route53/getZone:getZone":
      return { id: "Z0123456789ABCDEFGHIJ", zoneId: "Z0123456789ABCDEFGHIJ", name: inputs.name, privateZone: false };
    case "aws:ssm/getParameter:getParameter":
      return { id: inputs.name, name: inputs.name, type: "String", value: "ami-0a1b2c3d4e5f60718", version: 1 };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { id: "156460612806", arn: "arn:aws:iam::156460612806:root" };
    default:
      return inputs;
  }
}

