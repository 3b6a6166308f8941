/**
 * A service's place on the shared load balancer: for each exposed container port a target group (IP targets,
 * HTTP health check on the port's path) and the listener rules that route to it, in the endpoint's block of the
 * rule-priority contract (defaults.ts, RULE_PRIORITY).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { HealthCheckTiming, JwtValidation } from "../../config";
import { CIDRS_PER_RULE, RULE_PRIORITY } from "../shared/defaults";

/** What a service needs to attach itself to a public endpoint. */
export interface Endpoint {
  name: string;
  /** The listener whose rules route to the endpoint (shared HTTPS listener, or the endpoint's own port). */
  listener: aws.lb.Listener;
  /** Host-header the endpoint's rules match; undefined without a domain (the listener is the endpoint's own). */
  host?: string;
  /** First free listener-rule priority of this endpoint. */
  priority: number;
  /** Public URL, e.g. https://gateway.example.com or http://<alb-dns>:3000. */
  url: pulumi.Output<string>;
}

/** A container port published through the shared load balancer. */
export interface ExposedPort {
  endpoint: Endpoint;
  containerName: string;
  containerPort: number;
  /** Target-group health check path. @example "/health" */
  healthCheckPath: string;
  /**
   * Paths answered 403 unless the caller's address is in `allowCidrs` (for APIs without authentication); with
   * `jwt`, the load balancer also validates the caller's token before forwarding (HTTPS listeners only).
   */
  restrictedPaths?: { pathPattern: string; allowCidrs: string[]; jwt?: JwtValidation };
  /** Paths answered 404 for everyone (at most 4: a rule holds 5 condition values, the host takes one). */
  hiddenPaths?: string[];
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
    const { pathPattern, allowCidrs, jwt } = port.restrictedPaths;
    const path = { pathPattern: { values: [pathPattern] } };
    const sourceIps = (perRule: number) =>
      Array.from({ length: Math.ceil(allowCidrs.length / perRule) }, (_, i) => ({
        sourceIp: { values: allowCidrs.slice(i * perRule, (i + 1) * perRule) },
      }));
    if (jwt) {
      // A browser's CORS preflight carries no token: OPTIONS from the admin CIDRs is forwarded unvalidated (the
      // method condition takes one of the rule's five condition values, so one CIDR fewer per rule).
      const options = { httpRequestMethod: { values: ["OPTIONS"] } };
      sourceIps(CIDRS_PER_RULE - 1).forEach((sourceIp, i) =>
        rules.push(rule(`admin-preflight-${i}`, RULE_PRIORITY.preflightFirst + i, [...hostCondition, path, options, sourceIp], forward)),
      );
    }
    const admitted = jwt ? [validateJwt(jwt, 1), { ...forward[0], order: 2 }] : forward;
    sourceIps(CIDRS_PER_RULE).forEach((sourceIp, i) =>
      rules.push(rule(`admin-${i}`, RULE_PRIORITY.adminFirst + i, [...hostCondition, path, sourceIp], admitted)),
    );
    const forbidden = { type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } };
    rules.push(rule("deny", RULE_PRIORITY.deny, [...hostCondition, path], [forbidden]));
  }
  if (port.hiddenPaths?.length) {
    const notFound = { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "Not Found" } };
    rules.push(rule("hidden", RULE_PRIORITY.hidden, [...hostCondition, { pathPattern: { values: port.hiddenPaths } }], [notFound]));
  }
  rules.push(rule("forward", RULE_PRIORITY.forward, endpoint.host ? hostCondition : [{ pathPattern: { values: ["/*"] } }], forward));
  return rules;
}

/**
 * The load balancer's token check: signature against the issuer's JWKS (RS256 only), `exp`, `iss`, and `nbf` and
 * `iat` when present, then the configured claims. A request without a valid token gets 401 and never reaches
 * the target; a valid one is forwarded with the token unchanged.
 */
function validateJwt(jwt: JwtValidation, order: number): aws.types.input.lb.ListenerRuleAction {
  return {
    type: "jwt-validation",
    order,
    jwtValidation: {
      issuer: jwt.issuer,
      jwksEndpoint: jwt.jwksEndpoint,
      // `format` is the claim's type in the token (Supabase's are strings); `values` is the set it may take.
      additionalClaims: jwt.claims.map((c) => ({ format: "single-string", name: c.name, values: c.values })),
    },
  };
}
