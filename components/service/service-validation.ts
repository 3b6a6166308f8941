import * as pulumi from "@pulumi/pulumi";
import { ECS_GRACE_PERIOD_LIMITS, ECS_HEALTH_CHECK_LIMITS, MAX_TARGET_GROUP_LOGICAL_NAME } from "../shared/defaults";
import { scratchVolumeName } from "./container-definition";
import type { FargateServiceArgs } from "./service-args";
import { targetName } from "./load-balancing";

/** Arguments AWS would refuse at `pulumi up`, refused here at preview with the component's name. */
export function validateService(name: string, args: FargateServiceArgs, resource: pulumi.Resource): void {
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
    check("interval", h.intervalSeconds, ...ECS_HEALTH_CHECK_LIMITS.intervalSeconds);
    check("timeout", h.timeoutSeconds, ...ECS_HEALTH_CHECK_LIMITS.timeoutSeconds);
    check("retries", h.retries, ...ECS_HEALTH_CHECK_LIMITS.retries);
    check("startPeriod", h.startPeriodSeconds, ...ECS_HEALTH_CHECK_LIMITS.startPeriodSeconds);
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
    // ECS also takes user names, but a name means whatever the image's /etc/passwd says: a numeric uid:gid is
    // what the access points' owners are compared with, and cannot be root by another name.
    if (!/^[1-9]\d*:\d+$/.test(c.user)) problems.push(`container ${c.name}: user "${c.user}" is not a non-root uid:gid such as 1000:1000`);
    for (const p of c.writablePaths) {
      if (!p.startsWith("/")) problems.push(`container ${c.name}: writable path ${p} is not absolute`);
      if (mountNames.has(scratchVolumeName(c.name, p))) problems.push(`container ${c.name}: writable path ${p} takes the name of volume ${scratchVolumeName(c.name, p)}`);
    }
  }
  for (const p of args.exposedPorts) {
    const container = args.containers.find((c) => c.name === p.containerName);
    if (!container) problems.push(`exposed port ${p.containerPort}: unknown container ${p.containerName}`);
    else if (!(container.ports ?? []).includes(p.containerPort)) {
      problems.push(`exposed port ${p.containerPort}: container ${p.containerName} does not listen on it`);
    }
    const tgName = targetName(name, p.containerPort);
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
  const [minGrace, maxGrace] = ECS_GRACE_PERIOD_LIMITS;
  if (args.healthCheckGracePeriodSeconds < minGrace || args.healthCheckGracePeriodSeconds > maxGrace) {
    problems.push(`health-check grace period ${args.healthCheckGracePeriodSeconds} is outside ${minGrace} to ${maxGrace} seconds`);
  }
  if (problems.length) {
    throw new pulumi.ResourceError(`service ${name}: ${problems.join("; ")}`, resource, true);
  }
}
