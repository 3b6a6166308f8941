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
import { CONTAINER_HEALTH_CHECK, CONTAINER_STOP_SECONDS } from "./defaults";
import { Secret } from "./secret";

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

/** An image from our ECR repositories (pull granted by exact ARN) or a public image by name. */
export type ContainerImage = { ref: pulumi.Input<string>; repositoryArn: pulumi.Input<string> } | { publicName: string };

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
  linuxParameters: { initProcessEnabled: boolean };
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
export function renderContainerDefinitions(containers: ContainerSpec[], logs: LogDestination): pulumi.Output<string> {
  return pulumi
    .all([pulumi.output(logs.region), pulumi.output(logs.logGroupName), pulumi.all(containers.map(resolveContainer))])
    .apply(([region, logGroupName, resolved]) =>
      JSON.stringify(
        [...resolved]
          .sort((a, b) => byteOrder(a.spec.name, b.spec.name))
          .map((c) => renderContainer(c, { "awslogs-group": logGroupName, "awslogs-region": region, "awslogs-stream-prefix": c.spec.name })),
      ),
    );
}

function renderContainer(c: ResolvedContainer, logOptions: Record<string, string>): ContainerDefinition {
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
    ...nonEmpty(
      "mountPoints",
      (spec.mounts ?? []).map((m) => ({ sourceVolume: m.volume, containerPath: m.containerPath, ...(m.readOnly ? { readOnly: true as const } : {}) })),
    ),
    logConfiguration: { logDriver: "awslogs", options: logOptions },
    // SIGTERM to SIGKILL: inside Fargate Spot's two-minute warning together with the draining delay.
    stopTimeout: CONTAINER_STOP_SECONDS,
    // ECS reads secrets only when a task starts: a new secret version changes this label, hence the task
    // definition, hence a deployment of exactly the services that use the secret.
    ...(c.secretVersions ? { dockerLabels: { [SECRET_VERSIONS_LABEL]: c.secretVersions } } : {}),
    // An init process as PID 1 forwards SIGTERM (node and python ignore it as PID 1, so every stop would wait
    // out the stop timeout) and reaps ECS Exec's agent processes.
    linuxParameters: { initProcessEnabled: true },
  };
}

interface ResolvedContainer {
  spec: ContainerSpec;
  image: string;
  /** By name, in byte order. */
  environment: [string, string][];
  /** By name, in byte order: name and secret ARN. */
  secrets: [string, string][];
  secretVersions?: string;
}

function resolveContainer(spec: ContainerSpec): pulumi.Output<ResolvedContainer> {
  const secretEntries = Object.entries(spec.secrets ?? {}).sort(([a], [b]) => byteOrder(a, b));
  return pulumi
    .all([
      "ref" in spec.image ? pulumi.output(spec.image.ref) : pulumi.output(spec.image.publicName),
      pulumi.all(spec.environment ?? {}),
      pulumi.all(secretEntries.map(([n, s]) => pulumi.all([n, s.arn, s.versionId]))),
    ])
    .apply(([image, environment, secrets]) => ({
      spec,
      image,
      environment: Object.entries(environment as Record<string, string>).sort(([a], [b]) => byteOrder(a, b)),
      secrets: secrets.map(([n, arn]) => [n, arn] as [string, string]),
      secretVersions: secrets.length
        ? crypto.createHash("sha256").update(secrets.map(([n, , v]) => `${n}=${v}`).join("\n")).digest("hex").slice(0, 16)
        : undefined,
    }));
}
