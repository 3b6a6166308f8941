/**
 * The outputs contract (index.ts, docs/outputs.md): other teams read these with StackReference, so their
 * names, types and shapes are pinned here for both stacks. A rename, a changed shape, a secret value in an
 * output, or a key left behind by a system that is off fails this file.
 */
import * as fs from "fs";
import * as path from "path";
import { servicesInState } from "../scripts/diagnose/outputs";
import { documentedStackOutputs } from "./support/doc-commands";
import { RELEASE_OUTPUTS } from "../components/shared/defaults";
import { FIXTURE_APP_REVISION, ProgramRun, ROOT, StackName, containerDefinitions, runProgram } from "./support/harness";

const ACCOUNT = "\\d{12}";
const REGION = "eu-west-1";

/** Every stack output, in the order index.ts exports them. */
const OUTPUT_NAMES = [
  "gatewayUrl",
  "apiUrl",
  "controlUrl",
  "consoleUrl",
  "vpcId",
  "publicSubnetIds",
  "privateSubnetIds",
  "clusterName",
  "clusterArn",
  "albDnsName",
  "albSecurityGroupId",
  "appRevision",
  "ecrRepositoryUrls",
  "imageDigests",
  "imageTags",
  "efsFileSystemIds",
  "efsKeyArns",
  "secretArns",
  "logGroupNames",
  "serviceNames",
  "alarmTopicArn",
  "dashboardUrl",
  "rolloutBoundSeconds",
  "backupVaultName",
  "backupRoleArn",
];
const URL_OUTPUT = { gateway: ["gatewayUrl"], securityStack: ["apiUrl", "controlUrl"], uiConsole: ["consoleUrl"] };
/** Keys each system contributes to the map outputs. */
const MAP_KEYS: Record<string, Record<keyof typeof URL_OUTPUT, string[]>> = {
  ecrRepositoryUrls: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
  imageDigests: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
  imageTags: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
  efsFileSystemIds: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: [] },
  efsKeyArns: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: [] },
  secretArns: {
    gateway: ["gatewayGeminiApiKey", "gatewayAdminApiKey"],
    securityStack: ["securityGoogleApiKey", "securitySupabaseJwtSecret"],
    uiConsole: [],
  },
  logGroupNames: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
  serviceNames: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
  rolloutBoundSeconds: { gateway: ["gateway"], securityStack: ["securityStack"], uiConsole: ["uiConsole"] },
};
type System = keyof typeof URL_OUTPUT;
/** The task definition that runs each system's image. */
const TASK_DEFINITION: Record<System, string> = { gateway: "gateway", securityStack: "security", uiConsole: "console" };

/** docs/outputs.md's "Outputs contract" table: output name → documented type. */
function documentedOutputs(): [string, string][] {
  const table = fs.readFileSync(path.join(ROOT, "docs", "outputs.md"), "utf8");
  return [...table.matchAll(/^\| `(\w+)` \| ([^|]+?) \|/gm)].map((m) => [m[1], m[2]]);
}

/** Whether a resolved output has the type docs/outputs.md documents. */
function hasDocumentedType(value: unknown, type: string): boolean {
  if (type === "string") return typeof value === "string";
  if (type === "string[]") return Array.isArray(value) && value.every((v) => typeof v === "string");
  const map = /^map: \w+ → (string|number)$/.exec(type);
  if (map) return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === map[1]);
  throw new Error(`docs/outputs.md documents an unknown output type: ${type}`);
}
const ALL: System[] = ["gateway", "securityStack", "uiConsole"];

/** Every secret value the stack holds: the operators' stand-ins and the generated admin key. */
function secretValues(run: ProgramRun): string[] {
  return run.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((v) => v.inputs.secretString);
}

const sortedKeys = (o: object): string[] => Object.keys(o).sort();

describe.each<[StackName, { azs: number; urls: (alb: string) => Record<string, string> }]>([
  [
    "staging",
    {
      azs: 2,
      urls: () => ({
        gatewayUrl: "https://gateway.staging.tupl.example.com",
        apiUrl: "https://api.staging.tupl.example.com",
        controlUrl: "https://control.staging.tupl.example.com",
        consoleUrl: "https://console.staging.tupl.example.com",
      }),
    },
  ],
  [
    "prod",
    {
      azs: 3,
      urls: () => ({
        gatewayUrl: "https://gateway.tupl.example.com",
        apiUrl: "https://api.tupl.example.com",
        controlUrl: "https://control.tupl.example.com",
        consoleUrl: "https://console.tupl.example.com",
      }),
    },
  ],
])("the outputs of %s", (stack, expected) => {
  let run: ProgramRun;
  let o: Record<string, any>;
  beforeAll(async () => {
    run = await runProgram({ stack });
    o = run.outputs;
  });

  it("are exactly the contract's names", () => {
    expect(Object.keys(o)).toEqual(OUTPUT_NAMES);
  });

  it("are the names docs/outputs.md documents, each with its documented type", () => {
    const documented = documentedOutputs();
    expect(documented.map(([name]) => name)).toEqual(OUTPUT_NAMES);
    for (const [name, type] of documented) expect([name, hasDocumentedType(o[name], type)]).toEqual([name, true]);
  });

  it("hold every output a `pulumi stack output <name>` of the docs reads", () => {
    const read = documentedStackOutputs("ai-platform");
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter(({ name }) => !(name in o))).toEqual([]);
  });

  it("give each system's public URL as a string", () => {
    expect({ gatewayUrl: o.gatewayUrl, apiUrl: o.apiUrl, controlUrl: o.controlUrl, consoleUrl: o.consoleUrl }).toEqual(expected.urls(o.albDnsName));
  });

  it("give the network: a VPC id and a subnet id per availability zone, public and private", () => {
    expect(o.vpcId).toMatch(/^vpc-[0-9a-f]{8,17}$/);
    for (const key of ["publicSubnetIds", "privateSubnetIds"]) {
      expect(o[key]).toHaveLength(expected.azs);
      for (const id of o[key]) expect(id).toMatch(/^subnet-[0-9a-f]{8,17}$/);
    }
    expect(new Set([...o.publicSubnetIds, ...o.privateSubnetIds]).size).toBe(2 * expected.azs);
  });

  it("give the cluster's name and its ARN", () => {
    expect(typeof o.clusterName).toBe("string");
    expect(o.clusterArn).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${o.clusterName}$`));
  });

  it("give the load balancer's DNS name and security group id", () => {
    expect(o.albDnsName).toMatch(new RegExp(`\\.${REGION}\\.elb\\.amazonaws\\.com$`));
    expect(o.albSecurityGroupId).toMatch(/^sg-[0-9a-f]{8,17}$/);
  });

  it("give ECR repository URLs by system", () => {
    expect(sortedKeys(o.ecrRepositoryUrls)).toEqual(["gateway", "securityStack", "uiConsole"]);
    for (const url of Object.values(o.ecrRepositoryUrls)) {
      expect(url).toMatch(new RegExp(`^${ACCOUNT}\\.dkr\\.ecr\\.${REGION}\\.amazonaws\\.com/[a-z0-9._/-]+$`));
    }
  });

  it("give image digests by system: the digests the services run", () => {
    expect(sortedKeys(o.imageDigests)).toEqual(["gateway", "securityStack", "uiConsole"]);
    for (const digest of Object.values(o.imageDigests)) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const [system, taskDefinition] of Object.entries(TASK_DEFINITION)) {
      const images = containerDefinitions(run.get("aws:ecs/taskDefinition:TaskDefinition", taskDefinition)).map((c) => c.image);
      expect(images).toContainEqual(expect.stringMatching(new RegExp(`^${o.ecrRepositoryUrls[system]}:.+@${o.imageDigests[system]}$`)));
    }
  });

  it("give the app revision the images were built from: the commit the checkout was given as", () => {
    expect(o.appRevision).toBe(FIXTURE_APP_REVISION);
  });

  it("give each system's content tag, the tag its service's image reference carries", () => {
    expect(sortedKeys(o.imageTags)).toEqual(["gateway", "securityStack", "uiConsole"]);
    for (const [system, taskDefinition] of Object.entries(TASK_DEFINITION)) {
      expect(o.imageTags[system]).toMatch(/^sha-[0-9a-f]{16}$/);
      const images = containerDefinitions(run.get("aws:ecs/taskDefinition:TaskDefinition", taskDefinition)).map((c) => c.image);
      expect(images).toContainEqual(`${o.ecrRepositoryUrls[system]}:${o.imageTags[system]}@${o.imageDigests[system]}`);
    }
  });

  it("carry what a stack promoting from this one reads, under the names it reads them by", () => {
    for (const name of Object.values(RELEASE_OUTPUTS)) expect(o).toHaveProperty(name);
  });

  it("give EFS file system ids of the stateful systems", () => {
    expect(sortedKeys(o.efsFileSystemIds)).toEqual(["gateway", "securityStack"]);
    for (const id of Object.values(o.efsFileSystemIds)) expect(id).toMatch(/^fs-[0-9a-f]{8,40}$/);
  });

  it("give the key of each stateful system's file data: the key its file system is on, which a restore must use", () => {
    expect(sortedKeys(o.efsKeyArns)).toEqual(["gateway", "securityStack"]);
    for (const [system, volume] of [["gateway", "gateway"], ["securityStack", "security"]]) {
      expect(o.efsKeyArns[system]).toBe(run.get("aws:efs/fileSystem:FileSystem", volume).inputs.kmsKeyId);
    }
  });

  it("give Secrets Manager ARNs of every secret, by name", () => {
    expect(sortedKeys(o.secretArns)).toEqual(["gatewayAdminApiKey", "gatewayGeminiApiKey", "securityGoogleApiKey", "securitySupabaseJwtSecret"]);
    for (const arn of Object.values(o.secretArns)) expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:.+$`));
    expect(new Set(Object.values(o.secretArns)).size).toBe(4);
  });

  it("never carry a secret's value, anywhere", () => {
    // The generated admin key is the only value the program holds: the operators' secrets never reach it.
    const values = secretValues(run);
    expect(values).toHaveLength(1);
    expect(values).toContainEqual(expect.stringMatching(/^tupl_[0-9a-f]{64}$/));
    const serialized = JSON.stringify(o);
    for (const value of values) expect(serialized).not.toContain(value);
  });

  it("give log group names by system", () => {
    expect(o.logGroupNames).toEqual({
      gateway: `/ecs/${stack}/gateway`,
      securityStack: `/ecs/${stack}/security`,
      uiConsole: `/ecs/${stack}/console`,
    });
  });

  it("give ECS service names by system", () => {
    expect(sortedKeys(o.serviceNames)).toEqual(["gateway", "securityStack", "uiConsole"]);
    const services = run.ofType("aws:ecs/service:Service").map((s) => s.state.name).sort();
    expect((Object.values(o.serviceNames) as string[]).sort()).toEqual(services);
  });

  it("name each service by the system its URN names, so `npm run diagnose` finds them in a state without outputs", () => {
    // What `pulumi stack export` holds of each resource: its URN, type, parent and outputs.
    const resources = run.resources.map((r) => ({ urn: r.urn, type: r.type, parent: r.parentUrn, outputs: r.state }));
    expect(servicesInState({ deployment: { resources } })).toEqual({
      clusterName: o.clusterName,
      clusterArn: o.clusterArn,
      serviceNames: o.serviceNames,
      from: "state",
    });
  });

  it("give the alarm topic's ARN and the dashboard's URL", () => {
    expect(o.alarmTopicArn).toMatch(new RegExp(`^arn:aws:sns:${REGION}:${ACCOUNT}:.+$`));
    expect(o.dashboardUrl).toBe(
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards:name=ai-platform-${stack}`,
    );
  });

  it("give each system's rollout bound in whole seconds: 2 healthy checks × 5 s + 20 s of draining", () => {
    expect(o.rolloutBoundSeconds).toEqual({ gateway: 30, securityStack: 30, uiConsole: 30 });
  });
});

describe.each<[StackName, System[]]>([
  ["prod", ["gateway", "securityStack"]],
  ["staging", ["gateway"]],
  ["staging", ["securityStack"]],
])("the outputs of %s with systems %j", (stack, on) => {
  const off = ALL.filter((s) => !on.includes(s));
  let o: Record<string, any>;
  beforeAll(async () => {
    o = (await runProgram({ stack, config: { systems: on } })).outputs;
  });

  it(`drop the URL outputs of ${off.join(" and ")} and keep every other name`, () => {
    const dropped = off.flatMap((s) => URL_OUTPUT[s]);
    expect(Object.keys(o)).toEqual(OUTPUT_NAMES.filter((n) => !dropped.includes(n)));
    for (const s of on) for (const name of URL_OUTPUT[s]) expect(typeof o[name]).toBe("string");
  });

  it.each(Object.keys(MAP_KEYS))("keep in %s exactly the keys of the systems that are on", (name) => {
    expect(sortedKeys(o[name])).toEqual(on.flatMap((s) => MAP_KEYS[name][s]).sort());
    for (const value of Object.values(o[name])) expect(value).not.toBeUndefined();
  });
});
