/**
 * ECS container definitions, rendered in the canonical form: what ECS stores and what the provider compares.
 *
 * The provider decides whether a task definition changed by comparing the JSON we send with what ECS returns,
 * after its own normalisation (terraform-provider-aws `internal/service/ecs/container_definitions.go`,
 * `reduce`): it sorts containers, environment and secrets by name, drops empty lists, and fills `essential`,
 * the health-check interval/timeout/retries, the awsvpc `hostPort` and the `tcp` protocol. It does not touch
 * maps or nested fields, so an empty `dockerLabels: {}`, a `readOnly: false` or a `startPeriod: 0` that ECS
 * does not echo would differ on every `pulumi up`: a new revision and a rolling deploy (a cutover, for a single
 * writer) each time. Here nothing is sent empty, and every default is written as ECS returns it.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_HEALTH_CHECK, CONTAINER_STOP_SECONDS } from "../shared/defaults";
import { Secret } from "../resources/secret";

/** A container's health check, run by ECS inside the container. Limits are ECS's. */
export interface ContainerHealthCheck {
  /** `["CMD-SHELL", "..."]` or `["CMD", ...]`; only tools the image has. */
  command: string[];
  /** What the check checks, in words, for the plan (the health-check builders give one). */
  summary?: string;
  /** Seconds between checks (5 to 300). @default CONTAINER_HEALTH_CHECK.intervalSeconds (15) */
  intervalSeconds?: number;
  /** Seconds before a check counts as failed (2 to 60). @default CONTAINER_HEALTH_CHECK.timeoutSeconds (5) */
  timeoutSeconds?: number;
  /** Failures in a row before the container is unhealthy (1 to 10). @default CONTAINER_HEALTH_CHECK.retries (3) */
  retries?: number;
  /** Seconds after start in which failures do not count (0 to 300). @default CONTAINER_HEALTH_CHECK.startPeriodSeconds (60) */
  startPeriodSeconds?: number;
}

export interface ContainerMount {
  /** Name of a volume mount (an access point of one of the service's volumes). */
  volume: string;
  /** @example "/app/tenants" */
  containerPath: string;
  readOnly?: boolean;
}

/**
 * An image the program pushed to one of our ECR repositories, by digest (pull granted by exact ARN). A vendor's
 * image is copied there first (dockerfiles/chroma.Dockerfile): a tag on a public registry can be moved.
 */
export interface ContainerImage {
  /** `<repo>:<tag>@sha256:<digest>`, an Image's `imageRef`. */
  ref: pulumi.Input<string>;
  repositoryArn: pulumi.Input<string>;
}

export interface ContainerSpec {
  /** @example "gateway" */
  name: string;
  image: ContainerImage;
  /** Overrides the image's CMD. */
  command?: string[];
  workingDirectory?: string;
  /** Ports the container listens on (within the task; exposure is separate). */
  ports?: number[];
  /** Plain settings; never secrets. */
  environment?: Record<string, pulumi.Input<string>>;
  /** Secrets by environment variable name; injected by ECS from Secrets Manager at task start. */
  secrets?: Record<string, Secret>;
  healthCheck: ContainerHealthCheck;
  /** Containers that must reach a state before this one starts. */
  dependsOn?: { containerName: string; condition: "START" | "HEALTHY" | "COMPLETE" | "SUCCESS" }[];
  mounts?: ContainerMount[];
  /**
   * `uid:gid` the container runs as: the image's own non-root user, and the owner its volumes' access points
   * enforce where it writes them. Never root (validateService refuses 0). @example "1000:1000"
   */
  user: string;
  /**
   * Directories the container writes outside its volumes (the root file system is read-only): each is an empty
   * volume of the task's ephemeral storage, its own, mounted there. @example ["/tmp"]
   */
  writablePaths: string[];
}

/** What every container of a task runs with, decided for the task rather than per container. */
export interface ContainerHardening {
  /**
   * A read-only root file system. Off only with ECS Exec: AWS's SSM agent writes into the container's file
   * system when a session starts, which a read-only root refuses ("Considerations" in the ECS Exec guide).
   */
  readonlyRootFilesystem: boolean;
}

/**
 * The task volume behind a container's writable path: per container, so no two containers share a scratch
 * directory. Letters, digits, `-` and `_` only (ECS volume names). @example ("console", "/etc/nginx/conf.d") → "console-etc-nginx-conf-d"
 */
export function scratchVolumeName(container: string, containerPath: string): string {
  return `${container}${containerPath.replace(/[^A-Za-z0-9_]+/g, "-")}`.replace(/-+$/, "");
}

/** The task's scratch volumes: one per writable path of each container, by name. */
export function scratchVolumes(containers: ContainerSpec[]): { name: string }[] {
  return containers.flatMap((c) => c.writablePaths.map((p) => ({ name: scratchVolumeName(c.name, p) })));
}

/** A container's health-check timing with the defaults applied. */
export function withHealthCheckDefaults(h: ContainerHealthCheck): Required<Omit<ContainerHealthCheck, "command" | "summary">> {
  return {
    intervalSeconds: h.intervalSeconds ?? CONTAINER_HEALTH_CHECK.intervalSeconds,
    timeoutSeconds: h.timeoutSeconds ?? CONTAINER_HEALTH_CHECK.timeoutSeconds,
    retries: h.retries ?? CONTAINER_HEALTH_CHECK.retries,
    startPeriodSeconds: h.startPeriodSeconds ?? CONTAINER_HEALTH_CHECK.startPeriodSeconds,
  };
}

/** The docker label whose value changes with the version of any secret the container reads. */
export const SECRET_VERSIONS_LABEL = "ai-platform.secret-versions";

/** Keys of an ECS container definition we write; anything else would be dropped silently by ECS. */
export type ContainerDefinition = {
  name: string;
  image: string;
  essential: true;
  command?: string[];
  workingDirectory?: string;
  portMappings?: { containerPort: number; hostPort: number; protocol: "tcp" }[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod?: number };
  dependsOn?: { containerName: string; condition: string }[];
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: true }[];
  logConfiguration: { logDriver: "awslogs"; options: Record<string, string> };
  /** Seconds from SIGTERM to SIGKILL (Fargate: at most 120). */
  stopTimeout: number;
  dockerLabels?: Record<string, string>;
  user: string;
  readonlyRootFilesystem?: true;
  linuxParameters: { capabilities: { drop: string[] }; initProcessEnabled: boolean };
};

/** Where the containers log: the service's log group in the stack's region. */
export interface LogDestination {
  logGroupName: pulumi.Input<string>;
  region: pulumi.Input<string>;
}

/** Byte order, as Go's `sort.Slice` on strings compares: the provider's order for containers, variables, secrets. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A list only when it has entries: ECS does not store an empty one, so sending it would be a difference. */
const nonEmpty = <K extends string, T>(key: K, list: T[]): { [P in K]?: T[] } => (list.length ? ({ [key]: list } as { [P in K]: T[] }) : {});

/** The task's container definitions as the JSON string ECS takes, in canonical form. */
export function renderContainerDefinitions(containers: ContainerSpec[], logs: LogDestination, hardening: ContainerHardening): pulumi.Output<string> {
  return pulumi
    .all([pulumi.output(logs.region), pulumi.output(logs.logGroupName), pulumi.all(containers.map(resolveContainer))])
    .apply(([region, logGroupName, resolved]) =>
      JSON.stringify(
        containers
          .map((spec, i): ResolvedContainer => ({ spec, ...resolved[i] }))
          .sort((a, b) => byteOrder(a.spec.name, b.spec.name))
          .map((c) =>
            renderContainer(c, { "awslogs-group": logGroupName, "awslogs-region": region, "awslogs-stream-prefix": c.spec.name }, hardening),
          ),
      ),
    );
}

function renderContainer(c: ResolvedContainer, logOptions: Record<string, string>, hardening: ContainerHardening): ContainerDefinition {
  const { spec } = c;
  const timing = withHealthCheckDefaults(spec.healthCheck);
  return {
    name: spec.name,
    image: c.image,
    essential: true,
    ...(spec.command?.length ? { command: spec.command } : {}),
    ...(spec.workingDirectory ? { workingDirectory: spec.workingDirectory } : {}),
    // awsvpc: the host port is the container port, and ECS writes both with the protocol.
    ...nonEmpty("portMappings", (spec.ports ?? []).map((containerPort) => ({ containerPort, hostPort: containerPort, protocol: "tcp" as const }))),
    ...nonEmpty("environment", c.environment.map(([name, value]) => ({ name, value }))),
    ...nonEmpty("secrets", c.secrets.map(([name, valueFrom]) => ({ name, valueFrom }))),
    healthCheck: {
      command: spec.healthCheck.command,
      interval: timing.intervalSeconds,
      timeout: timing.timeoutSeconds,
      retries: timing.retries,
      ...(timing.startPeriodSeconds > 0 ? { startPeriod: timing.startPeriodSeconds } : {}),
    },
    ...nonEmpty("dependsOn", spec.dependsOn ?? []),
    ...nonEmpty("mountPoints", [
      ...(spec.mounts ?? []).map((m) => ({ sourceVolume: m.volume, containerPath: m.containerPath, ...(m.readOnly ? { readOnly: true as const } : {}) })),
      ...spec.writablePaths.map((p) => ({ sourceVolume: scratchVolumeName(spec.name, p), containerPath: p })),
    ]),
    logConfiguration: { logDriver: "awslogs", options: logOptions },
    // SIGTERM to SIGKILL: inside Fargate Spot's two-minute warning together with the draining delay.
    stopTimeout: CONTAINER_STOP_SECONDS,
    // ECS reads secrets only when a task starts: a new secret version changes this label, hence the task
    // definition, hence a deployment of exactly the services that use the secret.
    ...(c.secretVersions ? { dockerLabels: { [SECRET_VERSIONS_LABEL]: c.secretVersions } } : {}),
    user: spec.user,
    // Written only when on: ECS stores no `false` it was not sent, and the provider compares the field as is.
    ...(hardening.readonlyRootFilesystem ? { readonlyRootFilesystem: true as const } : {}),
    linuxParameters: {
      // None of Docker's default capabilities is needed: every process runs as a non-root user (which holds no
      // effective capability anyway), listens above 1024, and chowns nothing at start. Dropping them all also
      // empties the bounding set, so no setuid or file-capability binary can gain one (ping's NET_RAW, say).
      capabilities: { drop: ["ALL"] },
      // An init process as PID 1 forwards SIGTERM (node and python ignore it as PID 1, so every stop would wait
      // out the stop timeout) and reaps ECS Exec's agent processes.
      initProcessEnabled: true,
    },
  };
}

/** A container's values that are outputs, resolved: plain data. */
interface ResolvedValues {
  image: string;
  /** By name, in byte order. */
  environment: [string, string][];
  /** By name, in byte order: name and secret ARN. */
  secrets: [string, string][];
  secretVersions?: string;
}

/** A container's spec with its resolved values. */
type ResolvedContainer = ResolvedValues & { spec: ContainerSpec };

/**
 * The spec stays outside the output: Pulumi walks the whole value of every output it makes, looking for unknowns,
 * and a spec holds its image's and its secrets' components with all their resources (a tenth of a program run).
 */
function resolveContainer(spec: ContainerSpec): pulumi.Output<ResolvedValues> {
  const secretEntries = Object.entries(spec.secrets ?? {}).sort(([a], [b]) => byteOrder(a, b));
  return pulumi
    .all([
      pulumi.output(spec.image.ref),
      pulumi.all(spec.environment ?? {}),
      pulumi.all(secretEntries.map(([n, s]) => pulumi.all([n, s.arn, s.versionId]))),
    ])
    .apply(([image, environment, secrets]) => ({
      image,
      environment: Object.entries(environment as Record<string, string>).sort(([a], [b]) => byteOrder(a, b)),
      secrets: secrets.map(([n, arn]) => [n, arn] as [string, string]),
      secretVersions: secrets.length
        ? crypto.createHash("sha256").update(secrets.map(([n, , v]) => `${n}=${v}`).join("\n")).digest("hex").slice(0, 16)
        : undefined,
    }));
}
