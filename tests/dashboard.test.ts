/**
 * The stack's CloudWatch dashboard: a row per enabled system with the figures its alarms watch, pointing at
 * the real cluster, services, target groups and file systems; its URL an output.
 */
import { Captured, ProgramRun, runProgram } from "./support/harness";

const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** One line of a metric widget with CloudWatch's "." shorthand (same value as the line above) expanded. */
interface MetricLine {
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  options: Record<string, any>;
}

interface Widget {
  type: "metric" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

function expand(rows: unknown[][]): MetricLine[] {
  let previous: unknown[] = [];
  return rows.map((row) => {
    const last = row[row.length - 1];
    const options = last !== null && typeof last === "object" ? (last as Record<string, any>) : {};
    const values = options === last ? row.slice(0, -1) : row;
    if (values.length === 0) return { dimensions: {}, options };
    const full = values.map((v, i) => (v === "." ? previous[i] : v)) as string[];
    previous = full;
    const [namespace, metricName, ...pairs] = full;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
    return { namespace, metricName, dimensions, options };
  });
}

/** The dashboard's widgets, and its sections: the widgets under each `## <system>` heading. */
function read(run: ProgramRun): { dashboard: Captured; widgets: Widget[]; sections: Map<string, Widget[]> } {
  const dashboards = run.ofType(DASHBOARD);
  expect(dashboards).toHaveLength(1);
  const dashboard = dashboards[0];
  const widgets: Widget[] = JSON.parse(dashboard.inputs.dashboardBody).widgets;
  const sections = new Map<string, Widget[]>();
  let current: Widget[] | undefined;
  for (const w of widgets) {
    const heading = w.type === "text" ? /^## (.+)$/.exec(w.properties.markdown)?.[1] : undefined;
    if (heading) sections.set(heading, (current = []));
    else current?.push(w);
  }
  return { dashboard, widgets, sections };
}

const linesOf = (widgets: Widget[]): MetricLine[] => widgets.filter((w) => w.type === "metric").flatMap((w) => expand(w.properties.metrics));

const shows = (lines: MetricLine[], namespace: string, metricName: string, dimensions: Record<string, string>): boolean =>
  lines.some((l) => l.namespace === namespace && l.metricName === metricName && JSON.stringify(Object.entries(l.dimensions).sort()) === JSON.stringify(Object.entries(dimensions ?? {}).sort()));

function targetGroupDimensions(run: ProgramRun, targetGroup: string): Record<string, string> {
  return {
    TargetGroup: run.get("aws:lb/targetGroup:TargetGroup", targetGroup).state.arnSuffix,
    LoadBalancer: run.ofType("aws:lb/loadBalancer:LoadBalancer")[0].state.arnSuffix,
  };
}

let staging: ProgramRun;
/** Only the gateway, in another region, with elastic throughput. */
let gatewayOnly: ProgramRun;

beforeAll(async () => {
  staging = await runProgram({ stack: "staging" });
  gatewayOnly = await runProgram({
    stack: "staging",
    config: { systems: ["gateway"], "aws:region": "eu-central-1", efsThroughputMode: "elastic" },
  });
}, 60_000);

const SYSTEMS = [
  { title: "MCP Gateway", key: "gateway", service: "gateway", targetGroups: ["gateway-3000"], fileSystem: true },
  { title: "AI Security Stack", key: "securityStack", service: "security", targetGroups: ["security-8000", "security-8001"], fileSystem: true },
  { title: "UI Console", key: "uiConsole", service: "console", targetGroups: ["console-8080"], fileSystem: false },
] as const;

describe("staging's dashboard", () => {
  it("is one dashboard named after the project and stack, within CloudWatch's name rules", () => {
    expect(read(staging).dashboard.inputs.dashboardName).toBe("ai-platform-staging");
    expect(read(staging).dashboard.inputs.dashboardName).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
  });

  it("has a URL output that opens it in the console of the stack's region", () => {
    const url = new URL(staging.outputs.dashboardUrl);
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("eu-west-1.console.aws.amazon.com");
    expect(url.pathname).toBe("/cloudwatch/home");
    expect(url.searchParams.get("region")).toBe("eu-west-1");
    expect(url.hash).toBe("#dashboards:name=ai-platform-staging");
  });

  it("has a valid body: widgets on CloudWatch's 24-column grid, none overlapping, every graph in the stack's region", () => {
    const { widgets } = read(staging);
    for (const w of widgets) {
      expect(w.x).toBeGreaterThanOrEqual(0);
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      if (w.type === "metric") expect(w.properties.region).toBe("eu-west-1");
    }
    const cells = new Set<string>();
    for (const w of widgets) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("has a row per system, in order", () => {
    expect([...read(staging).sections.keys()]).toEqual(["Web application firewall", "NAT instance", "Backups", ...SYSTEMS.map((s) => s.title)]);
  });

  describe.each(SYSTEMS)("the $title row", (system) => {
    const lines = () => linesOf(read(staging).sections.get(system.title)!);
    const service = () => ({ ClusterName: staging.outputs.clusterName, ServiceName: staging.outputs.serviceNames[system.key] });

    it("shows running against desired tasks (Container Insights) of its own service on the real cluster", () => {
      expect(service().ServiceName).toBe(staging.get("aws:ecs/service:Service", system.service).state.name);
      expect(shows(lines(), "ECS/ContainerInsights", "RunningTaskCount", service())).toBe(true);
      expect(shows(lines(), "ECS/ContainerInsights", "DesiredTaskCount", service())).toBe(true);
    });

    it("shows its CPU and memory use", () => {
      expect(shows(lines(), "AWS/ECS", "CPUUtilization", service())).toBe(true);
      expect(shows(lines(), "AWS/ECS", "MemoryUtilization", service())).toBe(true);
    });

    it.each(system.targetGroups)("shows target health, 5xx, requests and latency of target group %s", (targetGroup) => {
      const dimensions = targetGroupDimensions(staging, targetGroup);
      for (const metric of ["HealthyHostCount", "UnHealthyHostCount", "HTTPCode_Target_5XX_Count", "RequestCount", "TargetResponseTime"]) {
        expect([metric, shows(lines(), "AWS/ApplicationELB", metric, dimensions)]).toEqual([metric, true]);
      }
    });

    it("shows no other system's service or target groups", () => {
      const own = new Set([service().ServiceName, ...system.targetGroups.map((tg) => targetGroupDimensions(staging, tg).TargetGroup)]);
      for (const line of lines()) {
        for (const [name, value] of Object.entries(line.dimensions)) {
          if (name === "ServiceName" || name === "TargetGroup") expect(own).toContain(value);
        }
      }
    });

    if (system.fileSystem) {
      it("shows its file system's burst credits and throughput in % of what is permitted", () => {
        const dimensions = { FileSystemId: staging.outputs.efsFileSystemIds[system.key] };
        expect(shows(lines(), "AWS/EFS", "BurstCreditBalance", dimensions)).toBe(true);
        const metered = lines().find((l) => l.metricName === "MeteredIOBytes" && l.dimensions.FileSystemId === dimensions.FileSystemId);
        const permitted = lines().find((l) => l.metricName === "PermittedThroughput" && l.dimensions.FileSystemId === dimensions.FileSystemId);
        expect(metered?.options).toMatchObject({ stat: "Sum" });
        const usage = lines().find((l) => l.options.expression);
        // MeteredIOBytes is a sum per period and PermittedThroughput bytes per second: the graph must convert.
        // At any zoom level, 45 MiB/s metered against 50 MiB/s permitted reads 90%.
        const mib = 2 ** 20;
        for (const period of [60, 300, 3600]) {
          const evaluate = new Function("PERIOD", metered!.options.id, permitted!.options.id, `return ${usage!.options.expression};`);
          expect(evaluate(() => period, 45 * mib * period, 50 * mib)).toBeCloseTo(90);
        }
      });
    } else {
      it("shows no file system (the console keeps no state)", () => {
        expect(lines().filter((l) => l.namespace === "AWS/EFS")).toEqual([]);
      });
    }
  });

  it("shows every metric an alarm watches", () => {
    const lines = linesOf(read(staging).widgets);
    for (const alarm of staging.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
      // A metric-math alarm watches each metric of its queries.
      const metrics = alarm.inputs.metricQueries
        ? alarm.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric)
        : [alarm.inputs];
      for (const { namespace, metricName, dimensions } of metrics) {
        expect([alarm.state.name, metricName, shows(lines, namespace, metricName, dimensions)]).toEqual([alarm.state.name, metricName, true]);
      }
    }
  });
});

describe("a gateway-only stack in eu-central-1 with elastic throughput", () => {
  it("has only the gateway's row", () => {
    const { sections } = read(gatewayOnly);
    expect([...sections.keys()].filter((k) => k !== "NAT instance")).toEqual(["Web application firewall", "Backups", "MCP Gateway"]);
    const services = new Set(linesOf(read(gatewayOnly).widgets).map((l) => l.dimensions.ServiceName).filter(Boolean));
    expect([...services]).toEqual([gatewayOnly.outputs.serviceNames.gateway]);
  });

  it("draws and links in its own region", () => {
    for (const w of read(gatewayOnly).widgets) if (w.type === "metric") expect(w.properties.region).toBe("eu-central-1");
    expect(gatewayOnly.outputs.dashboardUrl).toBe(
      "https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards:name=ai-platform-staging",
    );
  });

  it("shows both metrics of the throughput alarm", () => {
    const lines = linesOf(read(gatewayOnly).widgets);
    const throughput = gatewayOnly
      .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .filter((a) => (a.inputs.metricQueries ?? []).some((q: any) => q.metric?.namespace === "AWS/EFS"));
    expect(throughput).toHaveLength(1);
    for (const q of throughput[0].inputs.metricQueries.filter((x: any) => x.metric)) {
      expect(shows(lines, q.metric.namespace, q.metric.metricName, q.metric.dimensions)).toBe(true);
    }
  });
});
