import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Architecture, HealthCheckTiming, TaskSize } from "../config";
import { ContainerSpec, renderContainerDefinitions, withHealthCheckDefaults } from "./container-definition";
import { ContainerTiming, DeployTime, deployTime, serviceTimeouts } from "./deploy-time";
import { Endpoint } from "./platform";
import { Volume } from "./volume";

export type { ContainerHealthCheck, ContainerImage, ContainerMount, ContainerSpec } from "./container-definition";

/** A container port published through the shared load balancer. */
export interface ExposedPort {
  endpoint: Endpoint;
  containerName: string;
  containerPort: number;
  /** Target-group health check path. @example "/health" */
  healthCheckPath: string;
  /** Paths answered 403 unless the caller's address is in `allowCidrs` (for APIs without authentication). */
  restrictedPaths?: { pathPattern: string; allowCidrs: string[] };
}

export interface AlarmArgs {
  /** SNS topic every alarm notifies. */
  topicArn: pulumi.Input<string>;
  cpuPercent: number;
  memoryPercent: number;
  /** Target 5xx per minute. */
  target5xxCount: number;
  evaluationPeriods: number;
}

export interface FargateServiceArgs {
  clusterArn: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** Private subnets the tasks run in (no public IP). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  loadBalancer: aws.lb.LoadBalancer;
  albSecurityGroupId: pulumi.Input<string>;
  /** Task CPU units and memory (MiB): a Fargate size. */
  size: TaskSize;
  architecture: Architecture;
  containers: ContainerSpec[];
  exposedPorts: ExposedPort[];
  volumes?: Volume[];
  /** Target-group timing shared by the stack. */
  healthCheck: HealthCheckTiming;
  /** Seconds ECS ignores failing target health after a task starts. @default 60 */
  healthCheckGracePeriodSeconds: number;
  logRetentionDays: number;
  /**
   * `singleWriter`: exactly one task; the old task stops before the new starts (state in SQLite/JSON files).
   * `stateless`: rolling deploys and autoscaling between min and max.
   */
  scaling: { mode: "singleWriter" } | { mode: "stateless"; min: number; max: number; cpuTargetPercent?: number; requestsPerTarget?: number };
  /** Outbound from tasks: `https` (443 only, the default) or `any` TCP (a proxy to arbitrary upstreams). */
  egress?: "https" | "any";
  /** Allow `aws ecs execute-command`; grants the task role SSM messages only when on. @default false */
  enableExecuteCommand?: boolean;
  alarms?: AlarmArgs;
}

/** Logical names of target groups must leave room for the 8 characters the provider appends (32 in all). */
export const MAX_TARGET_GROUP_LOGICAL_NAME = 24;

/** Seconds a rolling deploy of one stateless target takes at best: healthy checks in a row, then draining. */
export function rolloutBoundSeconds(
  t: Pick<HealthCheckTiming, "healthyThreshold" | "intervalSeconds" | "deregistrationDelaySeconds">,
): number {
  return t.healthyThreshold * t.intervalSeconds + t.deregistrationDelaySeconds;
}

/**
 * The building block every system is made of: a task definition with several containers, its roles, log
 * group and security group, an ECS service in private subnets, and for each exposed port a target group and
 * listener rules on the shared load balancer — with health checks, circuit breaker, rollback alarms and
 * either autoscaling (stateless) or single-writer deploys (stateful).
 */
export class FargateService extends pulumi.ComponentResource {
  public readonly service: aws.ecs.Service;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  public readonly targetGroups: aws.lb.TargetGroup[] = [];
  public readonly rolloutBoundSeconds: number;
  /** The worst good deploy of this service, phase by phase; its custom timeouts are derived from it. */
  public readonly deployTime: DeployTime;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:service:FargateService", name, {}, opts);
    validate(name, args, this);
    const parent = { parent: this };
    const volumes = args.volumes ?? [];
    const mounts = volumes.flatMap((v) => v.mounts);
    this.rolloutBoundSeconds = rolloutBoundSeconds(args.healthCheck);

    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      { name: `/ecs/${pulumi.getStack()}/${name}`, retentionInDays: args.logRetentionDays },
      parent,
    );

    // --- Security group: in only from the ALB on exposed ports; out only where the tasks must go.
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-tasks`,
      // No inline `egress` (the provider revokes AWS's default allow-all on create): it would be authoritative
      // and revoke the separate egress rules below on the next refresh.
      { vpcId: args.vpcId, description: `${name} tasks: in from the load balancer on exposed ports only`, tags: { Name: `${name}-tasks` } },
      parent,
    );
    // Every rule the tasks need to pull images, read secrets, pass target checks and mount EFS: the service
    // waits for all of them (see `prerequisites` below).
    const networkRules: pulumi.Resource[] = [];
    const exposedContainerPorts = [...new Set(args.exposedPorts.map((p) => p.containerPort))];
    for (const port of exposedContainerPorts) {
      networkRules.push(new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-${port}`,
        {
          securityGroupId: this.securityGroup.id,
          referencedSecurityGroupId: args.albSecurityGroupId,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Port ${port} from the load balancer`,
        },
        parent,
      ));
      networkRules.push(new aws.vpc.SecurityGroupEgressRule(
        `${name}-alb-out-${port}`,
        {
          securityGroupId: args.albSecurityGroupId,
          referencedSecurityGroupId: this.securityGroup.id,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Load balancer to ${name} tasks on ${port}`,
        },
        parent,
      ));
    }
    const anyEgress = args.egress === "any";
    networkRules.push(new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-${anyEgress ? "tcp" : "https"}`,
      {
        securityGroupId: this.securityGroup.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: anyEgress ? 1 : 443,
        toPort: anyEgress ? 65535 : 443,
        description: anyEgress ? "Any TCP: upstream servers on arbitrary ports" : "HTTPS: ECR, Secrets Manager, CloudWatch Logs, third-party APIs",
      },
      parent,
    ));
    for (const [i, volume] of volumes.entries()) {
      networkRules.push(new aws.vpc.SecurityGroupEgressRule(
        `${name}-out-nfs-${i}`,
        {
          securityGroupId: this.securityGroup.id,
          referencedSecurityGroupId: volume.securityGroup.id,
          ipProtocol: "tcp",
          fromPort: 2049,
          toPort: 2049,
          // EC2 allows only a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in descriptions (no apostrophe).
          description: "NFS to the EFS mount targets",
        },
        parent,
      ), volume.allowClient(name, this.securityGroup.id));
    }

    // --- IAM: the execution role starts the task; the task role is what the application may do.
    const assumeEcsTasks = aws.iam.assumeRolePolicyForPrincipal({ Service: "ecs-tasks.amazonaws.com" });
    this.executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: JSON.stringify(assumeEcsTasks) }, parent);
    const secretArns = uniqueOutputs(args.containers.flatMap((c) => Object.values(c.secrets ?? {}).map((s) => s.arn)));
    const repositoryArns = uniqueOutputs(
      args.containers.flatMap((c) => ("repositoryArn" in c.image ? [pulumi.output(c.image.repositoryArn)] : [])),
    );
    const rolePolicies: aws.iam.RolePolicy[] = [];
    rolePolicies.push(new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: this.executionRole.id,
        policy: pulumi.all([secretArns, repositoryArns, this.logGroup.arn]).apply(([secrets, repos, logGroupArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              ...(repos.length
                ? [
                    { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                    {
                      Sid: "EcrPull",
                      Effect: "Allow",
                      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                      Resource: repos,
                    },
                  ]
                : []),
              { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
              ...(secrets.length
                ? [{ Sid: "Secrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets }]
                : []),
            ],
          }),
        ),
      },
      parent,
    ));

    this.taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: JSON.stringify(assumeEcsTasks) }, parent);
    const taskStatements: pulumi.Output<aws.iam.PolicyStatement>[] = volumes.map((v) => v.clientPolicyStatement());
    if (args.enableExecuteCommand) {
      taskStatements.push(
        pulumi.output({
          Sid: "EcsExec",
          Effect: "Allow",
          Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
          Resource: "*",
        } as aws.iam.PolicyStatement),
      );
    }
    if (taskStatements.length > 0) {
      rolePolicies.push(new aws.iam.RolePolicy(
        `${name}-task`,
        {
          role: this.taskRole.id,
          policy: pulumi.all(taskStatements).apply((Statement) => JSON.stringify({ Version: "2012-10-17", Statement })),
        },
        parent,
      ));
    }

    // --- Task definition
    const region = aws.getRegionOutput({}, parent).region;
    const containerDefinitions = renderContainerDefinitions(args.containers, { logGroupName: this.logGroup.name, region });

    this.taskDefinition = new aws.ecs.TaskDefinition(
      name,
      {
        family: `${pulumi.getStack()}-${name}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.size.cpu),
        memory: String(args.size.memory),
        runtimePlatform: { cpuArchitecture: args.architecture, operatingSystemFamily: "LINUX" },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions,
        volumes: mounts.map((m) => ({
          name: m.name,
          efsVolumeConfiguration: {
            fileSystemId: m.fileSystemId,
            transitEncryption: "ENABLED",
            authorizationConfig: { accessPointId: m.accessPointId, iam: "ENABLED" },
          },
        })),
      },
      parent,
    );

    // --- Load balancing: a target group per exposed port and its listener rules.
    const listenerRules: aws.lb.ListenerRule[] = [];
    const rollbackAlarms: RollbackAlarm[] = [];
    const loadBalancers = args.exposedPorts.map((port) => {
      const tgName = `${name}-${port.containerPort}`;
      const targetGroup = new aws.lb.TargetGroup(
        tgName,
        {
          vpcId: args.vpcId,
          targetType: "ip",
          protocol: "HTTP",
          port: port.containerPort,
          deregistrationDelay: args.healthCheck.deregistrationDelaySeconds,
          healthCheck: {
            enabled: true,
            path: port.healthCheckPath,
            port: String(port.containerPort),
            protocol: "HTTP",
            matcher: "200",
            interval: args.healthCheck.intervalSeconds,
            timeout: args.healthCheck.timeoutSeconds,
            healthyThreshold: args.healthCheck.healthyThreshold,
            unhealthyThreshold: args.healthCheck.unhealthyThreshold,
          },
        },
        { parent: this, deleteBeforeReplace: false },
      );
      this.targetGroups.push(targetGroup);
      listenerRules.push(...this.createListenerRules(tgName, port, targetGroup));
      if (args.alarms) rollbackAlarms.push(...this.createTargetAlarms(tgName, port, targetGroup, args));
      return { targetGroupArn: targetGroup.arn, containerName: port.containerName, containerPort: port.containerPort };
    });

    // --- What the first task needs before it starts. The engine creates a resource as soon as what it
    // references exists, and the service references none of these: without the wait, CreateService fails on a
    // target group no listener rule attaches yet, and the first tasks fail on mount targets that are still
    // creating, missing NFS or egress rules, or role policies that do not exist yet, until the circuit breaker
    // fails a first deployment that has nothing to roll back to.
    const prerequisites: pulumi.Resource[] = [
      ...listenerRules,
      ...networkRules,
      ...volumes.flatMap((v): pulumi.Resource[] => [...v.mountTargets, v.fileSystemPolicy]),
      ...rolePolicies,
    ];

    this.deployTime = deployTime({
      containers: args.containers.map(containerTiming),
      gracePeriodSeconds: loadBalancers.length ? args.healthCheckGracePeriodSeconds : 0,
      targets: loadBalancers.length ? args.healthCheck : undefined,
      bakeSeconds: Math.max(0, ...rollbackAlarms.map((a) => a.windowSeconds)),
    });

    const singleWriter = args.scaling.mode === "singleWriter";
    this.service = new aws.ecs.Service(
      name,
      {
        cluster: args.clusterArn,
        taskDefinition: this.taskDefinition.arn,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        desiredCount: args.scaling.mode === "stateless" ? args.scaling.min : 1,
        // Single writer: stop the old task before the new one starts, so two never share the files.
        deploymentMinimumHealthyPercent: singleWriter ? 0 : 100,
        deploymentMaximumPercent: singleWriter ? 100 : 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: rollbackAlarms.length ? { alarmNames: rollbackAlarms.map((a) => a.alarm.name), enable: true, rollback: true } : undefined,
        healthCheckGracePeriodSeconds: loadBalancers.length ? args.healthCheckGracePeriodSeconds : undefined,
        loadBalancers,
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [this.securityGroup.id], assignPublicIp: false },
        enableExecuteCommand: args.enableExecuteCommand ?? false,
        propagateTags: "SERVICE",
        // `pulumi up` fails when the new tasks never become healthy instead of reporting success.
        waitForSteadyState: true,
      },
      {
        parent: this,
        dependsOn: prerequisites,
        customTimeouts: serviceTimeouts(this.deployTime),
        // Autoscaling owns the running count of a stateless service after creation.
        ignoreChanges: args.scaling.mode === "stateless" ? ["desiredCount"] : [],
      },
    );

    if (args.scaling.mode === "stateless") this.createAutoscaling(name, args.scaling, args);
    if (args.alarms) this.createServiceAlarms(name, args, args.alarms);

    this.registerOutputs({ serviceName: this.service.name, logGroupName: this.logGroup.name, deployTime: this.deployTime });
  }

  private createListenerRules(tgName: string, port: ExposedPort, targetGroup: aws.lb.TargetGroup): aws.lb.ListenerRule[] {
    const endpoint = port.endpoint;
    const rules: aws.lb.ListenerRule[] = [];
    const hostCondition = endpoint.host ? [{ hostHeader: { values: [endpoint.host] } }] : [];
    let priority = endpoint.priority;
    if (port.restrictedPaths) {
      const { pathPattern, allowCidrs } = port.restrictedPaths;
      // A rule holds at most 5 condition values: host and path take two, so three CIDRs fit per rule.
      for (let i = 0; i < allowCidrs.length; i += 3) {
        rules.push(new aws.lb.ListenerRule(
          `${tgName}-admin-${i / 3}`,
          {
            listenerArn: endpoint.listener.arn,
            priority: priority++,
            conditions: [...hostCondition, { pathPattern: { values: [pathPattern] } }, { sourceIp: { values: allowCidrs.slice(i, i + 3) } }],
            actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
          },
          { parent: this },
        ));
      }
      rules.push(new aws.lb.ListenerRule(
        `${tgName}-deny`,
        {
          listenerArn: endpoint.listener.arn,
          priority: endpoint.priority + 50,
          conditions: [...hostCondition, { pathPattern: { values: [pathPattern] } }],
          actions: [{ type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } }],
        },
        { parent: this },
      ));
    }
    rules.push(new aws.lb.ListenerRule(
      `${tgName}-forward`,
      {
        listenerArn: endpoint.listener.arn,
        priority: endpoint.priority + 90,
        conditions: endpoint.host ? hostCondition : [{ pathPattern: { values: ["/*"] } }],
        actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      { parent: this },
    ));
    return rules;
  }

  private createAutoscaling(
    name: string,
    scaling: { min: number; max: number; cpuTargetPercent?: number; requestsPerTarget?: number },
    args: FargateServiceArgs,
  ): void {
    const target = new aws.appautoscaling.Target(
      name,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${args.clusterName}/${this.service.name}`,
        minCapacity: scaling.min,
        maxCapacity: scaling.max,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${name}-cpu`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: scaling.cpuTargetPercent ?? 60,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      },
      { parent: this },
    );
    const firstTargetGroup = this.targetGroups[0];
    if (firstTargetGroup) {
      new aws.appautoscaling.Policy(
        `${name}-requests`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: {
              predefinedMetricType: "ALBRequestCountPerTarget",
              resourceLabel: pulumi.interpolate`${args.loadBalancer.arnSuffix}/${firstTargetGroup.arnSuffix}`,
            },
            targetValue: scaling.requestsPerTarget ?? 1000,
            scaleInCooldown: 300,
            scaleOutCooldown: 60,
          },
        },
        { parent: this },
      );
    }
  }

  /** Target alarms exist before the service, which rolls a deployment back when they fire. */
  private createTargetAlarms(tgName: string, port: ExposedPort, targetGroup: aws.lb.TargetGroup, args: FargateServiceArgs): RollbackAlarm[] {
    const alarms = args.alarms!;
    const dimensions = { TargetGroup: targetGroup.arnSuffix, LoadBalancer: args.loadBalancer.arnSuffix };
    // A starting task fails target checks until its grace period is over; the alarm must not fire before that.
    const unhealthyPeriods = minutesCoveringGrace(alarms.evaluationPeriods, args.healthCheckGracePeriodSeconds);
    const unhealthy = new aws.cloudwatch.MetricAlarm(
      `${tgName}-unhealthy`,
      {
        name: `${pulumi.getStack()}-${tgName}-unhealthy-targets`,
        alarmDescription: `${port.endpoint.name}: targets behind port ${port.containerPort} fail ${port.healthCheckPath}`,
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions,
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: unhealthyPeriods,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarms.topicArn],
        okActions: [alarms.topicArn],
      },
      { parent: this },
    );
    const errors = new aws.cloudwatch.MetricAlarm(
      `${tgName}-5xx`,
      {
        name: `${pulumi.getStack()}-${tgName}-target-5xx`,
        alarmDescription: `${port.endpoint.name}: more than ${alarms.target5xxCount} 5xx answers a minute from port ${port.containerPort}`,
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions,
        statistic: "Sum",
        period: 60,
        evaluationPeriods: alarms.evaluationPeriods,
        threshold: alarms.target5xxCount,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarms.topicArn],
        okActions: [alarms.topicArn],
      },
      { parent: this },
    );
    return [
      { alarm: unhealthy, windowSeconds: unhealthyPeriods * 60 },
      { alarm: errors, windowSeconds: alarms.evaluationPeriods * 60 },
    ];
  }

  private createServiceAlarms(name: string, args: FargateServiceArgs, alarms: AlarmArgs): void {
    const dimensions = { ClusterName: args.clusterName, ServiceName: this.service.name };
    const minimumTasks = args.scaling.mode === "stateless" ? args.scaling.min : 1;
    const common = {
      evaluationPeriods: alarms.evaluationPeriods,
      alarmActions: [alarms.topicArn],
      okActions: [alarms.topicArn],
    };
    // Desired minus running, both from Container Insights: catches a service below its desired count at any
    // scale (an autoscaled console whose extra tasks fail to start included).
    new aws.cloudwatch.MetricAlarm(
      `${name}-running-tasks`,
      {
        ...common,
        name: `${pulumi.getStack()}-${name}-running-tasks`,
        alarmDescription: `${name}: fewer tasks running than desired (at least ${minimumTasks})`,
        metricQueries: [
          {
            id: "running",
            metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, stat: "Minimum", period: 60 },
          },
          {
            id: "desired",
            metric: { namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", dimensions, stat: "Maximum", period: 60 },
          },
          // No running datapoints while no task reports is as bad as none running; without a desired datapoint
          // the service's floor stands in.
          { id: "missing", expression: `FILL(desired, ${minimumTasks}) - FILL(running, 0)`, label: "Tasks missing", returnData: true },
        ],
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
        // A single-writer deploy stops the old task first; allow the grace period before alarming.
        evaluationPeriods: minutesCoveringGrace(alarms.evaluationPeriods, args.healthCheckGracePeriodSeconds),
      },
      { parent: this },
    );
    (
      [
        ["cpu", "CPU", "CPUUtilization", alarms.cpuPercent],
        ["memory", "memory", "MemoryUtilization", alarms.memoryPercent],
      ] as const
    ).map(
      ([id, label, metricName, percent]) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-${id}`,
          {
            ...common,
            name: `${pulumi.getStack()}-${name}-${id}-high`,
            alarmDescription: `${name}: ${label} above ${percent}% of the task's reservation`,
            namespace: "AWS/ECS",
            metricName,
            period: 60,
            dimensions,
            statistic: "Average",
            threshold: percent,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
          },
          { parent: this },
        ),
    );
  }
}

/** An alarm that rolls the service's deployment back, and the window (seconds) ECS bakes the deployment for it. */
interface RollbackAlarm {
  alarm: aws.cloudwatch.MetricAlarm;
  windowSeconds: number;
}

/** A container's health-check timing with ECS's defaults applied, for the deploy-time bound. */
function containerTiming(c: ContainerSpec): ContainerTiming {
  return {
    name: c.name,
    ...withHealthCheckDefaults(c.healthCheck),
    waitsForHealthy: (c.dependsOn ?? []).filter((d) => d.condition === "HEALTHY").map((d) => d.containerName),
  };
}

/** One-minute evaluation periods: at least the configured number, and enough to outlast a start's grace period. */
function minutesCoveringGrace(configuredPeriods: number, gracePeriodSeconds: number): number {
  return Math.max(configuredPeriods, Math.ceil(gracePeriodSeconds / 60));
}

function uniqueOutputs(values: pulumi.Input<string>[]): pulumi.Output<string[]> {
  return pulumi.all(values).apply((v) => [...new Set(v)].sort());
}

/** Arguments AWS would refuse at `pulumi up`, refused here at preview with the component's name. */
function validate(name: string, args: FargateServiceArgs, resource: pulumi.Resource): void {
  const problems: string[] = [];
  const containerNames = new Set(args.containers.map((c) => c.name));
  const mountNames = new Set((args.volumes ?? []).flatMap((v) => v.mounts.map((m) => m.name)));
  if (args.containers.length === 0) problems.push("needs at least one container");
  if (containerNames.size !== args.containers.length) problems.push("container names must be unique");
  for (const c of args.containers) {
    const h = c.healthCheck;
    const check = (label: string, v: number | undefined, min: number, max: number) => {
      if (v !== undefined && (v < min || v > max)) problems.push(`container ${c.name}: health check ${label} ${v} is outside ECS's ${min} to ${max}`);
    };
    check("interval", h.intervalSeconds, 5, 300);
    check("timeout", h.timeoutSeconds, 2, 60);
    check("retries", h.retries, 1, 10);
    check("startPeriod", h.startPeriodSeconds, 0, 300);
    if (!["CMD", "CMD-SHELL"].includes(h.command[0])) problems.push(`container ${c.name}: health check command must start with CMD or CMD-SHELL`);
    for (const d of c.dependsOn ?? []) {
      if (!containerNames.has(d.containerName)) problems.push(`container ${c.name}: dependsOn unknown container ${d.containerName}`);
    }
    for (const m of c.mounts ?? []) {
      if (!mountNames.has(m.volume)) problems.push(`container ${c.name}: mount of unknown volume ${m.volume}`);
    }
    for (const env of Object.keys(c.environment ?? {})) {
      if (c.secrets && env in c.secrets) problems.push(`container ${c.name}: ${env} is both plain environment and a secret`);
    }
  }
  for (const p of args.exposedPorts) {
    const container = args.containers.find((c) => c.name === p.containerName);
    if (!container) problems.push(`exposed port ${p.containerPort}: unknown container ${p.containerName}`);
    else if (!(container.ports ?? []).includes(p.containerPort)) {
      problems.push(`exposed port ${p.containerPort}: container ${p.containerName} does not listen on it`);
    }
    const tgName = `${name}-${p.containerPort}`;
    if (tgName.length > MAX_TARGET_GROUP_LOGICAL_NAME) {
      problems.push(`target group name ${tgName} is longer than ${MAX_TARGET_GROUP_LOGICAL_NAME} characters (AWS allows 32 with the provider's suffix); use a shorter service name`);
    }
  }
  if (args.scaling.mode === "stateless") {
    const { min, max } = args.scaling;
    if (min < 1 || max < min) problems.push(`autoscaling needs 1 <= min <= max (got ${min}..${max})`);
  } else if ((args.volumes ?? []).length === 0) {
    problems.push("singleWriter mode is for services with volumes; use stateless");
  }
  if (args.healthCheckGracePeriodSeconds < 0 || args.healthCheckGracePeriodSeconds > 7200) {
    problems.push(`health-check grace period ${args.healthCheckGracePeriodSeconds} is outside 0 to 7200 seconds`);
  }
  if (problems.length) {
    throw new pulumi.ResourceError(`service ${name}: ${problems.join("; ")}`, resource, true);
  }
}
