/**
 * ECS Exec (`aws ecs execute-command`) is a per-stack switch: on in staging, off in prod, and the task roles
 * get the SSM messages permissions it needs only while it is on.
 */
import { configSchema } from "../config-schema";
import { Captured, ProgramRun, containerDefinitions, policyDocument, runProgram } from "./support/harness";

const SERVICES = ["gateway", "security", "console"];
const SSM_MESSAGES = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"];

let staging: ProgramRun;
let prod: ProgramRun;
let prodWithExec: ProgramRun;

beforeAll(async () => {
  staging = await runProgram({ stack: "staging" });
  prod = await runProgram({ stack: "prod" });
  prodWithExec = await runProgram({ stack: "prod", config: { ecsExec: true } });
}, 60_000);

/** A service's role (task or execution) as its task definition names it, and the inline policies on it. */
function role(run: ProgramRun, service: string, which: "taskRoleArn" | "executionRoleArn"): { role: Captured; statements: any[] } {
  const arn = run.get("aws:ecs/taskDefinition:TaskDefinition", service).inputs[which];
  const found = run.ofType("aws:iam/role:Role").find((r) => r.state.arn === arn);
  if (!found) throw new Error(`no role with ARN ${arn}`);
  const statements = run
    .ofType("aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.inputs.role === found.state.name)
    .flatMap((p) => policyDocument(p).Statement);
  return { role: found, statements };
}

const actionsOf = (statements: any[]): string[] => statements.flatMap((s) => [s.Action].flat());

describe.each([
  ["staging (ecsExec: true in its stack file)", () => staging],
  ["prod with ecsExec: true", () => prodWithExec],
])("%s", (_label, run) => {
  it.each(SERVICES)("lets operators exec into the %s service's tasks", (service) => {
    expect(run().get("aws:ecs/service:Service", service).inputs.enableExecuteCommand).toBe(true);
  });

  it.each(SERVICES)("grants the %s task role the SSM messages channels ECS Exec opens", (service) => {
    const { statements } = role(run(), service, "taskRoleArn");
    const exec = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith("ssmmessages:")));
    expect(exec).toHaveLength(1);
    expect(exec[0]).toMatchObject({ Effect: "Allow", Resource: "*" });
    expect([exec[0].Action].flat().sort()).toEqual(SSM_MESSAGES);
  });

  it.each(SERVICES)("keeps SSM messages off the %s execution role (it starts tasks; it does not talk to them)", (service) => {
    expect(actionsOf(role(run(), service, "executionRoleArn").statements).filter((a) => a.startsWith("ssm"))).toEqual([]);
  });

  it.each(SERVICES)("runs an init process in every %s container and no read-only root file system (the SSM agent needs both)", (service) => {
    for (const c of containerDefinitions(run().get("aws:ecs/taskDefinition:TaskDefinition", service))) {
      expect([c.name, c.linuxParameters?.initProcessEnabled]).toEqual([c.name, true]);
      expect([c.name, c.readonlyRootFilesystem ?? false]).toEqual([c.name, false]);
    }
  });

  it.each(SERVICES)("gives the %s tasks a way to the SSM endpoint: Fargate 1.4+ and HTTPS out", (service) => {
    const svc = run().get("aws:ecs/service:Service", service).inputs;
    expect(svc.platformVersion).toBe("LATEST");
    const [securityGroupId] = svc.networkConfiguration.securityGroups;
    const https = run()
      .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .filter((r) => r.inputs.securityGroupId === securityGroupId && r.inputs.cidrIpv4 === "0.0.0.0/0" && r.inputs.fromPort <= 443 && r.inputs.toPort >= 443);
    expect(https).toHaveLength(1);
  });
});

describe("prod (ecsExec: false in its stack file)", () => {
  it.each(SERVICES)("refuses exec into the %s service's tasks", (service) => {
    expect(prod.get("aws:ecs/service:Service", service).inputs.enableExecuteCommand).toBe(false);
  });

  it("grants SSM messages to nobody: no policy anywhere in the stack mentions them", () => {
    const mentions = prod.resources.filter((r) => JSON.stringify(r.inputs).includes("ssmmessages"));
    expect(mentions.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("leaves the task roles with only what the applications need: their file systems, or nothing", () => {
    expect(actionsOf(role(prod, "gateway", "taskRoleArn").statements).sort()).toEqual(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
    expect(actionsOf(role(prod, "security", "taskRoleArn").statements).sort()).toEqual(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
    expect(role(prod, "console", "taskRoleArn").statements).toEqual([]);
  });
});

describe("the switch", () => {
  it("is off unless a stack turns it on, and only staging's stack file does", () => {
    expect(configSchema.ecsExec.default).toBe(false);
    expect(staging.config["ai-platform:ecsExec"]).toBe("true");
    expect(prod.config["ai-platform:ecsExec"]).toBe("false");
  });

  it("changes nothing in prod but the services' exec flag, the task-role policies, the containers' read-only root and the cluster's session logging", () => {
    const changed = prodWithExec.resources
      .filter((r) => {
        const before = prod.resources.find((b) => b.urn === r.urn);
        return JSON.stringify(before?.inputs) !== JSON.stringify(r.inputs);
      })
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    // In the task definitions, only readonlyRootFilesystem: ECS Exec's agent writes into the container.
    for (const td of prodWithExec.ofType("aws:ecs/taskDefinition:TaskDefinition")) {
      const before = containerDefinitions(prod.get("aws:ecs/taskDefinition:TaskDefinition", td.name));
      expect(before.map((c) => c.readonlyRootFilesystem)).toEqual(before.map(() => true));
      expect(containerDefinitions(td)).toEqual(before.map(({ readonlyRootFilesystem: _readonly, ...c }) => c));
    }
    expect(changed).toEqual(
      [
        "aws:cloudwatch/logGroup:LogGroup platform-exec",
        "aws:ecs/cluster:Cluster platform",
        "aws:ecs/service:Service console",
        "aws:ecs/service:Service gateway",
        "aws:ecs/service:Service security",
        "aws:ecs/taskDefinition:TaskDefinition console",
        "aws:ecs/taskDefinition:TaskDefinition gateway",
        "aws:ecs/taskDefinition:TaskDefinition security",
        "aws:iam/rolePolicy:RolePolicy console-task",
        "aws:iam/rolePolicy:RolePolicy gateway-task",
        "aws:iam/rolePolicy:RolePolicy security-task",
      ].sort(),
    );
  });
});

describe("session logging (#27: ECS Exec without session logging)", () => {
  it.each([
    ["staging", () => staging],
    ["prod with ecsExec: true", () => prodWithExec],
  ])("%s logs every session to the cluster's exec log group, kept as long as the stack's logs, which each task role may write", (_label, run) => {
    const group = run().get("aws:cloudwatch/logGroup:LogGroup", "platform-exec");
    expect(group.inputs.retentionInDays).toBe(Number(run().config["ai-platform:logRetentionDays"] ?? 30));
    expect(run().get("aws:ecs/cluster:Cluster", "platform").inputs.configuration).toEqual({
      executeCommandConfiguration: { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: group.state.name } },
    });
    for (const service of SERVICES) {
      const logs = role(run(), service, "taskRoleArn").statements.find((s) => s.Sid === "EcsExecSessionLogs");
      expect(logs).toEqual({ Sid: "EcsExecSessionLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group.state.arn}:*` });
    }
  });

  it("prod without ECS Exec has no session log group and no logging configuration", () => {
    expect(prod.find("aws:cloudwatch/logGroup:LogGroup", "platform-exec")).toBeUndefined();
    expect(prod.get("aws:ecs/cluster:Cluster", "platform").inputs.configuration).toBeUndefined();
  });
});
