import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { RESTORE_TEST, SINGLE_WRITER_ALARM } from "../shared/defaults";
import { FargateService } from "../service/fargate-service";
import { Volume } from "../resources/volume";

/** One system's figures on the dashboard. */
export interface DashboardSystem {
  /** Heading of its row. @example "MCP Gateway" */
  title: string;
  service: FargateService;
  volume?: Volume;
  /** A single writer's metrics counted from its log (lock waits, failed snapshots). @default none */
  writerMetrics?: string[];
}

export interface DashboardArgs {
  clusterName: pulumi.Input<string>;
  loadBalancerArnSuffix: pulumi.Input<string>;
  systems: DashboardSystem[];
  /** The web ACL's name, when the stack has a firewall: its allowed and blocked requests head the dashboard. */
  webAclName?: pulumi.Input<string>;
  /** The NAT instance, when the stack has one: its status checks and traffic. */
  natInstanceId?: pulumi.Input<string>;
  /** The restore test's workflow, when the stack has one: its checks that pass and those that do not. */
  restoreTestStateMachineArn?: pulumi.Input<string>;
}

/** Widget height/width on CloudWatch's 24-column grid. */
const W = 8;
const H = 6;

type Widget = Record<string, unknown>;

/**
 * One CloudWatch dashboard per stack: per system a row with tasks, CPU and memory, target health, 5xx and
 * latency per endpoint, and its file system's throughput — the figures the alarms watch.
 */
export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:monitoring:Dashboard", name, {}, opts);
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const body = pulumi
      .all([
        region,
        args.clusterName,
        args.loadBalancerArnSuffix,
        args.webAclName ?? "",
        args.natInstanceId ?? "",
        args.restoreTestStateMachineArn ?? "",
        pulumi.all(
          args.systems.map((s) =>
            pulumi.all([
              s.title,
              s.service.service.name,
              pulumi.all(s.service.targetGroups.map((tg) => pulumi.all([tg.arnSuffix, tg.port]))),
              s.volume ? s.volume.fileSystemId : "",
              s.writerMetrics ?? [],
            ]),
          ),
        ),
      ])
      .apply(renderDashboard);

    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      { dashboardName: `${pulumi.getProject()}-${pulumi.getStack()}`, dashboardBody: body },
      { parent: this },
    );
    this.url = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
    this.registerOutputs({ url: this.url });
  }
}

/** The resolved inputs of the dashboard: region, cluster, load balancer, optional parts, and each system's. */
type DashboardInputs = [string, string, string, string, string, string, [string, string, [string, number | undefined][], string, string[]][]];

/** The dashboard's widgets, row by row: the firewall, the NAT instance, backups, then each system. */
function renderDashboard([regionName, cluster, lb, webAcl, natInstance, restoreTest, systems]: DashboardInputs): string {
    const widgets: Widget[] = [];
    let y = 0;
    const metric = (title: string, metrics: unknown[][], x: number, stat = "Average"): Widget => ({
      type: "metric",
      x,
      y,
      width: W,
      height: H,
      properties: { title, region: regionName, stat, period: 60, view: "timeSeries", metrics },
    });
    if (webAcl) {
      widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: "## Web application firewall" } });
      y += 1;
      const acl = { WebACL: webAcl, Region: regionName, Rule: "ALL" };
      widgets.push(metric("Requests allowed and blocked", [["AWS/WAFV2", "AllowedRequests", ...dims(acl)], [".", "BlockedRequests", ...dims(acl)]], 0, "Sum"));
      y += H;
    }
    if (natInstance) {
      widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: "## NAT instance" } });
      y += 1;
      const ec2 = dims({ InstanceId: natInstance });
      widgets.push(metric("Status checks failed", [["AWS/EC2", "StatusCheckFailed_System", ...ec2], [".", "StatusCheckFailed_Instance", ...ec2]], 0, "Maximum"));
      widgets.push(metric("Traffic out (bytes)", [["AWS/EC2", "NetworkOut", ...ec2]], W, "Sum"));
      y += H;
    }
    if (restoreTest) {
      widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: "## Backups" } });
      y += 1;
      const sfn = dims({ StateMachineArn: restoreTest });
      widgets.push(
        metric(
          "Restore test: checks passed and not",
          [["AWS/States", "ExecutionsSucceeded", ...sfn], ...RESTORE_TEST.failureMetrics.map((m) => [".", m, ...sfn])],
          0,
          "Sum",
        ),
      );
      y += H;
    }
    for (const [title, serviceName, targetGroups, fileSystemId, writerMetrics] of systems) {
      widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${title}` } });
      y += 1;
      const svc = { ClusterName: cluster, ServiceName: serviceName };
      widgets.push(metric("Running tasks", [["ECS/ContainerInsights", "RunningTaskCount", ...dims(svc)], [".", "DesiredTaskCount", ...dims(svc)]], 0, "Minimum"));
      widgets.push(metric("CPU and memory (%)", [["AWS/ECS", "CPUUtilization", ...dims(svc)], [".", "MemoryUtilization", ...dims(svc)]], W));
      if (fileSystemId) {
        const fsDims = dims({ FileSystemId: fileSystemId });
        // MeteredIOBytes is a sum per period, PermittedThroughput a rate in bytes/s: drawn side by side they
        // differ by the period. Plot what the alarm watches instead, throughput in % of the permitted.
        widgets.push(
          metric(
            "EFS throughput use (%) and burst credits",
            [
              [{ id: "usage", expression: "(metered / PERIOD(metered)) * 100 / permitted", label: "Throughput use (%)" }],
              ["AWS/EFS", "MeteredIOBytes", ...fsDims, { id: "metered", stat: "Sum", visible: false }],
              [".", "PermittedThroughput", ...fsDims, { id: "permitted", visible: false }],
              [".", "BurstCreditBalance", ...fsDims, { yAxis: "right" }],
            ],
            2 * W,
          ),
        );
      }
      y += H;
      if (writerMetrics.length) {
        widgets.push(metric("Writer lock waits and failed snapshots", writerMetrics.map((m) => [SINGLE_WRITER_ALARM.namespace, m]), 0, "Sum"));
        y += H;
      }
      for (const [tgSuffix, port] of targetGroups) {
        const tg = { TargetGroup: tgSuffix, LoadBalancer: lb };
        widgets.push(metric(`Port ${port}: target health`, [["AWS/ApplicationELB", "HealthyHostCount", ...dims(tg)], [".", "UnHealthyHostCount", ...dims(tg)]], 0, "Maximum"));
        widgets.push(metric(`Port ${port}: 5xx and requests`, [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...dims(tg)], [".", "RequestCount", ...dims(tg)]], W, "Sum"));
        widgets.push(metric(`Port ${port}: response time (p95, s)`, [["AWS/ApplicationELB", "TargetResponseTime", ...dims(tg)]], 2 * W, "p95"));
        y += H;
      }
    }
    return JSON.stringify({ widgets });
}

/** CloudWatch's flat `name, value, name, value` form of dimensions. */
function dims(d: Record<string, string | number>): string[] {
  return Object.entries(d).flatMap(([k, v]) => [k, String(v)]);
}
