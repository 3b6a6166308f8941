import * as pulumi from "@pulumi/pulumi";
import "./support/quiet-pulumi";
import { ConfigError, StackConfig, loadConfig } from "../config";
import { ConfigKey, configSchema, limitProblem } from "../config-schema";
import { ProgramRun, RunOptions, StackName, registeredUrns, runProgram, stackConfig } from "./support/harness";

/**
 * config.ts turns stack config into one typed object and refuses bad config before any resource exists, listing
 * every problem at once, each as `ai-platform:<key>: <what is wrong and the fix>`.
 *
 * Good config is read two ways: the whole program runs on each stack file, and `loadConfig` is called directly
 * (cheap: no resources) for the edges of each AWS limit. Bad config always goes through the whole program, so
 * each message is the one `pulumi preview` prints.
 */

const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

interface ConfigFailure {
  name: string;
  message: string;
  problems: string[];
  /** Set on pulumi.RunError: the CLI prints the message alone, without a stack trace. */
  isRunError: boolean;
  /** Types of the resources the program registered before it failed. */
  registeredTypes: string[];
}

/** Runs the program and returns how it failed; fails the test when it does not. */
async function failure(opts: RunOptions): Promise<ConfigFailure> {
  let run: ProgramRun | undefined;
  let error: any;
  try {
    run = await runProgram(opts);
  } catch (err) {
    error = err;
  }
  if (run) throw new Error(`expected a config error, but the program ran (${run.resources.length} resources)`);
  // runProgram leaves its mock monitor in place and waits for every RPC, so this is all the run registered.
  const registered = registeredUrns();
  return {
    name: error?.name,
    message: String(error?.message),
    problems: error?.problems ?? [],
    isRunError: pulumi.RunError.isInstance(error),
    registeredTypes: registered.map((urn) => urn.split("::")[2]),
  };
}

const problemsOf = async (opts: RunOptions): Promise<string[]> => (await failure(opts)).problems;

/** loadConfig on a stack file plus overrides, as the CLI would hand them over; no program, no resources. */
async function load(stack: StackName, config: Record<string, unknown> = {}, opts: Partial<RunOptions> = {}): Promise<StackConfig> {
  const { values, secretKeys } = stackConfig({ stack, config, ...opts });
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    "ai-platform",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(values, secretKeys);
  return loadConfig();
}


describe("good config", () => {
  describe.each(["staging", "prod"] as StackName[])("the %s stack file", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => {
      run = await runProgram({ stack });
    });

    it("runs the whole program: a service for each of the three systems", () => {
      expect(run.ofType("aws:ecs/service:Service").map((s) => s.name).sort()).toEqual(["console", "gateway", "security"]);
    });

    it("produces no warnings", () => {
      expect(run.warnings).toEqual([]);
    });
  });

  describe("read into one typed object", () => {
    let staging: StackConfig;
    let prod: StackConfig;
    beforeAll(async () => {
      staging = await load("staging");
      prod = await load("prod");
    });

    it("turns numbers into numbers, booleans into booleans and lists into arrays", () => {
      expect(staging.network).toEqual({ existing: undefined, cidr: "10.20.0.0/16", availabilityZones: 2, natGateways: "instance" });
      expect(staging.alb).toEqual({
        ingressCidrs: ["0.0.0.0/0"],
        accessLogs: false,
        deletionProtection: false,
        idleTimeoutSeconds: 120,
        ports: { gateway: 3000, api: 8000, control: 8001, console: 80 },
      });
      expect(staging.gateway).toMatchObject({ cpu: 512, memory: 2048, adminCidrs: ["203.0.113.0/24"], intelligenceEnabled: true });
      expect(prod.alarms.emails).toEqual(["platform-oncall@example.com"]);
    });

    it("fills keys a stack file leaves out with the schema's defaults", () => {
      expect(staging.healthCheck).toEqual({
        intervalSeconds: 5,
        timeoutSeconds: 4,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
        deregistrationDelaySeconds: 20,
      });
      expect(prod.architecture).toBe("X86_64");
    });

    it("normalizes the domain and leaves it undefined when empty", async () => {
      expect(prod.domain).toBe("tupl.example.com");
      expect(staging.domain).toBe("staging.tupl.example.com");
      expect((await load("staging", { domain: "Staging.Tupl.Example.COM." })).domain).toBe("staging.tupl.example.com");
      expect((await load("staging", { domain: "" })).domain).toBeUndefined();
    });

    it("holds no third-party key: those live in Secrets Manager alone (tests/secret.test.ts)", () => {
      expect(JSON.stringify(prod)).not.toMatch(/geminiApiKey|googleApiKey|supabaseJwtSecret/);
    });
  });

  describe("accepts the edges of what AWS accepts", () => {
    // Fargate's task sizes: the least and the most memory for each CPU value.
    it.each([
      [256, 512], [256, 2048], [512, 1024], [512, 4096], [1024, 2048], [1024, 8192], [2048, 4096], [2048, 16384],
      [4096, 8192], [4096, 30720], [8192, 16384], [8192, 61440], [16384, 32768], [16384, 122880],
    ])("a Fargate task of %i CPU units and %i MiB", async (cpu, memory) => {
      await expect(load("staging", { gatewayCpu: cpu, gatewayMemory: memory })).resolves.toMatchObject({ gateway: { cpu, memory } });
    });

    it("every retention CloudWatch Logs offers", async () => {
      for (const days of CLOUDWATCH_RETENTION_DAYS) {
        await expect(load("staging", { logRetentionDays: days })).resolves.toMatchObject({ logRetentionDays: days });
      }
    });

    it("health checks at both ends of the target group's ranges", async () => {
      await expect(
        load("staging", { healthCheckIntervalSeconds: 5, healthCheckTimeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 }),
      ).resolves.toBeDefined();
      await expect(
        load("staging", { healthCheckIntervalSeconds: 300, healthCheckTimeoutSeconds: 120, healthyThreshold: 10, unhealthyThreshold: 10 }),
      ).resolves.toBeDefined();
    });

    it("a VPC of /16 to /23 over 2 to 6 AZs (a /23's public subnets are the /27 an ALB needs)", async () => {
      await expect(load("staging", { vpcCidr: "172.16.0.0/23", availabilityZones: 6 })).resolves.toMatchObject({
        network: { cidr: "172.16.0.0/23", availabilityZones: 6 },
      });
    });

    it("listener ports that a stack without a domain would refuse, once it has a domain (they are unused)", async () => {
      await expect(load("prod", { apiListenerPort: 443, controlListenerPort: 443 })).resolves.toMatchObject({ domain: "tupl.example.com" });
    });

    it("without the secrets, Supabase URL and anon key of systems that are off", async () => {
      const config = await load("staging", { systems: ["gateway"] }, { unset: ["supabaseUrl", "supabaseAnonKey"] });
      expect(config.systems).toEqual({ gateway: true, securityStack: false, uiConsole: false });
    });
  });
});

describe("bad config", () => {
  const RETENTION = CLOUDWATCH_RETENTION_DAYS.join(", ");

  it.each<[string, Record<string, unknown>, string]>([
    // Fargate CPU and memory
    ["a CPU value Fargate has not", { gatewayCpu: 300 }, "ai-platform:gatewayCpu: 300 is not a Fargate size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384"],
    ["too much memory for the CPU", { gatewayCpu: 512, gatewayMemory: 8192 }, "ai-platform:gatewayMemory: 8192 MiB is not available with 512 CPU units on Fargate (gatewayCpu); use 1024 to 4096 in steps of 1024"],
    ["too little memory for the CPU", { securityStackCpu: 4096, securityStackMemory: 4096 }, "ai-platform:securityStackMemory: 4096 MiB is not available with 4096 CPU units on Fargate (securityStackCpu); use 8192 to 30720 in steps of 1024"],
    ["memory between the three sizes 256 CPU units take", { uiConsoleMemory: 1536 }, "ai-platform:uiConsoleMemory: 1536 MiB is not available with 256 CPU units on Fargate (uiConsoleCpu); use 512, 1024, 2048"],
    ["memory off the 4 GiB steps of 8192 CPU units", { gatewayCpu: 8192, gatewayMemory: 17408 }, "ai-platform:gatewayMemory: 17408 MiB is not available with 8192 CPU units on Fargate (gatewayCpu); use 16384 to 61440 in steps of 4096"],
    ["memory off the 8 GiB steps of 16384 CPU units", { securityStackCpu: 16384, securityStackMemory: 36864 }, "ai-platform:securityStackMemory: 36864 MiB is not available with 16384 CPU units on Fargate (securityStackCpu); use 32768 to 122880 in steps of 8192"],
    ["a number that is not one", { gatewayCpu: "abc" }, 'ai-platform:gatewayCpu: "abc" is not a whole number; set it with `pulumi config set gatewayCpu <number>`'],
    ["a fraction", { uiConsoleMinCount: "1.5" }, 'ai-platform:uiConsoleMinCount: "1.5" is not a whole number; set it with `pulumi config set uiConsoleMinCount <number>`'],
    // Listener ports (staging has no domain, so each endpoint has its own)
    ["a port above 65535", { gatewayListenerPort: 70000 }, "ai-platform:gatewayListenerPort: 70000 is not a port; use 1 to 65535"],
    ["port 0", { consoleListenerPort: 0 }, "ai-platform:consoleListenerPort: 0 is not a port; use 1 to 65535"],
    ["the HTTPS port without a domain", { domain: "", apiListenerPort: 443 }, "ai-platform:apiListenerPort: 443 is kept for HTTPS; choose another port or set a domain"],
    ["two endpoints on one port", { domain: "", controlListenerPort: 8000 }, "ai-platform:controlListenerPort: 8000 is already used by apiListenerPort; each endpoint needs its own listener port"],
    // Target-group health checks
    ["a health-check interval below 5 s", { healthCheckIntervalSeconds: 4, healthCheckTimeoutSeconds: 2 }, "ai-platform:healthCheckIntervalSeconds: 4 is out of range; use 5 to 300"],
    ["a health-check interval above 300 s", { healthCheckIntervalSeconds: 301 }, "ai-platform:healthCheckIntervalSeconds: 301 is out of range; use 5 to 300"],
    ["a health-check timeout below 2 s", { healthCheckTimeoutSeconds: 1 }, "ai-platform:healthCheckTimeoutSeconds: 1 is out of range; use 2 to 120"],
    ["a health-check timeout above 120 s", { healthCheckIntervalSeconds: 300, healthCheckTimeoutSeconds: 121 }, "ai-platform:healthCheckTimeoutSeconds: 121 is out of range; use 2 to 120"],
    ["a timeout as long as the interval", { healthCheckIntervalSeconds: 10, healthCheckTimeoutSeconds: 10 }, "ai-platform:healthCheckTimeoutSeconds: 10 must be less than healthCheckIntervalSeconds (10)"],
    ["a healthy threshold of 1", { healthyThreshold: 1 }, "ai-platform:healthyThreshold: 1 is out of range; use 2 to 10"],
    ["an unhealthy threshold of 11", { unhealthyThreshold: 11 }, "ai-platform:unhealthyThreshold: 11 is out of range; use 2 to 10"],
    ["a deregistration delay over an hour", { deregistrationDelaySeconds: 3601 }, "ai-platform:deregistrationDelaySeconds: 3601 is out of range; use 0 to 3600"],
    // CloudWatch Logs retention
    ["a retention CloudWatch does not offer", { logRetentionDays: 45 }, `ai-platform:logRetentionDays: 45 is not a value CloudWatch Logs accepts; use one of ${RETENTION}`],
    ["retention 0", { logRetentionDays: 0 }, `ai-platform:logRetentionDays: 0 is not a value CloudWatch Logs accepts; use one of ${RETENTION}`],
    // CIDRs and AZs
    ["a VPC larger than /16", { vpcCidr: "10.0.0.0/8" }, "ai-platform:vpcCidr: /8 is larger than a VPC may be; use /16 or longer"],
    ["a VPC smaller than /24", { vpcCidr: "10.0.0.0/25" }, "ai-platform:vpcCidr: /25 gives each AZ /29 public subnets, smaller than the /27 a load balancer needs (without vpcId the program makes the VPC); use /16 to /23"],
    ["a CIDR with host bits set", { vpcCidr: "10.0.0.1/16" }, 'ai-platform:vpcCidr: "10.0.0.1/16" is not an IPv4 CIDR block such as 10.0.0.0/16'],
    ["a CIDR that is no address", { vpcCidr: "banana" }, 'ai-platform:vpcCidr: "banana" is not an IPv4 CIDR block such as 10.0.0.0/16'],
    ["an ingress CIDR with an octet over 255", { allowedIngressCidrs: ["0.0.0.0/0", "300.1.1.1/32"] }, 'ai-platform:allowedIngressCidrs: "300.1.1.1/32" is not an IPv4 CIDR block such as 203.0.113.0/24'],
    ["no ingress CIDR at all", { allowedIngressCidrs: [] }, 'ai-platform:allowedIngressCidrs: is empty, so nobody could reach the load balancer; use ["0.0.0.0/0"] for public'],
    ["more admin CIDRs than the listener's rules hold", { gatewayAdminCidrs: Array.from({ length: 31 }, (_, i) => `10.0.${i}.0/24`) }, "ai-platform:gatewayAdminCidrs: 31 entries is more than 30; summarize them into wider blocks"],
    ["an admin CIDR with a /33 prefix", { gatewayAdminCidrs: ["10.0.0.0/33"] }, 'ai-platform:gatewayAdminCidrs: "10.0.0.0/33" is not an IPv4 CIDR block such as 203.0.113.0/24'],
    ["an empty system name", { systems: ["gateway", ""] }, 'ai-platform:systems: "" is not a system'],
    ["an empty alarm address", { alarmEmails: [""] }, 'ai-platform:alarmEmails: "" is not an e-mail address'],
    ["an ingress CIDR listed twice", { allowedIngressCidrs: ["203.0.113.0/24", "0.0.0.0/0", "203.0.113.0/24"] }, 'ai-platform:allowedIngressCidrs: "203.0.113.0/24" is listed twice; list each CIDR once'],
    ["one AZ", { availabilityZones: 1 }, "ai-platform:availabilityZones: 1 is out of range; use 2 to 6 (an ALB needs subnets in 2 AZs)"],
    ["seven AZs", { availabilityZones: 7 }, "ai-platform:availabilityZones: 7 is out of range; use 2 to 6 (an ALB needs subnets in 2 AZs)"],
    // Systems
    ["an unknown system", { systems: ["gateway", "securityStack", "dashboard"] }, 'ai-platform:systems: "dashboard" is not a system; use gateway, securityStack or uiConsole'],
    ["the console without the gateway", { systems: ["securityStack", "uiConsole"] }, "ai-platform:systems: uiConsole needs gateway (the console is built with their URLs); add gateway to systems or remove uiConsole"],
    ["the console alone", { systems: ["uiConsole"] }, "ai-platform:systems: uiConsole needs gateway and securityStack (the console is built with their URLs); add gateway, securityStack to systems or remove uiConsole"],
    ["no systems", { systems: [] }, "ai-platform:systems: is empty; deploy at least one of gateway, securityStack, uiConsole"],
    ["systems as a string", { systems: "gateway" }, "ai-platform:systems: must be a list of strings, e.g. `pulumi config set --path 'systems[0]' value`"],
    // Single writers, scaling, grace periods
    // A single writer's task count is fixed at one: no key asks for more.
    ["a gateway task count", { gatewayDesiredCount: 2 }, "ai-platform:gatewayDesiredCount: is not a config key of this project; remove it with `pulumi config rm gatewayDesiredCount`"],
    ["a security-stack task count", { securityStackDesiredCount: 2 }, "ai-platform:securityStackDesiredCount: is not a config key of this project; remove it with `pulumi config rm securityStackDesiredCount`"],
    ["a grace period over two hours", { securityStackHealthCheckGracePeriodSeconds: 7201 }, "ai-platform:securityStackHealthCheckGracePeriodSeconds: 7201 is out of range; use 0 to 7200 seconds"],
    ["no console task", { uiConsoleMinCount: 0 }, "ai-platform:uiConsoleMinCount: 0 is out of range; use 1 or more"],
    ["a ceiling under the floor", { uiConsoleMinCount: 3, uiConsoleMaxCount: 2 }, "ai-platform:uiConsoleMaxCount: 2 is less than uiConsoleMinCount (3)"],
    // Everything else config.ts checks
    ["an unknown architecture", { architecture: "arm" }, 'ai-platform:architecture: "arm" is not a supported architecture; use X86_64 or ARM64'],
    ["a domain that is not a DNS name", { domain: "not a domain" }, 'ai-platform:domain: "not a domain" is not a DNS name such as example.com'],
    ["an idle timeout of 0", { albIdleTimeoutSeconds: 0 }, "ai-platform:albIdleTimeoutSeconds: 0 is out of range; use 1 to 4000 seconds (what the ALB accepts)"],
    ["a boolean that is not one", { albAccessLogs: "yes" }, 'ai-platform:albAccessLogs: "yes" is not true or false'],
    ["a recovery window Secrets Manager refuses", { secretRecoveryWindowDays: 3 }, "ai-platform:secretRecoveryWindowDays: 3 is out of range; use 0 or 7 to 30 (0 deletes at once)"],
    ["an unknown EFS throughput mode", { efsThroughputMode: "fast" }, 'ai-platform:efsThroughputMode: "fast" is not a throughput mode; use bursting, elastic or provisioned'],
    ["provisioned EFS throughput without a figure", { efsThroughputMode: "provisioned" }, "ai-platform:efsProvisionedThroughputMibps: 0 is out of range for provisioned throughput (efsThroughputMode is provisioned); use 1 to 3414"],
    ["an EFS lifecycle EFS has not", { efsTransitionToIa: "AFTER_2_DAYS" }, 'ai-platform:efsTransitionToIa: "AFTER_2_DAYS" is not an EFS lifecycle value; use one of AFTER_1_DAY, AFTER_7_DAYS, AFTER_14_DAYS, AFTER_30_DAYS, AFTER_60_DAYS, AFTER_90_DAYS, AFTER_180_DAYS, AFTER_270_DAYS, AFTER_365_DAYS'],
    ["an ECR repository that keeps nothing", { ecrKeepImages: 0 }, "ai-platform:ecrKeepImages: 0 is out of range; use 1 to 1000"],
    ["an alarm address without a domain", { alarmEmails: ["oncall"] }, 'ai-platform:alarmEmails: "oncall" is not an e-mail address'],
    ["a CPU alarm above 100 %", { alarmCpuPercent: 101 }, "ai-platform:alarmCpuPercent: 101 is out of range; use 1 to 100"],
    ["a 5xx alarm at 0", { alarm5xxCount: 0 }, "ai-platform:alarm5xxCount: 0 is out of range; use 1 or more"],
    ["an alarm over more than an hour", { alarmEvaluationPeriods: 61 }, "ai-platform:alarmEvaluationPeriods: 61 is out of range; use 1 to 60"],
    ["ChromaDB at latest", { gatewayChromaImage: "chromadb/chroma:latest" }, 'ai-platform:gatewayChromaImage: "chromadb/chroma:latest" is not pinned; use a version tag such as chromadb/chroma:1.0.15'],
    ["ChromaDB without a tag", { gatewayChromaImage: "chromadb/chroma" }, 'ai-platform:gatewayChromaImage: "chromadb/chroma" is not pinned; use a version tag such as chromadb/chroma:1.0.15'],
    ["a Supabase URL over plain HTTP", { supabaseUrl: "http://staging-tupl.supabase.co" }, 'ai-platform:supabaseUrl: "http://staging-tupl.supabase.co" is not an https origin such as https://abcd.supabase.co'],
    // The edge
    ["a WAF rate limit under WAF's floor", { wafRateLimit: 5 }, "ai-platform:wafRateLimit: 5 is out of range; use 10 to 2000000000 requests per IP per window"],
    ["a WAF window WAF has not", { wafRateWindowSeconds: 30 }, "ai-platform:wafRateWindowSeconds: 30 is not a WAF evaluation window; use one of 60, 120, 300, 600"],
    ["a blocked-requests alarm at 0", { wafBlockedRequestsAlarm: 0 }, "ai-platform:wafBlockedRequestsAlarm: 0 is out of range; use 1 to 100000000 requests in 5 minutes"],
    ["an admin CIDR that is not one", { gatewayAdminCidrs: ["203.0.113.0/33"] }, 'ai-platform:gatewayAdminCidrs: "203.0.113.0/33" is not an IPv4 CIDR block such as 203.0.113.0/24'],
    ["the whole internet as the admin network", { gatewayAdminCidrs: ["0.0.0.0/0"] }, "ai-platform:gatewayAdminCidrs: 0.0.0.0/0 would open the key API to everyone, and WAF's IP sets refuse /0 (waf is on); list the admin networks"],
    [
      "the key API's token check without a domain",
      { domain: "", gatewayKeyApiJwt: true, supabaseJwtAlgorithm: "RS256" },
      "ai-platform:gatewayKeyApiJwt: needs a domain: the load balancer validates tokens only on HTTPS listeners; set domain, or `pulumi config set gatewayKeyApiJwt false`",
    ],
    ["a claim the load balancer checks itself", { gatewayKeyApiJwt: true, supabaseJwtAlgorithm: "RS256", gatewayKeyApiJwtClaims: ["exp=1"] }, 'ai-platform:gatewayKeyApiJwtClaims: "exp" is validated by the load balancer already; remove exp=1'],
    ["a claim without a value", { gatewayKeyApiJwt: true, supabaseJwtAlgorithm: "RS256", gatewayKeyApiJwtClaims: ["role"] }, 'ai-platform:gatewayKeyApiJwtClaims: "role" is not a claim test such as role=authenticated'],
    [
      "more claims than the load balancer checks",
      { gatewayKeyApiJwtClaims: Array.from({ length: 11 }, (_, i) => `c${i}=v`) },
      "ai-platform:gatewayKeyApiJwtClaims: 11 entries is more than 10; ALB validates at most 10 claims besides exp, iss, nbf and iat",
    ],
    // Capacity and sleep
    ["a capacity mode ECS has not", { gatewayCapacity: "cheap" }, 'ai-platform:gatewayCapacity: "cheap" is not a capacity mode; use onDemand, spot or mixed'],
    ["a mix for a single writer", { securityStackCapacity: "mixed" }, "ai-platform:securityStackCapacity: mixed needs more than one task, and the security stack runs exactly one (a single writer); use onDemand or spot"],
    ["a Spot weight of 0", { capacitySpotWeight: 0 }, "ai-platform:capacitySpotWeight: 0 is out of range; use 1 to 1000 (ECS's weight range; on demand has weight 1)"],
    [
      "draining longer than Spot's warning allows",
      { deregistrationDelaySeconds: 100 },
      "ai-platform:deregistrationDelaySeconds: 100 s of draining and the containers' 30 s stop timeout exceed Spot's 120 s warning (a system on spot or mixed: gatewayCapacity, securityStackCapacity, uiConsoleCapacity); use at most 90",
    ],
    ["an unknown time zone", { awakeTimezone: "Mars/Olympus" }, 'ai-platform:awakeTimezone: "Mars/Olympus" is not an IANA time zone; use a name such as Europe/Berlin or UTC'],
    ["a time zone in the wrong case", { awakeTimezone: "europe/berlin" }, 'ai-platform:awakeTimezone: "europe/berlin" is not spelled as AWS expects; use Europe/Berlin'],
    ["a malformed schedule", { awakeHours: "Mon-Fri 7-20" }, 'ai-platform:awakeHours: "Mon-Fri 7-20" is not a schedule such as Mon-Fri 07:00-20:00'],
    ["days backwards", { awakeHours: "Fri-Mon 07:00-20:00" }, 'ai-platform:awakeHours: "Fri-Mon 07:00-20:00" runs its days backwards; list them in week order, Mon to Sun (such as Mon-Fri)'],
    [
      "hours overnight",
      { awakeHours: "Mon-Fri 20:00-07:00" },
      'ai-platform:awakeHours: "Mon-Fri 20:00-07:00" ends before it starts; overnight hours are not supported, use a window inside one day such as 07:00-20:00',
    ],
    ["a NAT strategy awsx and we have not", { natGateways: "gateway" }, 'ai-platform:natGateways: "gateway" is not a NAT strategy; use onePerAz, single or instance'],
    // Backups, replication, restore
    ["a copy to the stack's own region", { backupCopyRegion: "eu-west-1" }, "ai-platform:backupCopyRegion: eu-west-1 is the stack's own region; copies protect against losing the region only in another, such as eu-central-1"],
    ["a replica in the stack's own region", { efsReplicationRegion: "eu-west-1" }, "ai-platform:efsReplicationRegion: eu-west-1 is the stack's own region; a replica protects against losing the region only elsewhere, such as eu-central-1"],
    ["a region that is not one", { backupCopyRegion: "Frankfurt" }, 'ai-platform:backupCopyRegion: "Frankfurt" is not an AWS region such as eu-central-1'],
    ["a retention of 0 days", { backupDailyRetentionDays: 0 }, "ai-platform:backupDailyRetentionDays: 0 is out of range; use 1 to 36500 days"],
    ["a restore id that is not a file system", { gatewayRestoreFileSystemId: "vol-123" }, 'ai-platform:gatewayRestoreFileSystemId: "vol-123" is not an EFS file system id such as fs-0123456789abcdef0'],
    [
      "one restored file system for both systems",
      {
        gatewayRestoreFileSystemId: "fs-0123456789abcdef0",
        gatewayRestorePath: "aws-backup-restore_2026-05-01T03-10-00-000Z/gateway/writer/snapshot",
        securityStackRestoreFileSystemId: "fs-0123456789abcdef0",
        securityStackRestorePath: "aws-backup-restore_2026-05-01T03-10-00-000Z/security-stack/writer/snapshot",
      },
      "ai-platform:securityStackRestoreFileSystemId: fs-0123456789abcdef0 is already gatewayRestoreFileSystemId; each system restores into a file system of its own",
    ],
    ["a key the program does not read", { gatewayCPU: 512 }, "ai-platform:gatewayCPU: is not a config key of this project (did you mean gatewayCpu?); remove it with `pulumi config rm gatewayCPU`"],
  ])("%s", async (_what, config, message) => {
    expect(await problemsOf({ stack: "staging", config })).toEqual([message]);
  });

  it("refuses Spot for a single writer of a protected stack, naming the key and why", async () => {
    expect(await problemsOf({ stack: "prod", config: { gatewayCapacity: "spot", uiConsoleCapacity: "spot" } })).toEqual([
      "ai-platform:gatewayCapacity: spot in a protected stack (protectState) would take the gateway down at every Spot interruption: a single writer has no second task to carry on while its replacement starts; use onDemand",
    ]);
  });

  describe("required values that are not set", () => {
    it("asks for the console's public anon key", async () => {
      expect(await problemsOf({ stack: "staging", unset: ["supabaseAnonKey"] })).toEqual([
        "ai-platform:supabaseAnonKey: is required by uiConsole; run `pulumi config set supabaseAnonKey <anon key>` (it is public)",
      ]);
    });

    it("asks for the Supabase URL the security stack and console need", async () => {
      expect(await problemsOf({ stack: "staging", unset: ["supabaseUrl"] })).toEqual([
        "ai-platform:supabaseUrl: is required by securityStack and uiConsole; run `pulumi config set supabaseUrl https://<ref>.supabase.co`",
      ]);
    });
  });

  describe("several bad values at once", () => {
    let result: ConfigFailure;
    beforeAll(async () => {
      result = await failure({
        stack: "prod",
        config: {
          systems: ["gateway", "securityStack", "uiConsole", "mcp"],
          availabilityZones: 1,
          healthCheckTimeoutSeconds: 5,
          logRetentionDays: 45,
          gatewayCpu: 300,
          uiConsoleMemory: 4096,
        },
        unset: ["supabaseAnonKey"],
      });
    });

    it("reports every one of them, in one error", () => {
      expect(result.problems).toEqual([
        'ai-platform:systems: "mcp" is not a system; use gateway, securityStack or uiConsole',
        "ai-platform:availabilityZones: 1 is out of range; use 2 to 6 (an ALB needs subnets in 2 AZs)",
        `ai-platform:logRetentionDays: 45 is not a value CloudWatch Logs accepts; use one of ${RETENTION}`,
        "ai-platform:gatewayCpu: 300 is not a Fargate size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384",
        "ai-platform:supabaseAnonKey: is required by uiConsole; run `pulumi config set supabaseAnonKey <anon key>` (it is public)",
        "ai-platform:uiConsoleMemory: 4096 MiB is not available with 256 CPU units on Fargate (uiConsoleCpu); use 512, 1024, 2048",
        "ai-platform:healthCheckTimeoutSeconds: 5 must be less than healthCheckIntervalSeconds (5)",
      ]);
    });

    it("prints them one per line under a count", () => {
      expect(result.message).toBe(
        ["Invalid stack config (7 problems):", ...result.problems.map((p) => `  - ${p}`)].join("\n"),
      );
    });

    it("is a ConfigError, a pulumi RunError, so the CLI prints the list without a stack trace", () => {
      expect(result.name).toBe("ConfigError");
      expect(result.isRunError).toBe(true);
    });

    it("is raised before the program registers any resource (only the stack itself exists)", () => {
      expect(result.registeredTypes).toEqual(["pulumi:pulumi:Stack"]);
    });
  });
});

describe("each key's own limits (config-schema.ts), enforced from the schema", () => {
  const schema = configSchema as Record<string, ConfigKey>;

  /** A value just outside a key's limits, or undefined for a key without any. */
  function outside(spec: ConfigKey): string | number | string[] | undefined {
    if (spec.type === "integer") {
      if (spec.oneOf) return Math.max(...(spec.oneOf as number[])) + 1;
      if (spec.min !== undefined) return spec.min - 1;
      if (spec.max !== undefined) return spec.max + 1;
    }
    if (spec.type === "string" && (spec.oneOf || spec.pattern)) return "not valid!";
    if (spec.type === "array" && spec.pattern) return ["not valid!"];
    if (spec.type === "array" && spec.maxItems !== undefined) {
      return Array.from({ length: spec.maxItems + 1 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    }
    return undefined;
  }
  const limited = Object.entries(schema)
    .map(([key, spec]) => [key, spec, outside(spec)] as const)
    .filter(([, , value]) => value !== undefined);

  it("has limits on most keys", () => {
    expect(limited.length).toBeGreaterThan(35);
  });

  it.each(limited.map(([key, spec, value]) => [key, spec, value]))("refuses %s just outside its limits, naming it", async (key, spec, value) => {
    const failed = await load("staging", { [key as string]: value }).then(
      () => undefined,
      (e: ConfigError) => e.problems,
    );
    const expected = `ai-platform:${key}: ${limitProblem(spec as ConfigKey, value as string | number | string[])}`;
    expect(failed).toContainEqual(expected);
  });

  it("refuses a value outside its key's limits where the stack does not use the key", async () => {
    // Staging's file system is elastic, and prod's listener ports are unused behind its domain.
    const staging = await load("staging", { efsProvisionedThroughputMibps: -5 }).catch((e: ConfigError) => e.problems);
    expect(staging).toEqual([
      "ai-platform:efsProvisionedThroughputMibps: -5 is out of range; use 0 to 3414 (0 unless efsThroughputMode is provisioned)",
    ]);
    const prod = await load("prod", { consoleListenerPort: 70000 }).catch((e: ConfigError) => e.problems);
    expect(prod).toEqual(["ai-platform:consoleListenerPort: 70000 is not a port; use 1 to 65535"]);
  });
});
