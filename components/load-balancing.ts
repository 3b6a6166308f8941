/**
 * A service's place on the shared load balancer: for each exposed container port a target group (IP targets,
 * HTTP health check on the port's path) and the listener rules that route to it, in the endpoint's block of the
 * rule-priority contract (defaults.ts, RULE_PRIORITY).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { HealthCheckTiming } from "../config";
import { CIDRS_PER_RULE, RULE_PRIORITY } from "./defaults";
import { Endpoint } from "./platform";

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

/** One exposed port on the load balancer: its target group, the rules that route to it, its logical name. */
export interface Target {
  port: ExposedPort;
  /** `<service>-<container port>`: the target group's logical name and its rules' and alarms' prefix. */
  name: string;
  targetGroup: aws.lb.TargetGroup;
  rules: aws.lb.ListenerRule[];
}

/** The target group's logical name of a service's exposed port. */
export const targetName = (service: string, containerPort: number): string => `${service}-${containerPort}`;

export function createTargets(
  service: string,
  args: { exposedPorts: ExposedPort[]; vpcId: pulumi.Input<string>; healthCheck: HealthCheckTiming },
  parent: pulumi.Resource,
): Target[] {
  return args.exposedPorts.map((port) => {
    const name = targetName(service, port.containerPort);
    const targetGroup = new aws.lb.TargetGroup(
      name,
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
      { parent, deleteBeforeReplace: false },
    );
    return { port, name, targetGroup, rules: createListenerRules(name, port, targetGroup, parent) };
  });
}

function createListenerRules(name: string, port: ExposedPort, targetGroup: aws.lb.TargetGroup, parent: pulumi.Resource): aws.lb.ListenerRule[] {
  const { endpoint } = port;
  const rule = (suffix: string, offset: number, conditions: aws.types.input.lb.ListenerRuleCondition[], actions: aws.types.input.lb.ListenerRuleAction[]) =>
    new aws.lb.ListenerRule(
      `${name}-${suffix}`,
      { listenerArn: endpoint.listener.arn, priority: endpoint.priority + offset, conditions, actions },
      { parent },
    );
  const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
  const hostCondition = endpoint.host ? [{ hostHeader: { values: [endpoint.host] } }] : [];
  const rules: aws.lb.ListenerRule[] = [];
  if (port.restrictedPaths) {
    const { pathPattern, allowCidrs } = port.restrictedPaths;
    const path = { pathPattern: { values: [pathPattern] } };
    for (let i = 0; i * CIDRS_PER_RULE < allowCidrs.length; i++) {
      const sourceIp = { sourceIp: { values: allowCidrs.slice(i * CIDRS_PER_RULE, (i + 1) * CIDRS_PER_RULE) } };
      rules.push(rule(`admin-${i}`, RULE_PRIORITY.adminFirst + i, [...hostCondition, path, sourceIp], forward));
    }
    const forbidden = { type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } };
    rules.push(rule("deny", RULE_PRIORITY.deny, [...hostCondition, path], [forbidden]));
  }
  rules.push(rule("forward", RULE_PRIORITY.forward, endpoint.host ? hostCondition : [{ pathPattern: { values: ["/*"] } }], forward));
  return rules;
}
