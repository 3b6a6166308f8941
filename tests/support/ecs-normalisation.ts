/**
 * How the AWS provider decides that a task definition's container definitions changed, ported from
 * hashicorp/terraform-provider-aws `internal/service/ecs/container_definitions.go` (commit 108f85fd) and
 * `task_definition.go`, which @pulumi/aws 7.x runs unchanged (pulumi-aws has no override for the resource):
 *
 * - the StateFunc stores what is sent after `orderContainers`, `orderEnvironmentVariables`, `orderSecrets` and
 *   `compactArrays` (drops zero-value list elements);
 * - the DiffSuppressFunc compares what is sent with what ECS returns after `reduce` on both sides: that order
 *   and compaction, `essential` nil → true, health-check interval/retries/timeout nil → 30/3/5, `protocol` tcp →
 *   nil, `hostPort` 0 → nil and, under awsvpc, nil → the container port, empty top-level lists → nil. Maps
 *   (`dockerLabels`, log options) and nested fields (`mountPoints[].readOnly`, `healthCheck.startPeriod`,
 *   `linuxParameters`) are compared as they are, and Go's JSON tells an empty map from an absent one.
 *
 * Any difference that survives is a replacement (the field is ForceNew): a new revision and a deploy.
 */
import { isDeepStrictEqual } from "util";

type Json = any;

/** Top-level list fields `reduce` turns from empty into nil. */
const REDUCED_LISTS = [
  "command", "credentialSpecs", "dependsOn", "dnsSearchDomains", "dnsServers", "dockerSecurityOptions", "entryPoint",
  "environment", "environmentFiles", "extraHosts", "links", "mountPoints", "portMappings", "resourceRequirements",
  "secrets", "systemControls", "ulimits", "volumesFrom",
];

/** List fields whose zero-value elements (`{}`) `compactArrays` drops. */
const COMPACTED_LISTS = [
  "dependsOn", "environment", "environmentFiles", "extraHosts", "mountPoints", "portMappings", "resourceRequirements",
  "secrets", "systemControls", "ulimits", "volumesFrom",
];

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: { name?: string }, b: { name?: string }) => byteOrder(a.name ?? "", b.name ?? "");
const isZero = (v: Json): boolean => v === null || v === undefined || (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
const clone = (v: Json): Json => JSON.parse(JSON.stringify(v));

/** The provider's StateFunc: what it stores for the JSON it sends. */
export function providerStateFunc(defs: Json[]): Json[] {
  return clone(defs)
    .sort(byName)
    .map((c: Json) => {
      if (Array.isArray(c.environment)) c.environment.sort(byName);
      if (Array.isArray(c.secrets)) c.secrets.sort(byName);
      for (const key of COMPACTED_LISTS) if (Array.isArray(c[key])) c[key] = c[key].filter((e: Json) => !isZero(e));
      return c;
    });
}

/** `reduce(isAWSVPC)`: what the provider compares, on both sides. */
export function providerReduce(defs: Json[], awsvpc: boolean): Json[] {
  return providerStateFunc(defs).map((c: Json) => {
    if (c.essential === undefined || c.essential === null) c.essential = true;
    if (c.healthCheck) {
      c.healthCheck.interval ??= 30;
      c.healthCheck.retries ??= 3;
      c.healthCheck.timeout ??= 5;
    }
    for (const pm of c.portMappings ?? []) {
      if (pm.protocol === "tcp") delete pm.protocol;
      if (pm.hostPort === 0) delete pm.hostPort;
      if (awsvpc && pm.hostPort === undefined) pm.hostPort = pm.containerPort;
    }
    for (const key of REDUCED_LISTS) if (Array.isArray(c[key]) && c[key].length === 0) delete c[key];
    // `cpu` is a plain int32 in the SDK's type: absent and 0 encode alike.
    if (c.cpu === undefined) c.cpu = 0;
    return c;
  });
}

/** Whether the provider sees a change between what was sent and what ECS returned. */
export function providerSeesChange(sent: Json[], returned: Json[], awsvpc: boolean): boolean {
  return !isDeepStrictEqual(providerReduce(sent, awsvpc), providerReduce(returned, awsvpc));
}

/**
 * What DescribeTaskDefinition returns for what was registered, as far as it differs: the provider's test
 * fixtures and the issues behind pulumi/pulumi-aws#4576 show ECS filling `cpu: 0`, empty `environment`,
 * `mountPoints`, `portMappings`, `volumesFrom` and `systemControls` lists, the awsvpc `hostPort` and the
 * `tcp` protocol, and leaving out what it holds no value for: an empty `dockerLabels` map is not echoed.
 */
export function ecsReturns(registered: Json[], awsvpc: boolean): Json[] {
  return clone(registered).map((c: Json) => {
    c.cpu ??= 0;
    for (const key of ["environment", "mountPoints", "portMappings", "volumesFrom", "systemControls"]) c[key] ??= [];
    c.essential ??= true;
    for (const pm of c.portMappings) {
      pm.protocol ??= "tcp";
      if (awsvpc) pm.hostPort ??= pm.containerPort;
    }
    if (c.dockerLabels && Object.keys(c.dockerLabels).length === 0) delete c.dockerLabels;
    return c;
  });
}

/** Paths of every empty map or list in a JSON value. */
export function emptyCollections(v: Json, path = "$"): string[] {
  if (Array.isArray(v)) return v.length === 0 ? [path] : v.flatMap((x, i) => emptyCollections(x, `${path}[${i}]`));
  if (v && typeof v === "object") {
    const entries = Object.entries(v);
    return entries.length === 0 ? [path] : entries.flatMap(([k, x]) => emptyCollections(x, `${path}.${k}`));
  }
  return [];
}
