import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CLUSTER_CAPACITY_PROVIDERS } from "../service/capacity";
import { Endpoint } from "../service/load-balancing";
import { createLogBucket } from "./log-bucket";

export type { Endpoint } from "../service/load-balancing";

/** A public endpoint a system asks the platform for. */
export interface EndpointSpec {
  /** Short stable name, used in resource names and outputs. @example "gateway" */
  name: string;
  /** Host label under the domain. @example "gateway" → gateway.example.com */
  subdomain: string;
  /** Without a domain: the ALB port this endpoint listens on. */
  listenerPort: number;
  /** First listener-rule priority of this endpoint; its rules use priority .. priority + 99. */
  priority: number;
}

export interface PlatformArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Public endpoints of the enabled systems. */
  endpoints: EndpointSpec[];
  /** Route 53 hosted zone name; set: HTTPS with a DNS-validated certificate, one host per endpoint. */
  domain?: string;
  /** CIDRs allowed to reach the load balancer. @default ["0.0.0.0/0"] */
  ingressCidrs: string[];
  /** ALB access logs to an encrypted S3 bucket. */
  accessLogs: boolean;
  deletionProtection: boolean;
  /** @default 120 */
  idleTimeoutSeconds: number;
  /** Keep the access-log bucket (and its objects) on destroy. */
  protectState: boolean;
  /** Days access logs are kept. */
  logRetentionDays: number;
  /** With ECS Exec on: every session's commands and output go to a log group of the cluster, kept this long. */
  execSessionLogs?: { retentionDays: number };
}

/**
 * TLS policy of the HTTPS listener: TLS 1.3 with TLS 1.2 fallback, AEAD (GCM) ciphers with forward secrecy only,
 * and hybrid post-quantum key exchange for clients that offer ML-KEM. AWS's recommended policy (and the console's
 * default) since 2025-09; the APIs still default to ELBSecurityPolicy-2016-08, which allows TLS 1.0.
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/**
 * The shared platform: the ECS cluster (Container Insights), one internet-facing ALB with its security group,
 * its listeners, and — with a domain — the certificate and DNS names. Systems plug into it through `endpoint()`.
 */
export class Platform extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  /** FARGATE and FARGATE_SPOT on the cluster: services name them in their capacity strategies. */
  public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
  /** Where ECS Exec sessions are logged, when ECS Exec is on. */
  public readonly execLogGroup?: aws.cloudwatch.LogGroup;
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly albSecurityGroup: aws.ec2.SecurityGroup;
  public readonly accessLogBucket?: aws.s3.Bucket;
  public certificate?: aws.acm.Certificate;
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:platform:Platform", name, {}, opts);
    const parent = { parent: this };

    // An ECS Exec session is a shell in a production container: what it runs and prints is kept (ECS developer
    // guide, "Logging ECS Exec sessions"); the tasks' roles may write there (components/service/task-roles.ts).
    this.execLogGroup = args.execSessionLogs
      ? new aws.cloudwatch.LogGroup(`${name}-exec`, { name: `/ecs/${pulumi.getStack()}/exec-sessions`, retentionInDays: args.execSessionLogs.retentionDays }, parent)
      : undefined;
    this.cluster = new aws.ecs.Cluster(
      name,
      {
        settings: [{ name: "containerInsights", value: "enhanced" }],
        ...(this.execLogGroup
          ? { configuration: { executeCommandConfiguration: { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: this.execLogGroup.name } } } }
          : {}),
      },
      parent,
    );
    this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
      name,
      {
        clusterName: this.cluster.name,
        capacityProviders: [...CLUSTER_CAPACITY_PROVIDERS],
        // Every service names its own strategy (components/service/capacity.ts); this one only answers a task run by hand.
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
      },
      parent,
    );

    const listenerPorts = args.domain ? [80, 443] : args.endpoints.map((e) => e.listenerPort);
    this.albSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: args.vpcId,
        description: "Public load balancer: listener ports from the allowed CIDRs; egress only to task security groups",
        // No inline `egress`: the provider revokes AWS's default allow-all rule on create, and egress rules are
        // separate resources (each service adds one to its task security group). An inline `egress: []` would be
        // authoritative and revoke those rules on the next refresh.
        tags: { Name: `${name}-alb` },
      },
      parent,
    );
    for (const port of listenerPorts) {
      for (const cidr of args.ingressCidrs) {
        // Named by CIDR, not by position: removing one CIDR then deletes its rule instead of rewriting the
        // rules after it into CIDRs other rules still hold (InvalidPermission.Duplicate).
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-alb-in-${port}-${cidr.replace(/[./]/g, "-")}`,
          {
            securityGroupId: this.albSecurityGroup.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
            description: `Listener ${port} from ${cidr}`,
          },
          parent,
        );
      }
    }

    if (args.accessLogs) this.accessLogBucket = this.createAccessLogBucket(name, args);

    this.loadBalancer = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [this.albSecurityGroup.id],
        enableDeletionProtection: args.deletionProtection,
        dropInvalidHeaderFields: true,
        idleTimeout: args.idleTimeoutSeconds,
        accessLogs: this.accessLogBucket
          ? { bucket: this.accessLogBucket.bucket, enabled: true, prefix: "alb" }
          : undefined,
      },
      { parent: this, dependsOn: this.accessLogBucketPolicy ? [this.accessLogBucketPolicy] : [] },
    );

    if (args.domain) this.createHttpsListeners(name, args, args.domain);
    else this.createPortListeners(name, args);

    this.registerOutputs({
      clusterName: this.cluster.name,
      loadBalancerDnsName: this.loadBalancer.dnsName,
      albSecurityGroupId: this.albSecurityGroup.id,
    });
  }

  private accessLogBucketPolicy?: aws.s3.BucketPolicy;

  /** The endpoint a system attaches its target group to. */
  endpoint(name: string): Endpoint {
    const e = this.endpoints.get(name);
    if (!e) throw new Error(`the platform has no endpoint "${name}"; add it to the platform's endpoints`);
    return e;
  }

  /** Public URLs of every endpoint, by name. */
  urls(): Record<string, pulumi.Output<string>> {
    return Object.fromEntries([...this.endpoints.values()].map((e) => [e.name, e.url]));
  }

  private createHttpsListeners(name: string, args: PlatformArgs, domain: string): void {
    const zone = aws.route53.getZoneOutput({ name: domain, privateZone: false }, { parent: this });
    const hosts = args.endpoints.map((e) => `${e.subdomain}.${domain}`);

    const certificate = new aws.acm.Certificate(
      name,
      {
        domainName: hosts[0],
        subjectAlternativeNames: hosts.slice(1),
        validationMethod: "DNS",
        keyAlgorithm: "EC_prime256v1",
      },
      { parent: this },
    );
    this.certificate = certificate;
    // One validation record per host; ACM may give two names the same record, so records allow overwrite.
    const validationRecords = hosts.map(
      (host, i) =>
        new aws.route53.Record(
          `${name}-cert-validation-${args.endpoints[i].name}`,
          {
            zoneId: zone.zoneId,
            name: certificate.domainValidationOptions.apply((o) => o.find((v) => v.domainName === host)!.resourceRecordName),
            type: certificate.domainValidationOptions.apply((o) => o.find((v) => v.domainName === host)!.resourceRecordType),
            records: [certificate.domainValidationOptions.apply((o) => o.find((v) => v.domainName === host)!.resourceRecordValue)],
            ttl: 300,
            allowOverwrite: true,
          },
          { parent: this },
        ),
    );
    const validation = new aws.acm.CertificateValidation(
      name,
      { certificateArn: certificate.arn, validationRecordFqdns: validationRecords.map((r) => r.fqdn) },
      { parent: this },
    );

    const https = new aws.lb.Listener(
      listenerName(name, 443),
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: validation.certificateArn,
        defaultActions: [notFound()],
      },
      { parent: this },
    );
    new aws.lb.Listener(
      listenerName(name, 80),
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      },
      { parent: this },
    );

    for (const [i, spec] of args.endpoints.entries()) {
      const host = hosts[i];
      new aws.route53.Record(
        `${name}-${spec.name}`,
        {
          zoneId: zone.zoneId,
          name: host,
          type: "A",
          aliases: [{ name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true }],
        },
        { parent: this },
      );
      this.endpoints.set(spec.name, { name: spec.name, listener: https, host, priority: spec.priority, url: pulumi.output(`https://${host}`) });
    }
  }

  private createPortListeners(name: string, args: PlatformArgs): void {
    for (const spec of args.endpoints) {
      const listener = new aws.lb.Listener(
        listenerName(name, spec.listenerPort),
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: spec.listenerPort,
          protocol: "HTTP",
          defaultActions: [notFound()],
        },
        { parent: this },
      );
      const url = spec.listenerPort === 80
        ? pulumi.interpolate`http://${this.loadBalancer.dnsName}`
        : pulumi.interpolate`http://${this.loadBalancer.dnsName}:${spec.listenerPort}`;
      this.endpoints.set(spec.name, { name: spec.name, listener, priority: spec.priority, url });
    }
  }

  /**
   * The bucket of the ALB's access logs, and the bucket of that bucket's own S3 server access logs (who read or
   * deleted the logs). The second is the end of the chain: logging it into a third would log that one, too.
   */
  private createAccessLogBucket(name: string, args: PlatformArgs): aws.s3.Bucket {
    const elbAccount = aws.elb.getServiceAccountOutput({}, { parent: this });
    const caller = aws.getCallerIdentityOutput({}, { parent: this });
    const bucket = createLogBucket(this, `${name}-alb-logs`, args, (arn) => [
      // Regions opened before August 2022 deliver as the regional ELB account; newer ones as the service.
      {
        Sid: "AlbLogDeliveryAccount",
        Effect: "Allow",
        Principal: { AWS: elbAccount.arn },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${arn}/alb/AWSLogs/${caller.accountId}/*`,
      },
      {
        Sid: "AlbLogDeliveryService",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${arn}/alb/AWSLogs/${caller.accountId}/*`,
      },
    ]);
    this.accessLogBucketPolicy = bucket.policy;

    const accessLogs = createLogBucket(this, `${name}-alb-logs-access`, args, (arn) => [
      {
        Sid: "S3ServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${arn}/${ACCESS_LOG_PREFIX}*`,
        Condition: { ArnLike: { "aws:SourceArn": bucket.bucket.arn }, StringEquals: { "aws:SourceAccount": caller.accountId } },
      },
    ]);
    new aws.s3.BucketLogging(
      `${name}-alb-logs`,
      { bucket: bucket.bucket.id, targetBucket: accessLogs.bucket.id, targetPrefix: ACCESS_LOG_PREFIX },
      { parent: this, dependsOn: [accessLogs.policy] },
    );
    return bucket.bucket;
  }
}


/** Where S3 writes the server access logs of the ALB log bucket, in the access-log bucket. */
const ACCESS_LOG_PREFIX = "alb-logs/";

/**
 * A listener is named by its port in both modes. An ALB holds one listener per port, and the engine creates
 * before it deletes: under names by role, turning the domain on or off would create the new port-80 listener
 * while the old one still holds the port (DuplicateListener). By port, the switch is an update in place.
 */
function listenerName(platform: string, port: number): string {
  return `${platform}-listener-${port}`;
}

/** Default answer of a listener for requests no rule matches. */
function notFound(): aws.types.input.lb.ListenerDefaultAction {
  return { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } };
}
