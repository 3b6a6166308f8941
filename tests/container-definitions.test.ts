/**
 * Every container definition of every task definition, in both stacks, against the ECS API: ECS silently
 * drops a key it does not know (a misspelled `healthcheck` registers a container without a health check), so
 * each key, at every level, must be one the API defines; and each value must be within the limits ECS and
 * Fargate enforce at `pulumi up` (which the mocks never do).
 *
 * Key lists: Amazon ECS API Reference, ContainerDefinition and the types it nests —
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html (request syntax)
 * checked against the ECS service model (API version 2014-11-13) that the AWS SDKs are generated from.
 * Health-check limits: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 * awslogs options: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LogConfiguration.html
 * Fargate task sizes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
import { ProgramRun, containerDefinitions, runProgram } from "./support/harness";

/** A value without keys of its own (string, number, boolean, or a list of those). */
const LEAF = "leaf";
/** A string-to-string map whose keys are free (dockerLabels, log options). */
const MAP = "map";
type Shape = typeof LEAF | typeof MAP | { [key: string]: Shape };

const SECRET: Shape = { name: LEAF, valueFrom: LEAF };

/** ContainerDefinition, with the shape of every nested type (lists are checked element by element). */
const CONTAINER_DEFINITION: Shape = {
  name: LEAF,
  image: LEAF,
  repositoryCredentials: { credentialsParameter: LEAF },
  cpu: LEAF,
  memory: LEAF,
  memoryReservation: LEAF,
  links: LEAF,
  portMappings: { containerPort: LEAF, hostPort: LEAF, protocol: LEAF, name: LEAF, appProtocol: LEAF, containerPortRange: LEAF },
  essential: LEAF,
  restartPolicy: { enabled: LEAF, ignoredExitCodes: LEAF, restartAttemptPeriod: LEAF },
  entryPoint: LEAF,
  command: LEAF,
  environment: { name: LEAF, value: LEAF },
  environmentFiles: { value: LEAF, type: LEAF },
  mountPoints: { sourceVolume: LEAF, containerPath: LEAF, readOnly: LEAF },
  volumesFrom: { sourceContainer: LEAF, readOnly: LEAF },
  linuxParameters: {
    capabilities: { add: LEAF, drop: LEAF },
    devices: { hostPath: LEAF, containerPath: LEAF, permissions: LEAF },
    initProcessEnabled: LEAF,
    sharedMemorySize: LEAF,
    tmpfs: { containerPath: LEAF, size: LEAF, mountOptions: LEAF },
    maxSwap: LEAF,
    swappiness: LEAF,
  },
  secrets: SECRET,
  dependsOn: { containerName: LEAF, condition: LEAF },
  startTimeout: LEAF,
  stopTimeout: LEAF,
  versionConsistency: LEAF,
  hostname: LEAF,
  user: LEAF,
  workingDirectory: LEAF,
  disableNetworking: LEAF,
  privileged: LEAF,
  readonlyRootFilesystem: LEAF,
  dnsServers: LEAF,
  dnsSearchDomains: LEAF,
  extraHosts: { hostname: LEAF, ipAddress: LEAF },
  dockerSecurityOptions: LEAF,
  interactive: LEAF,
  pseudoTerminal: LEAF,
  dockerLabels: MAP,
  ulimits: { name: LEAF, softLimit: LEAF, hardLimit: LEAF },
  logConfiguration: { logDriver: LEAF, options: MAP, secretOptions: SECRET },
  healthCheck: { command: LEAF, interval: LEAF, timeout: LEAF, retries: LEAF, startPeriod: LEAF },
  systemControls: { namespace: LEAF, value: LEAF },
  resourceRequirements: { value: LEAF, type: LEAF },
  firelensConfiguration: { type: LEAF, options: MAP },
  credentialSpecs: LEAF,
};

/** Options of the awslogs driver (LogConfiguration.options); Docker refuses to start a container on any other. */
const AWSLOGS_OPTIONS = [
  "awslogs-create-group",
  "awslogs-region",
  "awslogs-endpoint",
  "awslogs-group",
  "awslogs-stream-prefix",
  "awslogs-datetime-format",
  "awslogs-multiline-pattern",
  "mode",
  "max-buffer-size",
];

const DEPENDENCY_CONDITIONS = ["START", "COMPLETE", "SUCCESS", "HEALTHY"];

/** Memory (MiB) Fargate offers for each task CPU value. */
const FARGATE_MEMORY: Record<string, number[]> = {
  "256": [512, 1024, 2048],
  "512": steps(1024, 4096, 1024),
  "1024": steps(2048, 8192, 1024),
  "2048": steps(4096, 16384, 1024),
  "4096": steps(8192, 30720, 1024),
  "8192": steps(16384, 61440, 4096),
  "16384": steps(32768, 122880, 8192),
};

function steps(from: number, to: number, by: number): number[] {
  return Array.from({ length: (to - from) / by + 1 }, (_, i) => from + i * by);
}

/** Paths (`healthCheck.intervall`, `portMappings[0].port`) of keys the shape does not define. */
function unknownKeys(value: unknown, shape: Shape, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(v, shape, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  if (shape === LEAF) return [`${at} (an object where the API expects a plain value)`];
  if (shape === MAP) {
    return Object.entries(value).filter(([, v]) => typeof v !== "string").map(([k]) => `${at}.${k} (not a string)`);
  }
  return Object.entries(value).flatMap(([k, v]) => {
    const path = at ? `${at}.${k}` : k;
    return k in shape ? unknownKeys(v, shape[k], path) : [path];
  });
}

/** The three task definitions; the first test proves there are no others. */
const SERVICES = ["gateway", "security", "console"] as const;

const runs = {} as Record<"staging" | "prod", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

describe("the key check itself", () => {
  it("flags misspelled and unknown keys at any depth, and accepts free keys in maps", () => {
    const misspelled = {
      name: "app",
      image: "nginx:1.27",
      healthcheck: { command: ["CMD", "true"] },
      healthCheck: { command: ["CMD", "true"], intervall: 10 },
      portMappings: [{ containerPort: 80 }, { containerport: 81 }],
      logConfiguration: { logDriver: "awslogs", option: {}, options: { "awslogs-group": "g" } },
      dockerLabels: { "any.label": "x" },
      linuxParameters: { initProcessEnabled: true, capabilities: { add: [], remove: [] } },
    };
    expect(unknownKeys(misspelled, CONTAINER_DEFINITION)).toEqual([
      "healthcheck",
      "healthCheck.intervall",
      "portMappings[1].containerport",
      "logConfiguration.option",
      "linuxParameters.capabilities.remove",
    ]);
  });
});

describe.each(["staging", "prod"] as const)("container definitions in the %s stack", (stack) => {
  let run: ProgramRun;
  beforeAll(() => {
    run = runs[stack];
  });

  it("are checked for every task definition the stack registers", () => {
    expect(run.ofType("aws:ecs/taskDefinition:TaskDefinition").map((td) => td.name).sort()).toEqual([...SERVICES].sort());
  });

  describe.each(SERVICES)("the %s task", (service) => {
    let defs: any[];
    let task: Record<string, any>;
    beforeAll(() => {
      const td = run.get("aws:ecs/taskDefinition:TaskDefinition", service);
      task = td.inputs;
      defs = containerDefinitions(td);
    });

    it("uses only keys of the ECS ContainerDefinition API, at every level", () => {
      expect(defs.flatMap((c) => unknownKeys(c, CONTAINER_DEFINITION).map((k) => `${c.name}: ${k}`))).toEqual([]);
    });

    it("names and images every container, and marks it essential or not", () => {
      for (const c of defs) {
        expect(c.name).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
        expect(typeof c.image).toBe("string");
        expect(typeof c.essential).toBe("boolean");
      }
      expect(new Set(defs.map((c) => c.name)).size).toBe(defs.length);
    });

    it("has a cpu/memory pair Fargate offers", () => {
      expect(FARGATE_MEMORY[task.cpu]).toContain(Number(task.memory));
    });

    it("orders containers with the dependency conditions ECS knows, on containers of the same task", () => {
      const byName = new Map(defs.map((c) => [c.name, c]));
      for (const c of defs) {
        for (const d of c.dependsOn ?? []) {
          expect(DEPENDENCY_CONDITIONS).toContain(d.condition);
          expect(byName.has(d.containerName) && d.containerName !== c.name).toBe(true);
          const target = byName.get(d.containerName);
          // HEALTHY needs a health check on the target; COMPLETE/SUCCESS cannot name an essential container.
          if (d.condition === "HEALTHY") expect(target.healthCheck).toBeDefined();
          if (d.condition === "COMPLETE" || d.condition === "SUCCESS") expect(target.essential).toBe(false);
        }
      }
      // No cycle: following dependsOn from any container ends.
      const depth = (name: string, seen: string[]): number => {
        expect(seen).not.toContain(name);
        const next = (byName.get(name).dependsOn ?? []).map((d: { containerName: string }) => depth(d.containerName, [...seen, name]));
        return 1 + Math.max(0, ...next);
      };
      for (const c of defs) expect(depth(c.name, [])).toBeLessThanOrEqual(defs.length);
    });

    it("gives every container a health check within ECS's limits", () => {
      for (const c of defs) {
        const h = c.healthCheck;
        expect([c.name, ["CMD", "CMD-SHELL"].includes(h?.command?.[0])]).toEqual([c.name, true]);
        expect(h.interval).toBeGreaterThanOrEqual(5);
        expect(h.interval).toBeLessThanOrEqual(300);
        expect(h.timeout).toBeGreaterThanOrEqual(2);
        expect(h.timeout).toBeLessThanOrEqual(60);
        expect(h.retries).toBeGreaterThanOrEqual(1);
        expect(h.retries).toBeLessThanOrEqual(10);
        expect(h.startPeriod).toBeGreaterThanOrEqual(0);
        expect(h.startPeriod).toBeLessThanOrEqual(300);
      }
    });

    it("sends every container's output to the service's log group through awslogs, under its own stream prefix", () => {
      const logGroup = run.get("aws:cloudwatch/logGroup:LogGroup", service).inputs;
      expect(logGroup.retentionInDays).toBeGreaterThan(0);
      for (const c of defs) {
        expect(c.logConfiguration.logDriver).toBe("awslogs");
        expect(c.logConfiguration.options).toEqual({
          "awslogs-group": logGroup.name,
          "awslogs-region": run.config["aws:region"],
          "awslogs-stream-prefix": c.name,
        });
        expect(AWSLOGS_OPTIONS).toEqual(expect.arrayContaining(Object.keys(c.logConfiguration.options)));
      }
    });

    it("keeps secrets out of plain environment: no KEY, SECRET, TOKEN or PASSWORD variable there", () => {
      const plain = defs.flatMap((c) => c.environment.map((e: { name: string }) => `${c.name}: ${e.name}`));
      expect(plain.filter((n) => /KEY|SECRET|TOKEN|PASSWORD/i.test(n.split(": ")[1]))).toEqual([]);
      for (const c of defs) {
        for (const s of c.secrets ?? []) expect(s.valueFrom).toMatch(/^arn:aws:(secretsmanager|ssm):/);
      }
    });

    it("maps ports the way awsvpc allows: TCP or UDP, host port equal to container port, no port used twice", () => {
      const ports = defs.flatMap((c) => c.portMappings ?? []);
      for (const p of ports) {
        expect(["tcp", "udp"]).toContain(p.protocol);
        if (p.hostPort !== undefined) expect(p.hostPort).toBe(p.containerPort);
      }
      // All containers of an awsvpc task share one network namespace.
      expect(new Set(ports.map((p) => p.containerPort)).size).toBe(ports.length);
    });

    it("mounts only volumes the task definition declares", () => {
      const declared = (task.volumes ?? []).map((v: { name: string }) => v.name);
      for (const c of defs) for (const m of c.mountPoints ?? []) expect(declared).toContain(m.sourceVolume);
    });
  });
});

/**
 * What issue 27 asks of every container of every task definition, read from the graph so a fourth system is held
 * to it too: a non-root user that is its volumes' owner, no capability, a read-only root file system unless the
 * stack turns ECS Exec on (whose agent writes into the container), scratch space of its own where it writes, and an
 * image from one of the stack's ECR repositories, by digest.
 */
describe.each(["staging", "prod"] as const)("every container of the %s stack, hardened", (stack) => {
  let run: ProgramRun;
  let tasks: { name: string; inputs: Record<string, any>; defs: any[]; ecsExec: boolean }[];
  beforeAll(() => {
    run = runs[stack];
    tasks = run.ofType("aws:ecs/taskDefinition:TaskDefinition").map((td) => {
      const service = run.ofType("aws:ecs/service:Service").find((s) => s.inputs.taskDefinition === td.state.arn)!;
      return { name: td.name, inputs: td.inputs, defs: containerDefinitions(td), ecsExec: service.inputs.enableExecuteCommand === true };
    });
  });
  const each = (check: (c: any, task: (typeof tasks)[number]) => unknown) =>
    tasks.flatMap((task) => task.defs.map((c) => ({ container: `${task.name}/${c.name}`, got: check(c, task) })));
  const all = (value: unknown) => tasks.flatMap((task) => task.defs.map((c) => ({ container: `${task.name}/${c.name}`, got: value })));

  it("runs as a non-root uid:gid", () => {
    expect(each((c) => /^[1-9]\d*:\d+$/.test(c.user ?? ""))).toEqual(all(true));
  });

  it("drops every capability and adds none", () => {
    expect(each((c) => c.linuxParameters?.capabilities)).toEqual(all({ drop: ["ALL"] }));
  });

  it("has a read-only root file system, or the named reason: ECS Exec is on for the stack", () => {
    expect(each((c, task) => c.readonlyRootFilesystem === true || task.ecsExec)).toEqual(all(true));
    expect(tasks.every((task) => task.ecsExec)).toBe(stack === "staging");
  });

  it("writes outside its EFS mounts only into scratch volumes of its own", () => {
    for (const task of tasks) {
      const scratch = (task.inputs.volumes ?? []).filter((v: any) => !v.efsVolumeConfiguration).map((v: any) => v.name);
      const users = scratch.map((name: string) => task.defs.filter((c) => (c.mountPoints ?? []).some((m: any) => m.sourceVolume === name)).length);
      expect({ task: task.name, users }).toEqual({ task: task.name, users: scratch.map(() => 1) });
    }
    expect(each((c) => (c.mountPoints ?? []).some((m: any) => m.containerPath === "/tmp"))).toEqual(all(true));
  });

  it("runs as the POSIX user of every access point it mounts, the owner EFS gives the access point's directory", () => {
    const accessPoints = run.ofType("aws:efs/accessPoint:AccessPoint");
    const owners = each((c, task) =>
      (c.mountPoints ?? []).flatMap((m: any) => {
        const efs = (task.inputs.volumes ?? []).find((v: any) => v.name === m.sourceVolume)?.efsVolumeConfiguration;
        if (!efs) return [];
        const ap = accessPoints.find((a) => a.state.arn.endsWith(`/${efs.authorizationConfig.accessPointId}`))!;
        const { ownerUid, ownerGid } = ap.inputs.rootDirectory.creationInfo;
        return [`${ap.inputs.posixUser.uid}:${ap.inputs.posixUser.gid}`, `${ownerUid}:${ownerGid}`].filter((owner) => owner !== c.user);
      }),
    );
    expect(owners).toEqual(all([]));
    // ChromaDB among them: the vendor's image runs as root, the task as its data's owner.
    expect(tasks.find((t) => t.name === "gateway")!.defs.find((c) => c.name === "chromadb").user).toBe("1000:1000");
  });

  it("runs an image of one of the stack's ECR repositories, pinned by digest", () => {
    const repositories = run.ofType("aws:ecr/repository:Repository").map((r) => r.state.repositoryUrl);
    expect(each((c) => repositories.some((url) => new RegExp(`^${url}:[\\w.-]+@sha256:[0-9a-f]{64}$`).test(c.image)))).toEqual(all(true));
  });
});
