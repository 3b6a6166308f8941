import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigKey, PROJECT, configSchema } from "../config-schema";
import { ProgramRun, ROOT, StackName, runProgram } from "./support/harness";

/**
 * The two stack files as they are: every key they set is one the program reads, with the declared type, and
 * each stack has the character its file promises — asserted on what the program creates, not on the YAML.
 */

const T = {
  vpc: "awsx:ec2:Vpc",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  certificate: "aws:acm/certificate:Certificate",
  record: "aws:route53/record:Record",
  bucket: "aws:s3/bucket:Bucket",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  service: "aws:ecs/service:Service",
  secret: "aws:secretsmanager/secret:Secret",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
};
const STACKS: StackName[] = ["staging", "prod"];
const schema = configSchema as Record<string, ConfigKey>;
/** Provider settings a stack file may carry besides the project's own keys. */
const PROVIDER_KEYS = ["aws:region"];

const stackFile = (stack: StackName): Record<string, unknown> =>
  (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;

describe.each(STACKS)("Pulumi.%s.yaml", (stack) => {
  const config = stackFile(stack);
  const projectKeys = Object.keys(config).filter((k) => !PROVIDER_KEYS.includes(k));

  it("sets only keys Pulumi.yaml declares, besides the AWS region", () => {
    const undeclared = projectKeys.filter((k) => !k.startsWith(`${PROJECT}:`) || !(k.slice(PROJECT.length + 1) in schema));
    expect(undeclared).toEqual([]);
    expect(config["aws:region"]).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
  });

  it("gives each key a value of its declared type", () => {
    const typeOf = (v: unknown): string =>
      Array.isArray(v) ? (v.every((x) => typeof x === "string") ? "array" : "mixed array") : Number.isInteger(v) ? "integer" : typeof v;
    for (const key of projectKeys) {
      const declared = schema[key.slice(PROJECT.length + 1)];
      expect({ key, type: typeOf(config[key]) }).toEqual({ key, type: declared.type });
    }
  });
});

describe("staging: small and cheap", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging" });
  });

  it("runs in two AZs, out through one NAT instance instead of NAT gateways", () => {
    const vpc = run.get(T.vpc, "network");
    expect(vpc.inputs.numberOfAvailabilityZones).toBe(2);
    expect(vpc.inputs.natGateways).toEqual({ strategy: "None" });
    expect(run.ofType("aws:ec2/instance:Instance").map((i) => i.name)).toEqual(["network-nat"]);
  });

  it("runs every service on Fargate Spot and sleeps outside Mon-Fri 07:00-20:00 Berlin time", () => {
    for (const s of run.ofType(T.service)) expect([s.name, s.inputs.capacityProviderStrategies]).toEqual([s.name, [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]]);
    const actions = run.ofType("aws:appautoscaling/scheduledAction:ScheduledAction");
    expect(actions).toHaveLength(2 * run.ofType(T.service).length);
    for (const a of actions) expect(a.inputs.timezone).toBe("Europe/Berlin");
  });

  it("serves HTTPS on its own delegated zone, with port 80 only redirecting", () => {
    expect(run.get(T.certificate, "platform").inputs.domainName).toBe("gateway.staging.tupl.example.com");
    expect(run.ofType(T.listener).map((l) => [l.inputs.port, l.inputs.protocol])).toEqual([[80, "HTTP"], [443, "HTTPS"]]);
    expect(run.get(T.listener, "platform-listener-80").inputs.defaultActions[0].type).toBe("redirect");
    expect(run.outputs.gatewayUrl).toBe("https://gateway.staging.tupl.example.com");
  });

  it("can be torn down: no deletion protection, nothing protected or retained but the volumes' keys, no access-log bucket", () => {
    expect(run.get(T.loadBalancer, "platform").inputs.enableDeletionProtection).toBe(false);
    // A volume's key is never scheduled for deletion, in any stack: a file system on it (kept, or restored) would
    // stop working when it goes (components/resources/volume.ts).
    const volumeKeys = run.ofType(T.fileSystem).map((fs) => `aws:kms/key:Key ${fs.name}`);
    expect(run.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => `${r.type} ${r.name}`)).toEqual(volumeKeys);
    expect(run.ofType(T.bucket)).toEqual([]);
  });

  it("keeps logs two weeks and deleted secrets one week", () => {
    // One log group per service, the firewall's, the restore test's, and ECS Exec's sessions.
    const groups = run.ofType(T.logGroup);
    expect(groups).toHaveLength(run.ofType(T.service).length + 3);
    expect(groups.map((g) => g.inputs.retentionInDays).every((d) => d === 14)).toBe(true);
    // The stack's own secret: the generated admin key (the operators' live outside the stack).
    expect(run.ofType(T.secret).map((s) => s.inputs.recoveryWindowInDays)).toEqual([7]);
  });

  it("allows ECS Exec for debugging", () => {
    expect(run.ofType(T.service).map((s) => s.inputs.enableExecuteCommand)).toEqual([true, true, true]);
  });
});

describe("prod: highly available, on its domain, protected", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "prod" });
  });

  it("spreads over three AZs, each with its own NAT gateway", () => {
    const vpc = run.get(T.vpc, "network");
    expect(vpc.inputs.numberOfAvailabilityZones).toBe(3);
    expect(vpc.inputs.natGateways).toEqual({ strategy: "OnePerAz" });
    expect(run.outputs.privateSubnetIds).toHaveLength(3);
  });

  it("serves HTTPS on its domain, one host per endpoint", () => {
    expect(run.get(T.certificate, "platform").inputs.domainName).toBe("gateway.tupl.example.com");
    expect([run.outputs.gatewayUrl, run.outputs.apiUrl, run.outputs.controlUrl, run.outputs.consoleUrl]).toEqual([
      "https://gateway.tupl.example.com",
      "https://api.tupl.example.com",
      "https://control.tupl.example.com",
      "https://console.tupl.example.com",
    ]);
  });

  it("protects its state: load balancer deletion protection, EFS protected and retained, access logs retained", () => {
    expect(run.get(T.loadBalancer, "platform").inputs.enableDeletionProtection).toBe(true);
    const fileSystems = run.ofType(T.fileSystem);
    expect(fileSystems).toHaveLength(2);
    for (const fs of fileSystems) expect({ name: fs.name, protect: fs.protect, retainOnDelete: fs.retainOnDelete }).toEqual({ name: fs.name, protect: true, retainOnDelete: true });
    expect(run.get(T.bucket, "platform-alb-logs").retainOnDelete).toBe(true);
  });

  it("keeps logs at least 90 days, in a retention CloudWatch accepts", () => {
    const retentions = run.ofType(T.logGroup).map((g) => g.inputs.retentionInDays);
    expect(retentions).toHaveLength(run.ofType(T.service).length + 2);
    for (const days of retentions) {
      expect(days).toBeGreaterThanOrEqual(90);
      expect([90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]).toContain(days);
    }
  });

  it("keeps deleted secrets restorable for 30 days and allows no ECS Exec", () => {
    expect(run.ofType(T.secret).map((s) => s.inputs.recoveryWindowInDays)).toEqual([30]);
    expect(run.ofType(T.service).map((s) => s.inputs.enableExecuteCommand)).toEqual([false, false, false]);
  });

  it("mails its alarms to on-call", () => {
    expect(run.ofType(T.subscription).map((s) => [s.inputs.protocol, s.inputs.endpoint])).toEqual([["email", "platform-oncall@example.com"]]);
  });
});
