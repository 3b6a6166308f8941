/**
 * CloudWatch alarms per system, the one SNS topic they notify, and the alarms ECS watches to roll back a
 * deployment — as a reviewer would check them in the account: metric, dimensions, statistic, threshold,
 * window and actions of every alarm.
 */
import { BURST_CREDIT_ALARM_BYTES, DEPLOY_TIME_GOALS, TASK_START_SECONDS, THROUGHPUT_ALARM_PERCENT } from "../components/shared/defaults";
import { graphDeployTime, rollbackAlarmsOf, rollbackProblems, targetGroupsOf } from "./support/deploy-time";
import { Captured, ProgramRun, StackName, committedConfig, policyDocument, runProgram } from "./support/harness";
import { withLookups } from "../lib/program-runner";
import { Datapoints, evaluate, inAlarm } from "./support/metric-math";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SERVICE = "aws:ecs/service:Service";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const ONE_DAY = 86_400;

/** Each system: its key in the outputs, its ECS service, its public container ports, whether it keeps state on EFS. */
const SYSTEMS = [
  { key: "gateway", service: "gateway", ports: [3000], fileSystem: true },
  { key: "securityStack", service: "security", ports: [8000, 8001], fileSystem: true },
  { key: "uiConsole", service: "console", ports: [8080], fileSystem: false },
] as const;

const runs = {} as Record<StackName | "tuned", ProgramRun>;
let configError: Error;

beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
  runs.tuned = await runProgram({
    stack: "staging",
    config: {
      alarmCpuPercent: 70,
      alarmMemoryPercent: 75,
      alarm5xxCount: 25,
      alarmEvaluationPeriods: 5,
      alarmEmails: ["oncall@example.com", "platform@example.com"],
      securityStackHealthCheckGracePeriodSeconds: 1800,
    },
  });
  configError = await runProgram({
    stack: "staging",
    config: { alarmCpuPercent: 0, alarmMemoryPercent: 101, alarm5xxCount: 0, alarmEvaluationPeriods: 61, alarmEmails: ["oncall"] },
  }).then(
    () => new Error("the program accepted the config"),
    (e: Error) => e,
  );
}, 60_000);

const sortedJson = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/** The names of the alarms any service's deployments roll back on. */
function rollbackAlarmNames(run: ProgramRun): Set<string> {
  return new Set(run.ofType(SERVICE).flatMap((s) => rollbackAlarmsOf(run, s).map((a) => a.state.name)));
}

/** The paging alarms (not the deployment-rollback ones) on one metric with exactly these dimensions. */
function alarmsOn(run: ProgramRun, namespace: string, metricName: string, dimensions: Record<string, string>): Captured[] {
  const rollback = rollbackAlarmNames(run);
  return run
    .ofType(ALARM)
    .filter((a) => !rollback.has(a.state.name))
    .filter((a) => a.inputs.namespace === namespace && a.inputs.metricName === metricName && sortedJson(a.inputs.dimensions) === sortedJson(dimensions));
}

function theAlarmOn(run: ProgramRun, namespace: string, metricName: string, dimensions: Record<string, string>): Record<string, any> {
  const found = alarmsOn(run, namespace, metricName, dimensions);
  if (found.length !== 1) throw new Error(`expected one alarm on ${namespace} ${metricName} ${JSON.stringify(dimensions)}, found ${found.length}`);
  return found[0].inputs;
}

/** The ALB dimensions of a service's target group on a port: what CloudWatch files target-group metrics under. */
function targetGroupDimensions(run: ProgramRun, service: string, port: number): Record<string, string> {
  const loadBalancer = run.ofType("aws:lb/loadBalancer:LoadBalancer");
  expect(loadBalancer).toHaveLength(1);
  return { TargetGroup: run.get(TARGET_GROUP, `${service}-${port}`).state.arnSuffix, LoadBalancer: loadBalancer[0].state.arnSuffix };
}

/** The running-tasks alarm of a service: metric math over Container Insights' running and desired counts. */
function theRunningTasksAlarm(run: ProgramRun, dimensions: Record<string, string>): Record<string, any> {
  const found = run
    .ofType(ALARM)
    .filter((a) => (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.metricName === "RunningTaskCount" && sortedJson(q.metric.dimensions) === sortedJson(dimensions)));
  if (found.length !== 1) throw new Error(`expected one running-tasks alarm on ${JSON.stringify(dimensions)}, found ${found.length}`);
  return found[0].inputs;
}

function serviceDimensions(run: ProgramRun, key: string): Record<string, string> {
  return { ClusterName: run.outputs.clusterName, ServiceName: run.outputs.serviceNames[key] };
}

describe.each(["staging", "prod"] as const)("%s: alarms per system", (stack) => {
  const run = () => runs[stack];
  /** Whether the committed stack sleeps outside its awake hours (staging does). */
  const sleeps = Boolean(committedConfig(stack)["ai-platform:awakeHours"]);
  const service = (name: string) => run().get(SERVICE, name).inputs;

  describe.each(SYSTEMS.flatMap((s) => s.ports.map((port) => [s.service, port] as const)))("the %s target group on port %i", (name, port) => {
    it("alarms when any target behind it fails its health check, for longer than the service's grace period", () => {
      const alarm = theAlarmOn(run(), "AWS/ApplicationELB", "UnHealthyHostCount", targetGroupDimensions(run(), name, port));
      expect(alarm).toMatchObject({ statistic: "Maximum", period: 60, threshold: 0, comparisonOperator: "GreaterThanThreshold" });
      // A task still inside its grace period (model downloads on first start) must not roll the deploy back.
      expect(alarm.evaluationPeriods * alarm.period).toBeGreaterThanOrEqual(service(name).healthCheckGracePeriodSeconds);
      expect(alarm.evaluationPeriods).toBeGreaterThanOrEqual(3);
      expect(alarm.datapointsToAlarm ?? alarm.evaluationPeriods).toBe(alarm.evaluationPeriods);
    });

    it("alarms on more than 10 target 5xx answers a minute for 3 minutes", () => {
      const alarm = theAlarmOn(run(), "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", targetGroupDimensions(run(), name, port));
      expect(alarm).toMatchObject({ statistic: "Sum", period: 60, threshold: 10, comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 3 });
      // No requests, no 5xx: silence is not an outage of this alarm.
      expect(alarm.treatMissingData).toBe("notBreaching");
    });
  });

  describe.each(SYSTEMS.map((s) => [s.service, s.key] as const))("the %s service", (name, key) => {
    it("alarms when fewer tasks run than desired (Container Insights; never less than the service's floor)", () => {
      const alarm = theRunningTasksAlarm(run(), serviceDimensions(run(), key));
      expect(alarm).toMatchObject({ threshold: 0, comparisonOperator: "GreaterThanThreshold" });
      expect(alarm.period).toBeUndefined();
      const queries = Object.fromEntries(alarm.metricQueries.map((q: any) => [q.id, q]));
      expect(queries.running.metric).toMatchObject({ namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", stat: "Minimum", period: 60 });
      expect(queries.desired.metric).toMatchObject({ namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", stat: "Maximum", period: 60 });
      expect(queries.desired.metric.dimensions).toEqual(serviceDimensions(run(), key));
      expect(alarm.metricQueries.filter((q: any) => q.returnData)).toHaveLength(1);
      const value = (data: Datapoints) => evaluate(queries.missing.expression, data);
      // Awake: a task short is an alarm, all running is none.
      const floor = service(name).desiredCount;
      expect(inAlarm(alarm, value({ desired: floor, running: floor - 1 }))).toBe(true);
      expect(inAlarm(alarm, value({ desired: floor, running: floor }))).toBe(false);
      // A starting task is not missing until its grace is over; a single writer's deploy stops the old task before the
      // new one is up, which is no outage until that restart's own bound has passed.
      expect(alarm.evaluationPeriods * 60).toBeGreaterThanOrEqual(service(name).healthCheckGracePeriodSeconds);
      const g = graphDeployTime(run(), run().get(SERVICE, name));
      if (g.singleWriter) expect(alarm.evaluationPeriods * 60).toBeGreaterThanOrEqual(g.drain + g.stop + TASK_START_SECONDS + Math.max(g.containersHealthy, g.grace));
    });

    if (sleeps) {
      it("stays quiet while the stack sleeps: 0 desired and 0 running, or no report at all, is no alarm", () => {
        const alarm = theRunningTasksAlarm(run(), serviceDimensions(run(), key));
        const expression = alarm.metricQueries.find((q: any) => q.returnData).expression;
        expect(inAlarm(alarm, evaluate(expression, { desired: 0, running: 0 }))).toBe(false);
        expect(inAlarm(alarm, evaluate(expression, {}))).toBe(false);
        expect(inAlarm(alarm, undefined)).toBe(false);
      });
    } else {
      it("alarms when no task reports at all: silence from a service that never sleeps is an outage", () => {
        const alarm = theRunningTasksAlarm(run(), serviceDimensions(run(), key));
        const expression = alarm.metricQueries.find((q: any) => q.returnData).expression;
        expect(inAlarm(alarm, evaluate(expression, {}))).toBe(true);
        expect(inAlarm(alarm, undefined)).toBe(true);
      });
    }

    it("alarms on CPU and on memory above 85% of the task's reservation for 3 minutes", () => {
      for (const metric of ["CPUUtilization", "MemoryUtilization"]) {
        const alarm = theAlarmOn(run(), "AWS/ECS", metric, serviceDimensions(run(), key));
        expect(alarm).toMatchObject({ statistic: "Average", period: 60, threshold: 85, comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 3 });
      }
    });
  });

  it("runs the cluster with Container Insights, without which the running-task alarms would breach forever", () => {
    const [cluster] = run().ofType("aws:ecs/cluster:Cluster");
    expect(cluster.inputs.settings).toContainEqual({ name: "containerInsights", value: expect.stringMatching(/^(enabled|enhanced)$/) });
  });

  it("has no alarm beyond those above, the file systems' and the firewall's (nothing unchecked)", () => {
    const targetGroups = SYSTEMS.reduce((n, s) => n + s.ports.length, 0);
    // tests/waf.test.ts checks the firewall's blocked-requests alarm, tests/network.test.ts the NAT instance's two.
    // tests/backup.test.ts checks each replicated file system's lag alarm and the restore test's, and
    // tests/single-writer.test.ts the three of each single writer (a second task, lock waits, a failed snapshot).
    const natInstance = committedConfig(stack)["ai-platform:natGateways"] === "instance" ? 2 : 0;
    const replicas = committedConfig(stack)["ai-platform:efsReplicationRegion"] ? 2 : 0;
    // Per target group: unhealthy targets and 5xx, which page, and the 5xx alarm deployments roll back on; per
    // single writer: a second task, lock waits and failed snapshots; the restore test's.
    const singleWriters = SYSTEMS.filter((s) => s.fileSystem).length;
    expect(run().ofType(ALARM)).toHaveLength(3 * targetGroups + 3 * SYSTEMS.length + 2 + 1 + natInstance + replicas + 3 * singleWriters + 1);
  });

  if (sleeps) {
    it("puts no service alarm, deployment-rollback ones included, in ALARM while the stack sleeps (no task, no datapoint)", () => {
      const serviceAlarms = run()
        .ofType(ALARM)
        .filter((a) => SYSTEMS.some((s) => a.name.startsWith(`${s.service}-`)) && !a.name.includes("burst-credits") && !a.name.includes("throughput"));
      expect(serviceAlarms.length).toBeGreaterThan(0);
      const rollback = new Set(run().ofType(SERVICE).flatMap((s) => s.inputs.alarms?.alarmNames ?? []));
      expect(serviceAlarms.filter((a) => rollback.has(a.state.name)).length).toBeGreaterThan(0);
      for (const a of serviceAlarms) {
        const returned = (a.inputs.metricQueries ?? []).find((q: any) => q.returnData);
        const value = returned?.expression ? evaluate(returned.expression, {}) : undefined;
        expect({ alarm: a.name, inAlarm: inAlarm(a.inputs, value) }).toEqual({ alarm: a.name, inAlarm: false });
      }
    });
  }

  it("sends every alarm and its recovery to the stack's alarm topic", () => {
    const topicArn = run().outputs.alarmTopicArn;
    expect(topicArn).toBe(run().get("aws:sns/topic:Topic", "alarms").state.arn);
    for (const alarm of run().ofType(ALARM)) {
      // EC2's own recovery of the NAT instance is an action besides the topic, never instead of it.
      const alarmActions = alarm.inputs.alarmActions.filter((a: string) => !/^arn:aws:automate:[a-z0-9-]+:ec2:recover$/.test(a));
      expect({ name: alarm.name, alarmActions, okActions: alarm.inputs.okActions }).toEqual({
        name: alarm.name,
        alarmActions: [topicArn],
        okActions: [topicArn],
      });
    }
  });

  it("names every alarm uniquely within CloudWatch's limits, prefixed by the stack so stacks sharing an account never collide", () => {
    const alarms = run().ofType(ALARM).map((a) => a.inputs);
    const names = alarms.map((a) => a.name as string);
    expect(new Set(names).size).toBe(names.length);
    for (const a of alarms) {
      expect(a.name.length).toBeLessThanOrEqual(255);
      expect(a.name.startsWith(`${stack}-`)).toBe(true);
      expect((a.alarmDescription ?? "").length).toBeLessThanOrEqual(1024);
      // CloudWatch refuses an evaluation window longer than a day.
      const period = a.period ?? Math.max(...(a.metricQueries ?? []).map((q: any) => q.metric?.period ?? 0));
      expect(a.evaluationPeriods * period).toBeLessThanOrEqual(ONE_DAY);
    }
  });
});

it("gives staging and prod disjoint alarm names", () => {
  const staging = new Set(runs.staging.ofType(ALARM).map((a) => a.state.name));
  expect(runs.prod.ofType(ALARM).filter((a) => staging.has(a.state.name))).toEqual([]);
});

describe("EFS alarms", () => {
  describe.each(SYSTEMS.filter((s) => s.fileSystem).map((s) => s.key))("the %s file system", (key) => {
    it("in staging (bursting) alarms when its burst credits fall below 100 GiB", () => {
      const dimensions = { FileSystemId: runs.staging.outputs.efsFileSystemIds[key] };
      const fs = runs.staging.ofType("aws:efs/fileSystem:FileSystem").find((f) => f.state.arn.endsWith(`/${dimensions.FileSystemId}`));
      expect(fs?.inputs.throughputMode).toBe("bursting");
      const alarm = theAlarmOn(runs.staging, "AWS/EFS", "BurstCreditBalance", dimensions);
      expect(alarm).toMatchObject({ statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: BURST_CREDIT_ALARM_BYTES });
      expect(BURST_CREDIT_ALARM_BYTES).toBe(100 * 2 ** 30);
      expect(alarm.evaluationPeriods * alarm.period).toBeGreaterThanOrEqual(15 * 60);
    });

    it("in prod (elastic) alarms when it uses more than 80% of its permitted throughput, and has no burst-credit alarm", () => {
      const dimensions = { FileSystemId: runs.prod.outputs.efsFileSystemIds[key] };
      const fs = runs.prod.ofType("aws:efs/fileSystem:FileSystem").find((f) => f.state.arn.endsWith(`/${dimensions.FileSystemId}`));
      expect(fs?.inputs.throughputMode).toBe("elastic");
      expect(alarmsOn(runs.prod, "AWS/EFS", "BurstCreditBalance", dimensions)).toEqual([]);

      const alarms = runs.prod.ofType(ALARM).filter((a) => (a.inputs.metricQueries ?? []).some((q: any) => sortedJson(q.metric?.dimensions) === sortedJson(dimensions)));
      expect(alarms).toHaveLength(1);
      const alarm = alarms[0].inputs;
      expect(alarm).toMatchObject({ threshold: THROUGHPUT_ALARM_PERCENT, comparisonOperator: "GreaterThanThreshold" });
      expect(THROUGHPUT_ALARM_PERCENT).toBe(80);
      const queries: any[] = alarm.metricQueries;
      const metrics = queries.filter((q) => q.metric);
      expect(metrics.map((q) => q.metric)).toEqual([
        { namespace: "AWS/EFS", metricName: "MeteredIOBytes", dimensions, stat: "Sum", period: 60 },
        { namespace: "AWS/EFS", metricName: "PermittedThroughput", dimensions, stat: "Average", period: 60 },
      ]);
      // CloudWatch alarms on exactly one returned series: the expression.
      const returned = queries.filter((q) => q.returnData);
      expect(returned).toHaveLength(1);
      expect(returned[0].expression).toBeDefined();
      // The expression really is a percentage: 90 MiB/s metered against 100 MiB/s permitted is 90%.
      const mib = 2 ** 20;
      const values: Record<string, number> = { [metrics[0].id]: 90 * mib * 60, [metrics[1].id]: 100 * mib };
      const usage = new Function(...Object.keys(values), `return ${returned[0].expression};`)(...Object.values(values));
      expect(usage).toBeCloseTo(90);
    });
  });

  it("staging has no throughput alarm and prod no burst-credit alarm: each mode alarms on its own limit", () => {
    expect(runs.staging.ofType(ALARM).filter((a) => (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.namespace === "AWS/EFS"))).toEqual([]);
    expect(runs.prod.ofType(ALARM).filter((a) => a.inputs.metricName === "BurstCreditBalance")).toEqual([]);
  });
});

describe("deployment rollback alarms", () => {
  describe.each(["staging", "prod"] as const)("%s", (stack) => {
    it("leave no service without its guarantees: a crash, a task never healthy, a 5xx release roll back; nothing a good deploy does", () => {
      expect(rollbackProblems(runs[stack])).toEqual([]);
    });

    it.each(SYSTEMS.map((s) => s.service))("the %s service rolls a deploy back on one one-minute target-5xx alarm per target group of its own", (name) => {
      const run = runs[stack];
      const service = run.get(SERVICE, name);
      const ownTargetGroups = targetGroupsOf(run, service);
      expect(ownTargetGroups.map((tg) => tg.inputs.port).sort()).toEqual(SYSTEMS.find((s) => s.service === name)!.ports);
      const alarms = rollbackAlarmsOf(run, service);
      expect(alarms.map((a) => a.inputs.dimensions.TargetGroup).sort()).toEqual(ownTargetGroups.map((tg) => tg.state.arnSuffix).sort());
      for (const a of alarms) {
        expect(a.inputs).toMatchObject({ metricName: "HTTPCode_Target_5XX_Count", statistic: "Sum", period: 60, evaluationPeriods: 1, threshold: 10 });
        expect(a.inputs.alarmActions).toEqual([run.outputs.alarmTopicArn]);
      }
      expect(service.inputs.alarms).toEqual({ alarmNames: expect.any(Array), enable: true, rollback: true });
      // The circuit breaker stays on too: it catches tasks that crash or never turn healthy, the alarm a release that errs.
      expect(service.inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    });

    it("never rolls back on target health, the task count or load, which a slow first start or a single writer's restart trips", () => {
      const rollback = rollbackAlarmNames(runs[stack]);
      const tripped = runs[stack]
        .ofType(ALARM)
        .filter(
          (a) =>
            ["UnHealthyHostCount", "HealthyHostCount", "CPUUtilization", "MemoryUtilization"].includes(a.inputs.metricName) ||
            (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.metricName === "RunningTaskCount"),
        )
        .map((a) => a.state.name);
      expect(tripped.length).toBeGreaterThan(0);
      expect(tripped.filter((n) => rollback.has(n))).toEqual([]);
    });

    it("creates the rollback alarms before the services that name them", () => {
      const run = runs[stack];
      for (const service of run.ofType(SERVICE)) {
        const alarmUrns = rollbackAlarmsOf(run, service).map((a) => a.urn);
        expect(alarmUrns.length).toBeGreaterThan(0);
        expect(service.dependencies).toEqual(expect.arrayContaining(alarmUrns));
      }
    });
  });

  it("names what a service lacks: a rollback alarm that a slow start trips, a target group without one, a breaker that stops short", () => {
    const run = runs.prod;
    const console = run.get(SERVICE, "console");
    const [consoleAlarm] = rollbackAlarmsOf(run, console);
    const gatewayAlarm = rollbackAlarmsOf(run, run.get(SERVICE, "gateway"))[0];
    const doctored = withLookups({
      ...run,
      resources: run.resources.map((r) => {
        if (r === console) return { ...r, inputs: { ...r.inputs, deploymentCircuitBreaker: { enable: true, rollback: false } } };
        if (r === consoleAlarm) return { ...r, inputs: { ...r.inputs, metricName: "UnHealthyHostCount", statistic: "Maximum", evaluationPeriods: 15 } };
        if (r === gatewayAlarm) return { ...r, state: { ...r.state, name: "renamed" } };
        return r;
      }),
    });
    expect(rollbackProblems(doctored).sort()).toEqual([
      "console: rollback alarm console-8080-deploy-5xx bakes every deploy for 900 s",
      "console: rollback alarm console-8080-deploy-5xx watches UnHealthyHostCount, which a good deploy can trip",
      "console: the circuit breaker does not roll back",
      "gateway: target group gateway-3000 has 0 rollback alarms, not one",
    ]);
  });

  it("keep prod within issue #29's goals: a minute's bake, and configured wait, worst good deploy and cutover within bounds", () => {
    for (const service of runs.prod.ofType(SERVICE)) {
      const g = graphDeployTime(runs.prod, service);
      expect([service.name, g.bake]).toEqual([service.name, 60]);
      expect([service.name, g.configuredWait <= DEPLOY_TIME_GOALS.configuredWaitSeconds]).toEqual([service.name, true]);
      expect([service.name, g.firstStart <= DEPLOY_TIME_GOALS.worstGoodSeconds]).toEqual([service.name, true]);
      if (g.singleWriter) expect([service.name, g.cutover! <= DEPLOY_TIME_GOALS.cutoverSeconds]).toEqual([service.name, true]);
    }
  });
});

describe("the alarm topic", () => {
  describe.each(["staging", "prod"] as const)("%s", (stack) => {
    const topic = () => runs[stack].get("aws:sns/topic:Topic", "alarms");
    const key = () => runs[stack].get("aws:kms/key:Key", "alarms");

    it("is the one topic of the stack, its ARN an output", () => {
      expect(runs[stack].ofType("aws:sns/topic:Topic")).toHaveLength(1);
      expect(runs[stack].outputs.alarmTopicArn).toBe(topic().state.arn);
    });

    it("is encrypted with its own rotating KMS key, not the AWS-managed SNS key CloudWatch cannot use", () => {
      expect(topic().inputs.kmsMasterKeyId).toBeTruthy();
      expect(topic().inputs.kmsMasterKeyId).not.toMatch(/alias\/aws\/sns/);
      expect(topic().dependencies).toContain(key().urn);
      expect(key().inputs.enableKeyRotation).toBe(true);
    });

    it("has a key policy that lets CloudWatch encrypt alarm notifications and keeps the account in control of the key", () => {
      const statements: any[] = policyDocument(key()).Statement;
      const cloudwatch = statements.find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com");
      expect(cloudwatch).toMatchObject({ Effect: "Allow" });
      expect(cloudwatch.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]));
      // Without the account root, KMS's lockout check refuses the policy and nobody could manage the key.
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*" }),
      );
    });

    it("lets CloudWatch alarms publish to it", () => {
      const policy = runs[stack].get("aws:sns/topicPolicy:TopicPolicy", "alarms");
      expect(policy.state.arn).toBe(topic().state.arn);
      expect(policyDocument(policy).Statement).toContainEqual(
        expect.objectContaining({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: topic().state.arn }),
      );
    });
  });

  it("in prod mails the on-call address from alarmEmails", () => {
    const subscriptions = runs.prod.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs);
    expect(subscriptions).toEqual([
      expect.objectContaining({ topic: runs.prod.outputs.alarmTopicArn, protocol: "email", endpoint: "platform-oncall@example.com" }),
    ]);
  });

  it("in staging mails nobody (no alarmEmails)", () => {
    expect(runs.staging.ofType("aws:sns/topicSubscription:TopicSubscription")).toEqual([]);
  });
});

describe("thresholds from config (alarmCpuPercent 70, alarmMemoryPercent 75, alarm5xxCount 25, alarmEvaluationPeriods 5)", () => {
  const run = () => runs.tuned;

  it("alarms on CPU above 70% and memory above 75% over 5 minutes", () => {
    for (const s of SYSTEMS) {
      expect(theAlarmOn(run(), "AWS/ECS", "CPUUtilization", serviceDimensions(run(), s.key))).toMatchObject({ threshold: 70, evaluationPeriods: 5 });
      expect(theAlarmOn(run(), "AWS/ECS", "MemoryUtilization", serviceDimensions(run(), s.key))).toMatchObject({ threshold: 75, evaluationPeriods: 5 });
    }
  });

  it("alarms on more than 25 target 5xx a minute over 5 minutes", () => {
    for (const s of SYSTEMS) {
      for (const port of s.ports) {
        const alarm = theAlarmOn(run(), "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", targetGroupDimensions(run(), s.service, port));
        expect(alarm).toMatchObject({ threshold: 25, evaluationPeriods: 5 });
      }
    }
  });

  it("rolls deployments back on more than 25 target 5xx in one minute: the bake time stays a minute", () => {
    for (const service of run().ofType(SERVICE)) {
      for (const a of rollbackAlarmsOf(run(), service)) expect(a.inputs).toMatchObject({ threshold: 25, evaluationPeriods: 1, period: 60 });
    }
  });

  it("uses 5 periods for unhealthy targets where that covers the grace period, and stretches to a longer grace (1800 s → 30)", () => {
    const periods = (service: string, port: number) =>
      theAlarmOn(run(), "AWS/ApplicationELB", "UnHealthyHostCount", targetGroupDimensions(run(), service, port)).evaluationPeriods;
    expect(periods("gateway", 3000)).toBe(5);
    expect(periods("console", 8080)).toBe(5);
    expect(periods("security", 8000)).toBe(30);
    expect(periods("security", 8001)).toBe(30);
    expect(run().get(SERVICE, "security").inputs.healthCheckGracePeriodSeconds).toBe(1800);
  });

  it("subscribes every address in alarmEmails", () => {
    const endpoints = run().ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint]);
    expect(endpoints).toEqual([
      ["email", "oncall@example.com"],
      ["email", "platform@example.com"],
    ]);
  });
});

describe("alarm config that CloudWatch or common sense refuses", () => {
  it.each([
    "ai-platform:alarmCpuPercent: 0 is out of range; use 1 to 100",
    "ai-platform:alarmMemoryPercent: 101 is out of range; use 1 to 100",
    "ai-platform:alarm5xxCount: 0 is out of range; use 1 or more",
    "ai-platform:alarmEvaluationPeriods: 61 is out of range; use 1 to 60",
    'ai-platform:alarmEmails: "oncall" is not an e-mail address',
  ])("is refused before anything is created: %s", (message) => {
    expect(configError.name).toBe("ConfigError");
    expect(configError.message).toContain(message);
  });
});
