import { Captured, ProgramRun, policyDocument, runProgram } from "./support/harness";

/**
 * The shared platform: the ECS cluster, one internet-facing ALB in the public subnets with its security group
 * and listeners, and — with a domain — the certificate, its DNS validation and one alias per host. Staging has
 * no domain (a listener port per endpoint), prod has one (HTTPS on 443 with host rules, HTTP redirected).
 */

const T = {
  cluster: "aws:ecs/cluster:Cluster",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  service: "aws:ecs/service:Service",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  certificate: "aws:acm/certificate:Certificate",
  certificateValidation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
};

/** The hosted zone the harness's getZone answers with. */
const ZONE_ID = "Z0123456789ABCDEFGHIJ";
const DOMAIN = "tupl.example.com";
/** Which endpoint each target group serves (its service's container port behind the endpoint). */
const ENDPOINT_OF_TARGET_GROUP: Record<string, string> = {
  "gateway-3000": "gateway",
  "security-8000": "api",
  "security-8001": "control",
  "console-8080": "console",
};
/** A ListenerRule's logical name starts with its target group's (`gateway-3000-forward`, `gateway-3000-deny`). */
const targetGroupOfRule = (rule: Captured): string => Object.keys(ENDPOINT_OF_TARGET_GROUP).find((tg) => rule.name.startsWith(`${tg}-`))!;
/** The provider appends 8 characters (`-` and 7 random) to a logical name; AWS allows ALB names of 32. */
const PHYSICAL_SUFFIX = 8;

/** Ingress rules of the ALB's security group, as "port from cidr". */
const albIngress = (run: ProgramRun): string[] =>
  run
    .ofType(T.ingressRule)
    .filter((r) => r.inputs.securityGroupId === run.outputs.albSecurityGroupId)
    .map((r) => {
      expect([r.inputs.ipProtocol, r.inputs.fromPort]).toEqual(["tcp", r.inputs.toPort]);
      expect(r.inputs.referencedSecurityGroupId).toBeUndefined();
      return `${r.inputs.fromPort} from ${r.inputs.cidrIpv4}`;
    })
    .sort();

/** What the shared cluster, load balancer and security group look like in every stack. */
function describeSharedPlatform(load: () => ProgramRun): void {
  it("runs an ECS cluster with Container Insights", () => {
    expect(load().get(T.cluster, "platform").inputs.settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
  });

  it("has one internet-facing application load balancer in the public subnets only", () => {
    const run = load();
    expect(run.ofType(T.loadBalancer)).toHaveLength(1);
    const lb = run.get(T.loadBalancer, "platform");
    expect(lb.inputs).toMatchObject({ loadBalancerType: "application", internal: false, securityGroups: [run.outputs.albSecurityGroupId] });
    expect(lb.inputs.subnets).toEqual(run.outputs.publicSubnetIds);
    expect(lb.inputs.subnets.filter((s: string) => run.outputs.privateSubnetIds.includes(s))).toEqual([]);
    expect(lb.name.length + PHYSICAL_SUFFIX).toBeLessThanOrEqual(32);
  });

  it("drops malformed headers and keeps idle MCP streams open for 120 s", () => {
    expect(load().get(T.loadBalancer, "platform").inputs).toMatchObject({ dropInvalidHeaderFields: true, idleTimeout: 120 });
  });

  it("lets the load balancer out only to the task security groups, on their target ports", () => {
    const run = load();
    const albSg = run.ofType(T.securityGroup).find((sg) => sg.name === "platform-alb")!;
    // No inline egress: the provider drops AWS's allow-all default, and inline rules would fight the separate ones.
    expect(albSg.inputs.egress).toBeUndefined();
    const expected = run.ofType(T.service).flatMap((s) =>
      s.inputs.loadBalancers.map((lb: { containerPort: number }) => `${lb.containerPort} to ${s.inputs.networkConfiguration.securityGroups[0]}`),
    );
    const actual = run.ofType(T.egressRule).filter((r) => r.inputs.securityGroupId === run.outputs.albSecurityGroupId).map((r) => {
      expect([r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.cidrIpv4]).toEqual(["tcp", r.inputs.toPort, undefined]);
      return `${r.inputs.fromPort} to ${r.inputs.referencedSecurityGroupId}`;
    });
    expect(actual.sort()).toEqual(expected.sort());
    expect(actual).toHaveLength(4);
  });

  it("gives each listener a 404 for requests no rule matches, never a default target", () => {
    const run = load();
    for (const listener of run.ofType(T.listener).filter((l) => l.inputs.defaultActions[0].type !== "redirect")) {
      expect(listener.inputs.defaultActions).toEqual([
        { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } },
      ]);
    }
  });

  it("keeps listener rules within AWS's limits: unique priorities per listener, at most 5 condition values each", () => {
    const run = load();
    const rules = run.ofType(T.listenerRule);
    for (const listenerArn of new Set(rules.map((r) => r.inputs.listenerArn))) {
      const priorities = rules.filter((r) => r.inputs.listenerArn === listenerArn).map((r) => r.inputs.priority);
      expect(new Set(priorities).size).toBe(priorities.length);
      for (const p of priorities) expect(p >= 1 && p <= 50000).toBe(true);
    }
    for (const rule of rules) {
      const values = rule.inputs.conditions.flatMap((c: Record<string, { values: string[] }>) => Object.values(c).flatMap((v) => v.values));
      expect({ rule: rule.name, tooMany: values.length > 5 }).toEqual({ rule: rule.name, tooMany: false });
    }
  });
}

describe("without a domain (staging with domain unset, the quick-trial mode)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging", config: { domain: "" } });
  });

  it("warns once, at preview, that keys and tokens travel in plain text", () => {
    const warnings = run.warnings.filter((w) => w.includes("ai-platform:domain"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plain HTTP/);
    expect(warnings[0]).toMatch(/API keys .*Supabase tokens.*unencrypted/);
  });

  describeSharedPlatform(() => run);

  it("listens with plain HTTP on one port per endpoint", () => {
    const listeners = run.ofType(T.listener).map((l) => [l.name, l.inputs.protocol, l.inputs.port]);
    expect(listeners).toEqual([
      ["platform-listener-3000", "HTTP", 3000],
      ["platform-listener-8000", "HTTP", 8000],
      ["platform-listener-8001", "HTTP", 8001],
      ["platform-listener-80", "HTTP", 80],
    ]);
    expect(run.ofType(T.listener).every((l) => l.inputs.certificateArn === undefined)).toBe(true);
  });

  it("opens exactly those listener ports, to the allowed CIDRs", () => {
    expect(albIngress(run)).toEqual(["3000 from 0.0.0.0/0", "80 from 0.0.0.0/0", "8000 from 0.0.0.0/0", "8001 from 0.0.0.0/0"]);
  });

  it("attaches each system's rules to its endpoint's own listener, matching any path there", () => {
    const listenerArn = (endpoint: string) => run.get(T.listener, `platform-listener-${run.config[`ai-platform:${endpoint}ListenerPort`]}`).state.arn;
    const rules = run.ofType(T.listenerRule);
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) {
      const endpoint = ENDPOINT_OF_TARGET_GROUP[targetGroupOfRule(rule)];
      expect({ rule: rule.name, listener: rule.inputs.listenerArn }).toEqual({ rule: rule.name, listener: listenerArn(endpoint) });
      expect(rule.inputs.conditions.some((c: object) => "hostHeader" in c)).toBe(false);
    }
    for (const tg of Object.keys(ENDPOINT_OF_TARGET_GROUP)) {
      const forward = run.get(T.listenerRule, `${tg}-forward`);
      expect(forward.inputs.conditions).toEqual([{ pathPattern: { values: ["/*"] } }]);
      expect(forward.inputs.actions).toEqual([{ type: "forward", targetGroupArn: run.get(T.targetGroup, tg).state.arn }]);
    }
  });

  it("publishes each endpoint as the load balancer's name and port (80 without one)", () => {
    const dns = run.outputs.albDnsName;
    expect([run.outputs.gatewayUrl, run.outputs.apiUrl, run.outputs.controlUrl, run.outputs.consoleUrl]).toEqual([
      `http://${dns}:3000`,
      `http://${dns}:8000`,
      `http://${dns}:8001`,
      `http://${dns}`,
    ]);
  });

  it("has no certificate, no DNS records and no access-log bucket (albAccessLogs is false)", () => {
    expect(run.ofType(T.certificate)).toEqual([]);
    expect(run.ofType(T.record)).toEqual([]);
    expect(run.ofType(T.bucket)).toEqual([]);
    expect(run.get(T.loadBalancer, "platform").inputs.accessLogs).toBeUndefined();
  });
});

describe("with a domain (prod)", () => {
  const HOSTS = ["gateway", "api", "control", "console"].map((h) => `${h}.${DOMAIN}`);
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "prod" });
  });

  describeSharedPlatform(() => run);

  describe("certificate", () => {
    it("covers one host per endpoint, validated through DNS", () => {
      const cert = run.get(T.certificate, "platform");
      expect(cert.inputs).toMatchObject({ domainName: HOSTS[0], subjectAlternativeNames: HOSTS.slice(1), validationMethod: "DNS" });
    });

    it("gets one validation record per host, in the domain's hosted zone, with ACM's name and value", () => {
      const options = run.get(T.certificate, "platform").state.domainValidationOptions as {
        domainName: string;
        resourceRecordName: string;
        resourceRecordType: string;
        resourceRecordValue: string;
      }[];
      const records = run.ofType(T.record).filter((r) => r.name.startsWith("platform-cert-validation-"));
      expect(records).toHaveLength(HOSTS.length);
      for (const host of HOSTS) {
        const option = options.find((o) => o.domainName === host)!;
        const record = records.find((r) => r.state.name === option.resourceRecordName);
        expect(record?.inputs).toMatchObject({ zoneId: ZONE_ID, type: option.resourceRecordType, records: [option.resourceRecordValue], ttl: 300 });
      }
    });

    it("is used only once validation has seen every record", () => {
      const validation = run.get(T.certificateValidation, "platform");
      const records = run.ofType(T.record).filter((r) => r.name.startsWith("platform-cert-validation-"));
      expect(validation.inputs.certificateArn).toBe(run.get(T.certificate, "platform").state.arn);
      expect([...validation.inputs.validationRecordFqdns].sort()).toEqual(records.map((r) => r.state.fqdn).sort());
      const https = run.get(T.listener, "platform-listener-443");
      expect(https.inputs.certificateArn).toBe(validation.state.certificateArn);
      expect(https.dependencies).toContain(validation.urn);
    });
  });

  it("serves HTTPS on 443 with AWS's current TLS policy (TLS 1.3 and 1.2, forward secrecy, post-quantum key exchange)", () => {
    expect(run.get(T.listener, "platform-listener-443").inputs).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    });
  });

  it("redirects plain HTTP on 80 to HTTPS, permanently, and has no other listener", () => {
    expect(run.get(T.listener, "platform-listener-80").inputs).toMatchObject({
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    expect(run.ofType(T.listener).map((l) => l.inputs.port).sort()).toEqual([443, 80]);
  });

  it("opens only 80 and 443, to the allowed CIDRs", () => {
    expect(albIngress(run)).toEqual(["443 from 0.0.0.0/0", "80 from 0.0.0.0/0"]);
  });

  it("attaches every system's rules to the HTTPS listener, each matching its own host", () => {
    const httpsArn = run.get(T.listener, "platform-listener-443").state.arn;
    const rules = run.ofType(T.listenerRule);
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) {
      const host = `${ENDPOINT_OF_TARGET_GROUP[targetGroupOfRule(rule)]}.${DOMAIN}`;
      expect({ rule: rule.name, listener: rule.inputs.listenerArn, host: rule.inputs.conditions[0] }).toEqual({
        rule: rule.name,
        listener: httpsArn,
        host: { hostHeader: { values: [host] } },
      });
    }
  });

  it("points an alias A record per host at the load balancer, in the domain's zone", () => {
    const lb = run.get(T.loadBalancer, "platform").state;
    const aliases = run.ofType(T.record).filter((r) => !r.name.startsWith("platform-cert-validation-"));
    expect(aliases.map((r) => r.state.name)).toEqual(HOSTS);
    for (const record of aliases) {
      expect(record.inputs).toMatchObject({
        zoneId: ZONE_ID,
        type: "A",
        aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
      });
    }
  });

  it("has deletion protection on", () => {
    expect(run.get(T.loadBalancer, "platform").inputs.enableDeletionProtection).toBe(true);
  });

  describe("access logs (albAccessLogs is true)", () => {
    const bucketName = () => run.get(T.bucket, "platform-alb-logs").state.bucket;

    it("go to the platform's bucket under alb/", () => {
      expect(run.get(T.loadBalancer, "platform").inputs.accessLogs).toEqual({ bucket: bucketName(), enabled: true, prefix: "alb" });
    });

    it("are encrypted with SSE-S3, the only encryption ALB log delivery supports", () => {
      expect(run.get(T.encryption, "platform-alb-logs").inputs).toMatchObject({
        bucket: bucketName(),
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    });

    it("sit in a bucket closed to the public and to ACLs", () => {
      expect(run.get(T.publicAccessBlock, "platform-alb-logs").inputs).toMatchObject({
        bucket: bucketName(),
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(run.get(T.ownership, "platform-alb-logs").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    });

    it("may be written by Elastic Load Balancing only under this account's prefix, and only over TLS", () => {
      const policy = policyDocument(run.get(T.bucketPolicy, "platform-alb-logs"));
      const bucketArn = run.get(T.bucket, "platform-alb-logs").state.arn;
      const prefix = `${bucketArn}/alb/AWSLogs/123456789012/*`;
      expect(policy.Statement).toEqual([
        // eu-west-1's Elastic Load Balancing account, for regions opened before August 2022.
        { Sid: "AlbLogDeliveryAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::156460612806:root" }, Action: "s3:PutObject", Resource: prefix },
        { Sid: "AlbLogDeliveryService", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: prefix },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("are enabled only after that policy exists (ALB checks it can write when logging is turned on)", () => {
      expect(run.get(T.loadBalancer, "platform").dependencies).toContain(run.get(T.bucketPolicy, "platform-alb-logs").urn);
    });

    it("expire with the stack's log retention, and outlive a destroy of the protected stack", () => {
      expect(run.get(T.lifecycle, "platform-alb-logs").inputs.rules).toEqual([
        { id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: 90 } },
      ]);
      const bucket = run.get(T.bucket, "platform-alb-logs");
      expect([bucket.retainOnDelete, bucket.inputs.forceDestroy]).toEqual([true, false]);
    });
  });
});

describe("with a domain, one system and two allowed CIDRs", () => {
  const CIDRS = ["198.51.100.0/24", "203.0.113.0/24"];
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "prod", config: { systems: ["gateway"], allowedIngressCidrs: CIDRS } });
  });

  it("issues the certificate for that system's host alone", () => {
    const cert = run.get(T.certificate, "platform");
    expect([cert.inputs.domainName, cert.inputs.subjectAlternativeNames ?? []]).toEqual([`gateway.${DOMAIN}`, []]);
    expect(run.ofType(T.record).map((r) => r.name)).toEqual(["platform-cert-validation-gateway", "platform-gateway"]);
  });

  it("opens 80 and 443 to each allowed CIDR and to nothing else", () => {
    expect(albIngress(run)).toEqual(CIDRS.flatMap((c) => [`443 from ${c}`, `80 from ${c}`]).sort());
  });

  it("lets the load balancer out only to the gateway's tasks", () => {
    const gatewaySg = run.get(T.service, "gateway").inputs.networkConfiguration.securityGroups[0];
    const egress = run.ofType(T.egressRule).filter((r) => r.inputs.securityGroupId === run.outputs.albSecurityGroupId);
    expect(egress.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort])).toEqual([[gatewaySg, 3000]]);
  });
});
