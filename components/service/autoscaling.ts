/**
 * Target tracking for a stateless service: on CPU, and on requests per target when the service has a target
 * group. Autoscaling owns the running count from then on (the service ignores `desiredCount` changes).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AUTOSCALING } from "../shared/defaults";

export interface AutoscalingArgs {
  clusterName: pulumi.Input<string>;
  service: aws.ecs.Service;
  min: number;
  max: number;
  /** @default AUTOSCALING.cpuTargetPercent */
  cpuTargetPercent?: number;
  /** @default AUTOSCALING.requestsPerTarget */
  requestsPerTarget?: number;
  /** The load balancer and target group whose requests per target it tracks. */
  requests?: { loadBalancer: aws.lb.LoadBalancer; targetGroup: aws.lb.TargetGroup };
  /** A sleep schedule sets the bounds from then on: they are left to it after creation. @default false */
  scheduled?: boolean;
}

export function createAutoscaling(name: string, args: AutoscalingArgs, parent: pulumi.Resource): aws.appautoscaling.Target {
  const opts = { parent };
  const target = new aws.appautoscaling.Target(
    name,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${args.clusterName}/${args.service.name}`,
      minCapacity: args.min,
      maxCapacity: args.max,
    },
    { parent, ignoreChanges: args.scheduled ? ["minCapacity", "maxCapacity"] : [] },
  );
  const policy = (suffix: string, metric: aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification, targetValue: number) =>
    new aws.appautoscaling.Policy(
      `${name}-${suffix}`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: metric,
          targetValue,
          scaleInCooldown: AUTOSCALING.scaleInCooldownSeconds,
          scaleOutCooldown: AUTOSCALING.scaleOutCooldownSeconds,
        },
      },
      opts,
    );
  policy("cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, args.cpuTargetPercent ?? AUTOSCALING.cpuTargetPercent);
  if (args.requests) {
    const { loadBalancer, targetGroup } = args.requests;
    policy(
      "requests",
      { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: pulumi.interpolate`${loadBalancer.arnSuffix}/${targetGroup.arnSuffix}` },
      args.requestsPerTarget ?? AUTOSCALING.requestsPerTarget,
    );
  }
  return target;
}
