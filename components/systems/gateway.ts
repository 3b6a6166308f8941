import * as pulumi from "@pulumi/pulumi";
import { FargateService } from "../service/fargate-service";
import { SystemArgs, SystemDescriptor, sharedImageArgs, sharedServiceArgs, sharedVolumeArgs } from "./system";
import { VOLUME_OWNER_USER } from "../shared/defaults";
import { chromaHealthCheck, gatewayHealthCheck } from "../service/health-checks";
import { DOCKERFILES_DIR, Image, ImageSource, WRITER_INFRA_DIR } from "../resources/image";
import { Secret } from "../resources/secret";
import { Volume } from "../resources/volume";
import { OperatorSecretSpec } from "../resources/operator-secrets";
import { createWriterAlarms, snapshotTimeUtc, underWriterLock } from "./single-writer";

export const GATEWAY_PORT = 3000;
export const CHROMA_PORT = 8000;
/** Where Chroma 1.x keeps its data (`persist_path` of the image's /config.yaml). */
export const CHROMA_DATA_DIR = "/data";
/** The container variable the gateway reads its bootstrap admin API key from. */
export const ADMIN_KEY_VARIABLE = "MCP_GATEWAY_ADMIN_API_KEY";
/** The key-management API, unauthenticated in the app: reachable only from the admin CIDRs. Lowercase. */
export const KEY_API_PREFIX = "/api/keys";
/**
 * The key API as an ALB path pattern. ALB compares a pattern with the path case-sensitively, and documents no
 * decoding or normalization before it does: this holds `/api/keys*` as spelled and no other spelling. `/API/keys`,
 * `/api%2fkeys`, `/api\keys`, `/x/../api/keys`, `//api/keys` pass it to the forward rule, and a Node router may
 * serve each as the key API. Those are the web firewall's to refuse (`restrictedPaths` below, components/platform/waf.ts);
 * with `waf: false` this rule is the only guard, and it holds one spelling.
 */
export const KEY_API_PATH = `${KEY_API_PREFIX}*`;

export type GatewayArgs = SystemArgs;

/** The gateway's image: what its content tag, and so its promotion, follows from. */
const GATEWAY_IMAGE: ImageSource = { dockerfile: "gateway.Dockerfile", sourceDirs: ["mcp-gateway"], infraDirs: [WRITER_INFRA_DIR] };

/** The gateway's one public endpoint. */
const GATEWAY_ENDPOINT = "gateway";

/**
 * The MCP Gateway with ChromaDB as a sidecar in the same task (reached at localhost:8000), its tenants,
 * workspace and Chroma data on EFS, a single writer, and its key-management API closed to the internet.
 */
export class Gateway extends pulumi.ComponentResource {
  public readonly image: Image;
  /** ChromaDB's image, copied into our registry (with the intelligence layer on). */
  public readonly chromaImage?: Image;
  public readonly volume: Volume;
  public readonly geminiApiKey: Secret;
  public readonly adminApiKey: Secret;
  public readonly service: FargateService;
  /** The metrics of its single-writer alarms counted from its log (components/systems/single-writer.ts). */
  public readonly writerMetrics: string[];
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:system:Gateway", name, {}, opts);
    const { config, platform } = args;
    const gw = config.gateway;
    const parent = { parent: this };

    this.image = new Image(name, { ...sharedImageArgs(config), ...GATEWAY_IMAGE }, parent);
    this.volume = new Volume(
      name,
      {
        ...sharedVolumeArgs(args),
        root: "/gateway",
        restore: gw.restore && args.restoredFileSystems[gw.restore.fileSystemId],
        // tenants.json holds every API key: a restore that lacks it while the backup had it fails the restore test.
        accessPoints: [{ name: "tenants", restoreRequires: ["tenants.json"] }, { name: "workspace" }, ...(gw.intelligenceEnabled ? [{ name: "chroma" }] : [])],
      },
      parent,
    );
    this.geminiApiKey = new Secret(
      `${name}-gemini-api-key`,
      { description: GEMINI_API_KEY.description, operator: args.operatorSecrets[GEMINI_API_KEY.key], recoveryWindowDays: config.secretRecoveryWindowDays },
      parent,
    );
    this.adminApiKey = new Secret(
      `${name}-admin-api-key`,
      { description: "MCP Gateway: bootstrap admin API key (tupl_ + 64 hex)", generate: { prefix: "tupl_", bytes: 32 }, recoveryWindowDays: config.secretRecoveryWindowDays },
      parent,
    );
    this.chromaImage = gw.intelligenceEnabled ? this.createChromaImage(name, config) : undefined;

    const snapshotAt = snapshotTimeUtc(config.schedule);
    this.service = new FargateService(
      name,
      {
        ...sharedServiceArgs(args),
        size: gw,
        capacity: gw.capacity,
        containers: [...(this.chromaImage ? [chromaContainer(this.chromaImage, snapshotAt)] : []), this.gatewayContainer(gw, snapshotAt)],
        exposedPorts: [
          {
            endpoint: platform.endpoint(GATEWAY_ENDPOINT),
            containerName: "gateway",
            containerPort: GATEWAY_PORT,
            healthCheckPath: "/health",
            restrictedPaths: { pathPattern: KEY_API_PATH, allowCidrs: gw.adminCidrs, jwt: gw.keyApiJwt },
          },
        ],
        volumes: [this.volume],
        healthCheckGracePeriodSeconds: gw.healthCheckGracePeriodSeconds,
        scaling: { mode: "singleWriter" },
        // The gateway proxies to MCP servers on whatever ports they use.
        egress: "any",
      },
      parent,
    );
    this.writerMetrics = createWriterAlarms(name, { service: this.service, clusterName: platform.cluster.name, topicArn: args.alarms.topicArn }, this);

    this.url = platform.endpoint(GATEWAY_ENDPOINT).url;
    this.registerOutputs({ url: this.url });
  }

  /**
   * The vendor's image, copied into our ECR repository: the task runs the copy by digest. It takes nothing from the
   * app checkout, so its (empty) build context is our own dockerfiles/.
   */
  private createChromaImage(name: string, config: GatewayArgs["config"]): Image {
    return new Image(
      `${name}-chroma`,
      {
        ...sharedImageArgs(config),
        contextPath: DOCKERFILES_DIR,
        dockerfile: "chroma.Dockerfile",
        sourceDirs: [],
        infraDirs: [WRITER_INFRA_DIR],
        buildArgs: { CHROMA_IMAGE: config.gateway.chromaImage },
      },
      { parent: this },
    );
  }

  /** The gateway's own container: the MCP proxy, its tenants and workspace, its two secrets. */
  private gatewayContainer(gw: GatewayArgs["config"]["gateway"], snapshotAt: string) {
    return underWriterLock(
      {
        name: "gateway",
        image: { ref: this.image.imageRef, repositoryArn: this.image.repository.arn },
        ports: [GATEWAY_PORT],
        environment: {
          MCP_GATEWAY_HTTP_PORT: String(GATEWAY_PORT),
          MCP_GATEWAY_TENANTS_ROOT: "/app/tenants",
          MCP_GATEWAY_CHROMA_URL: `http://localhost:${CHROMA_PORT}`,
          MCP_GATEWAY_INTELLIGENCE_ENABLED: String(gw.intelligenceEnabled),
          MCP_GATEWAY_SUMMARY_THRESHOLD_BYTES: String(gw.summaryThresholdBytes),
          MCP_GATEWAY_INTELLIGENCE_TTL_HOURS: String(gw.intelligenceTtlHours),
        },
        secrets: { GEMINI_API_KEY: this.geminiApiKey, [ADMIN_KEY_VARIABLE]: this.adminApiKey },
        healthCheck: { ...gatewayHealthCheck(GATEWAY_PORT), startPeriodSeconds: 60 },
        dependsOn: gw.intelligenceEnabled ? [{ containerName: "chromadb", condition: "HEALTHY" as const }] : undefined,
        mounts: [
          { volume: "tenants", containerPath: "/app/tenants" },
          { volume: "workspace", containerPath: "/app/workspace" },
        ],
        user: VOLUME_OWNER_USER,
        writablePaths: ["/tmp"],
      },
      { directories: { tenants: "/app/tenants", workspace: "/app/workspace" }, at: snapshotAt },
    );
  }
}

/** ChromaDB, the gateway's sidecar on localhost, from our copy of its image. */
function chromaContainer(image: Image, snapshotAt: string) {
  return underWriterLock(
    {
      name: "chromadb",
      image: { ref: image.imageRef, repositoryArn: image.repository.arn },
      ports: [CHROMA_PORT],
      environment: { IS_PERSISTENT: "TRUE", ANONYMIZED_TELEMETRY: "FALSE" },
      healthCheck: { ...chromaHealthCheck(CHROMA_PORT), startPeriodSeconds: 30 },
      mounts: [{ volume: "chroma", containerPath: CHROMA_DATA_DIR }],
      // The vendor's image runs as root; the copy runs as the chroma access point's owner.
      user: VOLUME_OWNER_USER,
      writablePaths: ["/tmp"],
    },
    // Chroma offers no online backup: its copy is taken with the server frozen, a point-in-time copy.
    { directories: { chroma: CHROMA_DATA_DIR }, freeze: true, at: snapshotAt },
  );
}

/** The gateway's Gemini key, kept by operators in Secrets Manager. */
const GEMINI_API_KEY: OperatorSecretSpec = { key: "geminiApiKey", description: "the Gemini API key of the MCP Gateway (GEMINI_API_KEY)" };

/** The MCP Gateway in the system registry. */
export const gatewaySystem: SystemDescriptor = {
  key: "gateway",
  title: "MCP Gateway",
  componentType: "ai-platform:system:Gateway",
  operatorSecrets: [GEMINI_API_KEY],
  // ChromaDB's copy is not promoted: it follows gatewayChromaImage, which each stack file states and review sees.
  promotion: { by: "imageTag", image: GATEWAY_IMAGE },
  restore: { key: "gatewayRestoreFileSystemId", of: (c) => c.gateway.restore },
  // tenants.json and the workspace are small; Chroma's vectors grow with the summaries kept. ECR: the gateway's
  // images and ChromaDB's copy.
  usage: { efsStoredGb: 1, efsReadGb: 10, efsWriteGb: 5, logsGb: 2, ecrStoredGb: 1 },
  endpoints: [
    {
      name: GATEWAY_ENDPOINT,
      subdomain: "gateway",
      listenerPort: (c) => c.alb.ports.gateway,
      output: "gatewayUrl",
      restrictedPaths: [{ name: "key-api", pathPrefix: KEY_API_PREFIX, allowCidrs: (c) => c.gateway.adminCidrs }],
    },
  ],
  create: (args) => {
    const gateway = new Gateway("gateway", args);
    return {
      image: gateway.image,
      service: gateway.service,
      volume: gateway.volume,
      writerMetrics: gateway.writerMetrics,
      secrets: { gatewayGeminiApiKey: gateway.geminiApiKey, gatewayAdminApiKey: gateway.adminApiKey },
      urls: { [GATEWAY_ENDPOINT]: gateway.url },
    };
  },
};
