/**
 * The web application firewall in front of the shared load balancer (WAFV2, REGIONAL): AWS's baseline managed
 * rule groups, a per-IP rate limit, and each restricted path (the gateway's key API) closed to everyone outside
 * its CIDRs in every spelling of the path. It logs to CloudWatch with credentials redacted and alarms on a spike
 * of blocked requests. The ALB's own path rules stay as the second layer.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { WafSettings } from "../../config";
import { WAF_ALARM, WAF_MANAGED_GROUPS, WAF_PATH_TRANSFORMS, WAF_PRIORITY, WAF_REDACTED_HEADERS, WAF_SEGMENT_TRANSFORMS } from "../shared/defaults";
import { stackScoped } from "../shared/naming";

/** A path prefix answered 403 unless the caller's address is in `allowCidrs`. */
export interface RestrictedPath {
  /** Short stable name, used in resource and metric names. @example "key-api" */
  name: string;
  /** Looked for in the path after decoding, normalization and lowercasing, so it is lowercase. @example "/api/keys" */
  pathPrefix: string;
  allowCidrs: string[];
}

export interface WebFirewallArgs {
  loadBalancerArn: pulumi.Input<string>;
  settings: WafSettings;
  restrictedPaths: RestrictedPath[];
  /** Days the WAF log group keeps its events. */
  logRetentionDays: number;
  alarmTopicArn: pulumi.Input<string>;
}

type Rule = aws.types.input.wafv2.WebAclRule;
type Statement = aws.types.input.wafv2.WebAclRuleStatement;

/** CloudWatch metric names of WAF: letters, digits and `-_` only here (the API allows a few more). */
const metricName = (name: string): string => stackScoped(name).replace(/[^A-Za-z0-9_-]/g, "-");

const visibility = (name: string): aws.types.input.wafv2.WebAclRuleVisibilityConfig => ({
  cloudwatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName: metricName(name),
});

/** A byte match on the URI path: `search` contained in the path after `transforms`, in that order. */
function pathContains(search: string, transforms: readonly string[]): Statement {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: "CONTAINS",
      searchString: search,
      textTransformations: transforms.map((type, priority) => ({ type, priority })),
    },
  };
}

/**
 * The statement of a restricted path: the source address is not in the path's IP set, and the path is one a router
 * may serve as the prefix. That is either
 * - the prefix is contained in the path once decoded, normalized (`\` as `/`) and lowercased: every spelling without
 *   a back-reference, since decoding, `\` to `/`, removing `//` and `/./` and folding case never split the prefix; or
 * - the decoded path holds a back-reference (`..`, also `%2e%2e`) and each of the prefix's segments. A router's
 *   segments need not be WAF's (a router may keep `x%2f..` as one segment, or drop `x%2fy/%2e%2e` whole), so
 *   WAF's resolution of `..` is not the router's, and no order of transformations makes it so. Browsers and HTTP
 *   clients resolve dot segments before they send, so only a crafted request is refused here.
 * "Contains", not "starts with": NORMALIZE_PATH leaves a back-reference at the start of the path (`/../api/keys`),
 * which a lenient router may still resolve to the key API. It does not look at the Host header: the client
 * chooses that header, and a rule an attacker could step out of by sending another Host would be no rule. So the
 * block covers the prefix on every host of the load balancer, a superset of the gateway's.
 *
 * Nesting: and, or, and, match is as deep as the provider's web ACL schema allows (three logical levels).
 */
export function restrictedPathStatement(pathPrefix: string, ipSetArn: pulumi.Input<string>): Statement {
  const segments = pathPrefix.split("/").filter(Boolean);
  return {
    andStatement: {
      statements: [
        {
          orStatement: {
            statements: [
              pathContains(pathPrefix, WAF_PATH_TRANSFORMS),
              {
                andStatement: {
                  statements: [
                    pathContains("..", WAF_SEGMENT_TRANSFORMS),
                    ...segments.map((segment) => pathContains(segment, WAF_SEGMENT_TRANSFORMS)),
                  ],
                },
              },
            ],
          },
        },
        { notStatement: { statement: { ipSetReferenceStatement: { arn: ipSetArn } } } },
      ],
    },
  };
}

export class WebFirewall extends pulumi.ComponentResource {
  public readonly webAcl: aws.wafv2.WebAcl;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly blockedAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: WebFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:edge:WebFirewall", name, {}, opts);
    const parent = { parent: this };

    const restricted: Rule[] = args.restrictedPaths.map((path, i) => {
      const ipSet = new aws.wafv2.IpSet(
        `${name}-${path.name}`,
        {
          scope: "REGIONAL",
          ipAddressVersion: "IPV4",
          addresses: path.allowCidrs,
          description: `Sources allowed to reach ${path.pathPrefix}`,
        },
        parent,
      );
      return {
        name: `block-${path.name}`,
        priority: WAF_PRIORITY.keyApi + i,
        action: { block: {} },
        statement: restrictedPathStatement(path.pathPrefix, ipSet.arn),
        visibilityConfig: visibility(`${name}-block-${path.name}`),
      };
    });

    this.webAcl = new aws.wafv2.WebAcl(
      name,
      {
        scope: "REGIONAL",
        description: "Public load balancer: managed rule groups, per-IP rate limit, restricted paths",
        defaultAction: { allow: {} },
        rules: [...restricted, ...managedRules(name), rateLimitRule(name, args.settings)].sort((a, b) => (a.priority as number) - (b.priority as number)),
        visibilityConfig: visibility(name),
      },
      parent,
    );

    new aws.wafv2.WebAclAssociation(name, { resourceArn: args.loadBalancerArn, webAclArn: this.webAcl.arn }, parent);

    // WAF delivers only to log groups whose name starts with aws-waf-logs-; it adds the log group's resource
    // policy for its delivery service itself (the deployer needs logs:PutResourcePolicy).
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `aws-waf-logs-${pulumi.getStack()}`, retentionInDays: args.logRetentionDays },
      parent,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      name,
      {
        resourceArn: this.webAcl.arn,
        logDestinationConfigs: [this.logGroup.arn],
        redactedFields: WAF_REDACTED_HEADERS.map((header) => ({ singleHeader: { name: header } })),
      },
      parent,
    );

    const region = aws.getRegionOutput({}, parent).region;
    this.blockedAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-blocked`,
      {
        name: stackScoped(`${name}-blocked-requests`),
        alarmDescription: `WAF blocked more than ${args.settings.blockedRequestsAlarm} requests in 5 minutes: an attack, or a rule refusing real traffic (see the aws-waf-logs log group)`,
        namespace: "AWS/WAFV2",
        metricName: "BlockedRequests",
        dimensions: { WebACL: this.webAcl.name, Region: region, Rule: "ALL" },
        statistic: "Sum",
        period: WAF_ALARM.periodSeconds,
        evaluationPeriods: WAF_ALARM.evaluationPeriods,
        threshold: args.settings.blockedRequestsAlarm,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [args.alarmTopicArn],
        okActions: [args.alarmTopicArn],
      },
      parent,
    );

    this.registerOutputs({ webAclArn: this.webAcl.arn, logGroupName: this.logGroup.name });
  }
}

/** AWS's managed rule groups, each at its priority, with the rules the stacks only count. */
function managedRules(name: string): Rule[] {
  return WAF_MANAGED_GROUPS.map((group) => ({
    name: group.name,
    priority: WAF_PRIORITY[group.key],
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: "AWS",
        name: group.name,
        // Only when there is one: the provider stores no empty override block, so [] would differ every time.
        ...(group.countOnly.length ? { ruleActionOverrides: group.countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) } : {}),
      },
    },
    visibilityConfig: visibility(`${name}-${group.name}`),
  }));
}

/** The per-IP rate limit. */
function rateLimitRule(name: string, settings: WebFirewallArgs["settings"]): Rule {
  return {
    name: "rate-limit-per-ip",
    priority: WAF_PRIORITY.rateLimit,
    action: { block: {} },
    statement: {
      rateBasedStatement: {
        aggregateKeyType: "IP",
        limit: settings.rateLimit,
        evaluationWindowSec: settings.rateWindowSeconds,
      },
    },
    visibilityConfig: visibility(`${name}-rate-limit`),
  };
}
