/**
 * What a first real `pulumi up` needs and mocks do not enforce, computed from the captured graph for every
 * service of both stacks (no service or resource is named here):
 *
 * - create order: the engine creates a resource as soon as what it references exists, so each service must
 *   wait, through `dependencies` (explicit `dependsOn` and references), for every listener rule that forwards
 *   to its target groups, every mount target, NFS rule and policy of the file systems its tasks mount, and
 *   every policy of its execution and task roles;
 * - EC2's character set and length for security-group and rule descriptions;
 * - custom timeouts that cover the service's worst good deploy (its first start), derived from its own captured settings.
 */
import { Captured, ProgramRun, StackName, efsVolumes, runProgram } from "./support/harness";
import { TIMEOUT_MARGIN } from "../components/shared/defaults";
import { timeoutMinutes } from "../components/service/deploy-time";
import { graphDeployTime } from "./support/deploy-time";

const SERVICE = "aws:ecs/service:Service";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPONENT = "ai-platform:service:FargateService";
const NFS_PORT = 2049;

const STACKS: StackName[] = ["staging", "prod"];
const runs = {} as Record<StackName, ProgramRun>;
beforeAll(async () => {
  for (const stack of STACKS) runs[stack] = await runProgram({ stack });
});

/** Every URN a resource waits for, directly or through what it waits for. */
function waitsFor(run: ProgramRun, resource: Captured): Set<string> {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const queue = [...resource.dependencies];
  while (queue.length) {
    const urn = queue.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    queue.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

/** The resources a service's first task needs before it starts, found from the service's own inputs. */
function firstTaskNeeds(run: ProgramRun, service: Captured): Captured[] {
  const td = run.ofType(TASK_DEFINITION).find((t) => t.state.arn === service.inputs.taskDefinition)!;
  const targetGroupArns = new Set((service.inputs.loadBalancers ?? []).map((lb: { targetGroupArn: string }) => lb.targetGroupArn));
  const forwardsToService = (rule: Captured) =>
    (rule.inputs.actions ?? []).some((a: { type: string; targetGroupArn?: string }) => a.type === "forward" && targetGroupArns.has(a.targetGroupArn));
  const fileSystemIds = new Set(efsVolumes(td).map((v: any) => v.efsVolumeConfiguration.fileSystemId));
  const taskGroups = new Set<string>(service.inputs.networkConfiguration.securityGroups);
  const efsGroups = new Set(
    run.ofType(MOUNT_TARGET).filter((m) => fileSystemIds.has(m.inputs.fileSystemId)).flatMap((m) => m.inputs.securityGroups as string[]),
  );
  const nfsBetween = (rule: Captured) =>
    rule.inputs.fromPort <= NFS_PORT &&
    rule.inputs.toPort >= NFS_PORT &&
    ((taskGroups.has(rule.inputs.securityGroupId) && efsGroups.has(rule.inputs.referencedSecurityGroupId)) ||
      (efsGroups.has(rule.inputs.securityGroupId) && taskGroups.has(rule.inputs.referencedSecurityGroupId)));
  const roleIds = new Set(
    run.ofType(ROLE).filter((r) => [td.inputs.executionRoleArn, td.inputs.taskRoleArn].includes(r.state.arn)).map((r) => r.id),
  );
  return [
    ...run.ofType(LISTENER_RULE).filter(forwardsToService),
    ...run.ofType(MOUNT_TARGET).filter((m) => fileSystemIds.has(m.inputs.fileSystemId)),
    ...run.ofType(FILE_SYSTEM_POLICY).filter((p) => fileSystemIds.has(p.inputs.fileSystemId)),
    ...[...run.ofType(INGRESS), ...run.ofType(EGRESS)].filter(nfsBetween),
    ...[...run.ofType(ROLE_POLICY), ...run.ofType(ROLE_POLICY_ATTACHMENT)].filter((p) => roleIds.has(p.inputs.role)),
  ];
}

describe.each(STACKS)("the %s stack's first up", (stack) => {
  let run: ProgramRun;
  beforeAll(() => {
    run = runs[stack];
  });

  it("has services whose tasks need something to exist before they start (the rule below is not vacuous)", () => {
    const services = run.ofType(SERVICE);
    expect(services.length).toBeGreaterThan(0);
    for (const service of services) {
      const needs = firstTaskNeeds(run, service);
      const types = new Set(needs.map((n) => n.type));
      expect([service.name, types.has(LISTENER_RULE), types.has(ROLE_POLICY)]).toEqual([service.name, true, true]);
      const td = run.ofType(TASK_DEFINITION).find((t) => t.state.arn === service.inputs.taskDefinition)!;
      if (efsVolumes(td).length) {
        expect([service.name, types.has(MOUNT_TARGET), types.has(FILE_SYSTEM_POLICY), types.has(INGRESS), types.has(EGRESS)]).toEqual([
          service.name, true, true, true, true,
        ]);
      }
    }
  });

  it("makes every service wait for each listener rule, mount target, NFS rule, file-system policy and role policy its first task needs", () => {
    const missing = run.ofType(SERVICE).flatMap((service) => {
      const waited = waitsFor(run, service);
      return firstTaskNeeds(run, service)
        .filter((need) => !waited.has(need.urn))
        .map((need) => `${service.name} does not wait for ${need.type} ${need.name}`);
    });
    expect(missing).toEqual([]);
  });

  it("makes every service wait for all rules of its task security group (image pulls, secrets, target checks)", () => {
    const missing = run.ofType(SERVICE).flatMap((service) => {
      const waited = waitsFor(run, service);
      const groups = new Set<string>(service.inputs.networkConfiguration.securityGroups);
      return [...run.ofType(INGRESS), ...run.ofType(EGRESS)]
        .filter((r) => groups.has(r.inputs.securityGroupId) || groups.has(r.inputs.referencedSecurityGroupId))
        .filter((r) => !waited.has(r.urn))
        .map((r) => `${service.name} does not wait for ${r.type} ${r.name}`);
    });
    expect(missing).toEqual([]);
  });

  it("creates each service's rollback alarms before the service that names them", () => {
    for (const service of run.ofType(SERVICE)) {
      const waited = waitsFor(run, service);
      const names: string[] = service.inputs.alarms?.alarmNames ?? [];
      const alarms = run.ofType(ALARM).filter((a) => names.includes(a.state.name));
      expect(alarms.map((a) => a.state.name).sort()).toEqual([...names].sort());
      for (const alarm of alarms) expect(waited.has(alarm.urn)).toBe(true);
    }
  });
});

/**
 * EC2's rule for security-group and security-group-rule descriptions (CreateSecurityGroup, and
 * IpPermission/SecurityGroupRule descriptions in the EC2 API reference): up to 255 characters of
 * a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*.
 */
const EC2_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const EC2_DESCRIPTION_MAX = 255;

describe.each(STACKS)("the %s stack's security-group descriptions", (stack) => {
  it("use only the characters EC2 accepts, at most 255 of them", () => {
    const described = [SECURITY_GROUP, INGRESS, EGRESS].flatMap((type) => runs[stack].ofType(type));
    expect(described.length).toBeGreaterThan(0);
    const bad = described
      .filter((r) => r.inputs.description !== undefined)
      .filter((r) => !EC2_DESCRIPTION.test(r.inputs.description) || r.inputs.description.length > EC2_DESCRIPTION_MAX)
      .map((r) => `${r.type} ${r.name}: ${JSON.stringify(r.inputs.description)}`);
    expect(bad).toEqual([]);
  });

  it("are given on every rule, so the console says what each rule is for", () => {
    const undescribed = [INGRESS, EGRESS].flatMap((type) => runs[stack].ofType(type)).filter((r) => !r.inputs.description);
    expect(undescribed.map((r) => r.name)).toEqual([]);
  });

  it("the checker refuses what EC2 refuses (an apostrophe, a quote, a character past 255)", () => {
    expect(EC2_DESCRIPTION.test("NFS to the service's EFS mount targets")).toBe(false);
    expect(EC2_DESCRIPTION.test('Port "3000"')).toBe(false);
    expect(EC2_DESCRIPTION.test("Listener 443 from 0.0.0.0/0 (HTTPS); [x] {y} a+b=c & d! $*@#,")).toBe(true);
  });
});

describe.each(STACKS)("the %s stack's deploy timeouts", (stack) => {
  let run: ProgramRun;
  beforeAll(() => {
    run = runs[stack];
  });

  it("give every service create, update and delete timeouts of its own", () => {
    for (const service of run.ofType(SERVICE)) {
      expect([service.name, service.customTimeouts]).toEqual([
        service.name,
        { create: expect.stringMatching(/^\d+m$/), update: expect.stringMatching(/^\d+m$/), delete: expect.stringMatching(/^\d+m$/) },
      ]);
    }
  });

  it("cover each service's first start (its worst good deploy), with the margin, and no more than twice it", () => {
    for (const service of run.ofType(SERVICE)) {
      const worst = graphDeployTime(run, service).firstStart;
      for (const phase of ["create", "update"] as const) {
        const seconds = timeoutMinutes(service.customTimeouts![phase]) * 60;
        expect([service.name, phase, seconds >= worst * TIMEOUT_MARGIN]).toEqual([service.name, phase, true]);
        expect([service.name, phase, seconds <= Math.max(2 * worst, 600)]).toEqual([service.name, phase, true]);
      }
    }
  });

  it("equal the bounds the component reports for the plan: a later deploy, the first start, the configured wait", () => {
    const components = run.ofType(COMPONENT);
    for (const service of run.ofType(SERVICE)) {
      const component = components.find((c) => c.urn === service.parentUrn)!;
      const d = component.state.deployTime;
      const g = graphDeployTime(run, service);
      expect([service.name, d.totalSeconds, d.firstStart.totalSeconds, d.configuredWaitSeconds, d.cutoverSeconds]).toEqual([
        service.name,
        g.later,
        g.firstStart,
        g.configuredWait,
        g.cutover,
      ]);
    }
  });

  it("let the security stack's first start (900 s grace for the model download) run past the provider's 20-minute default", () => {
    const security = run.ofType(SERVICE).find((s) => (s.inputs.healthCheckGracePeriodSeconds ?? 0) >= 900)!;
    expect(timeoutMinutes(security.customTimeouts!.create)).toBeGreaterThan(20);
    expect(timeoutMinutes(security.customTimeouts!.update)).toBeGreaterThan(20);
  });

  it("fail a stuck console deploy sooner than the provider's 20-minute default", () => {
    const stateless = run.ofType(SERVICE).filter((s) => (s.inputs.deploymentMinimumHealthyPercent ?? 0) >= 100);
    expect(stateless.length).toBeGreaterThan(0);
    for (const s of stateless) expect([s.name, timeoutMinutes(s.customTimeouts!.update) < 20]).toEqual([s.name, true]);
  });

  it("follow the service's own settings: a longer grace period lengthens only that service's timeout", async () => {
    const longer = await runProgram({ stack, config: { gatewayHealthCheckGracePeriodSeconds: 1800 } });
    const before = Object.fromEntries(run.ofType(SERVICE).map((s) => [s.name, timeoutMinutes(s.customTimeouts!.update)]));
    const after = Object.fromEntries(longer.ofType(SERVICE).map((s) => [s.name, timeoutMinutes(s.customTimeouts!.update)]));
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
    expect(changed).toHaveLength(1);
    const gateway = longer.ofType(SERVICE).find((s) => s.name === changed[0])!;
    expect(gateway.inputs.healthCheckGracePeriodSeconds).toBe(1800);
    expect(after[changed[0]] * 60).toBeGreaterThanOrEqual(graphDeployTime(longer, gateway).firstStart * TIMEOUT_MARGIN);
  });
});
