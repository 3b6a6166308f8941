import * as pulumi from "@pulumi/pulumi";
import { FargateService } from "../service/fargate-service";
import { SystemArgs, SystemDescriptor, sharedImageArgs, sharedServiceArgs, sharedVolumeArgs } from "./system";
import { VOLUME_OWNER_USER, API_DOCS_PATHS } from "../shared/defaults";
import { bodyStatusHealthCheck, statusCodeHealthCheck, tcpHealthCheck } from "../service/health-checks";
import { Image, ImageSource, WRITER_INFRA_DIR } from "../resources/image";
import { Secret } from "../resources/secret";
import { Volume } from "../resources/volume";
import { OperatorSecretSpec } from "../resources/operator-secrets";
import { createWriterAlarms, snapshotTimeUtc, underWriterLock } from "./single-writer";

export const DATA_PLANE_PORT = 50051;
export const MANAGEMENT_PLANE_PORT = 8000;
export const CONTROL_PLANE_PORT = 8001;
/** Hugging Face cache of the image (HF_HOME); the image runs as uid 1000, so not under /root. */
export const HF_CACHE_DIR = "/app/hf-cache";

export type SecurityStackArgs = SystemArgs;

/** The security stack's image (four projects of the app repo): what its content tag, and so its promotion, follows from. */
const SECURITY_STACK_IMAGE: ImageSource = {
  dockerfile: "security-stack.Dockerfile",
  sourceDirs: ["management-plane", "policy_control_plane", "semantic-sandbox", "tupl_data_plane"],
  infraDirs: [WRITER_INFRA_DIR],
};

/**
 * What this system's component, image and volume were named before the system took one spelling ("security"):
 * their aliases keep the ECR repository, the file system with its data, mount targets and access points in a live
 * stack. The EFS security group (its description names the volume) and the EFS alarm are replaced; neither holds
 * state.
 */
const FORMER_NAME = "security-stack";
const renamed = { aliases: [{ name: FORMER_NAME }] };

/**
 * The AI Security Stack: one image, three containers in one task where the seed ran supervisord — data plane
 * (gRPC, task-internal), management plane (after the data plane is healthy) and control plane (after the
 * management plane is healthy) — with SQLite data and the model cache on EFS and a single writer.
 */
export class SecurityStack extends pulumi.ComponentResource {
  public readonly image: Image;
  public readonly volume: Volume;
  public readonly googleApiKey: Secret;
  public readonly supabaseJwtSecret: Secret;
  public readonly service: FargateService;
  /** The metrics of its single-writer alarms counted from its log (components/systems/single-writer.ts). */
  public readonly writerMetrics: string[];
  public readonly apiUrl: pulumi.Output<string>;
  public readonly controlUrl: pulumi.Output<string>;

  constructor(name: string, args: SecurityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:system:SecurityStack", name, {}, opts);
    const { config, platform } = args;
    const ss = config.securityStack;
    const parent = { parent: this };

    this.image = new Image(
      name,
      { ...sharedImageArgs(config), ...SECURITY_STACK_IMAGE },
      { ...parent, ...renamed },
    );

    this.volume = new Volume(
      name,
      {
        ...sharedVolumeArgs(args),
        root: "/security-stack",
        restore: ss.restore && args.restoredFileSystems[ss.restore.fileSystemId],
        // Models are downloaded again when missing: no snapshot, and a restore starts the cache empty.
        accessPoints: [{ name: "data" }, { name: "hf-cache", rebuildable: true }],
      },
      { ...parent, ...renamed },
    );

    this.googleApiKey = new Secret(
      `${name}-google-api-key`,
      { description: GOOGLE_API_KEY.description, operator: args.operatorSecrets[GOOGLE_API_KEY.key], recoveryWindowDays: config.secretRecoveryWindowDays },
      parent,
    );
    this.supabaseJwtSecret = new Secret(
      `${name}-supabase-jwt`,
      { description: SUPABASE_JWT_SECRET.description, operator: args.operatorSecrets[SUPABASE_JWT_SECRET.key], recoveryWindowDays: config.secretRecoveryWindowDays },
      parent,
    );

    this.service = new FargateService(
      name,
      {
        ...sharedServiceArgs(args),
        size: ss,
        capacity: ss.capacity,
        containers: this.containers(config),
        exposedPorts: [
          // The API serves the console's browsers: open, but its interactive docs only where the stack says so.
          {
            endpoint: platform.endpoint("api"),
            containerName: "management-plane",
            containerPort: MANAGEMENT_PLANE_PORT,
            healthCheckPath: "/health",
            hiddenPaths: ss.apiDocs ? undefined : API_DOCS_PATHS,
          },
          // The control plane is an administrators' tool with no authentication of its own (Flask's development
          // server): only the configured networks reach it, everyone else gets 403 at the load balancer.
          {
            endpoint: platform.endpoint("control"),
            containerName: "control-plane",
            containerPort: CONTROL_PLANE_PORT,
            healthCheckPath: "/health",
            restrictedPaths: { pathPattern: "/*", allowCidrs: ss.controlCidrs },
          },
        ],
        volumes: [this.volume],
        healthCheckGracePeriodSeconds: ss.healthCheckGracePeriodSeconds,
        scaling: { mode: "singleWriter" },
        egress: "https",
      },
      parent,
    );

    this.writerMetrics = createWriterAlarms(name, { service: this.service, clusterName: platform.cluster.name, topicArn: args.alarms.topicArn }, this);

    this.apiUrl = platform.endpoint("api").url;
    this.controlUrl = platform.endpoint("control").url;
    this.registerOutputs({ apiUrl: this.apiUrl, controlUrl: this.controlUrl });
  }

  /**
   * The three processes of the one image, each a container. Every process runs under the task's writer lock: all
   * three write /app/data. The data plane, first up and last down, takes the nightly copy (SQLite's online backup,
   * through the image's python).
   */
  private containers(config: SecurityStackArgs["config"]) {
    const ss = config.securityStack;
    const image = { ref: this.image.imageRef, repositoryArn: this.image.repository.arn };
    // Every process of the image runs as the image's user, the volumes' owner, each with a /tmp of its own.
    const runAs = { user: VOLUME_OWNER_USER, writablePaths: ["/tmp"] };
    const data = { volume: "data", containerPath: "/app/data" };
    const models = { volume: "hf-cache", containerPath: HF_CACHE_DIR };
    const shared = { LD_LIBRARY_PATH: "/app", HF_HOME: HF_CACHE_DIR, SUPABASE_URL: config.supabase.url };
    return [
      underWriterLock(
        {
          name: "data-plane",
          image,
          command: ["/app/bridge-server"],
          workingDirectory: "/app",
          // Listens inside the task only: no target group, no security-group rule admits it.
          ports: [DATA_PLANE_PORT],
          environment: { ...shared, RUST_LOG: ss.rustLog },
          healthCheck: { ...tcpHealthCheck(DATA_PLANE_PORT), intervalSeconds: 10, startPeriodSeconds: 30 },
          mounts: [data, models],
          ...runAs,
        },
        { directories: { data: data.containerPath }, at: snapshotTimeUtc(config.schedule) },
      ),
      underWriterLock({
        name: "management-plane",
        image,
        command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", String(MANAGEMENT_PLANE_PORT)],
        workingDirectory: "/app/management-plane",
        ports: [MANAGEMENT_PLANE_PORT],
        environment: { ...shared, DATA_PLANE_GRPC_URL: `localhost:${DATA_PLANE_PORT}` },
        secrets: { GOOGLE_API_KEY: this.googleApiKey, SUPABASE_JWT_SECRET: this.supabaseJwtSecret },
        // A start that finds the models in the EFS cache is healthy well within this patience; a first start that
        // downloads them has the service's grace period too, during which ECS ignores this check (deploy-time.ts).
        healthCheck: { ...bodyStatusHealthCheck(MANAGEMENT_PLANE_PORT), intervalSeconds: 30, retries: 10, startPeriodSeconds: 300 },
        dependsOn: [{ containerName: "data-plane", condition: "HEALTHY" }],
        mounts: [data, models],
        ...runAs,
      }),
      underWriterLock({
        name: "control-plane",
        image,
        command: ["python", "server.py"],
        workingDirectory: "/app/policy_control_plane",
        ports: [CONTROL_PLANE_PORT],
        environment: { ...shared, MANAGEMENT_PLANE_URL: `http://localhost:${MANAGEMENT_PLANE_PORT}` },
        secrets: { SUPABASE_JWT_SECRET: this.supabaseJwtSecret },
        healthCheck: { ...statusCodeHealthCheck(CONTROL_PLANE_PORT), intervalSeconds: 15, startPeriodSeconds: 30 },
        dependsOn: [{ containerName: "management-plane", condition: "HEALTHY" }],
        mounts: [data],
        ...runAs,
      }),
    ];
  }
}

/** The AI Security Stack in the system registry. */
/** The security stack's third-party secrets, kept by operators in Secrets Manager. */
const GOOGLE_API_KEY: OperatorSecretSpec = { key: "googleApiKey", description: "the Google AI key of the management plane (GOOGLE_API_KEY)" };
const SUPABASE_JWT_SECRET: OperatorSecretSpec = {
  key: "supabaseJwtSecret",
  description: "the Supabase JWT secret the security stack verifies tokens with (SUPABASE_JWT_SECRET)",
};

export const securityStackSystem: SystemDescriptor = {
  key: "securityStack",
  title: "AI Security Stack",
  componentType: "ai-platform:system:SecurityStack",
  operatorSecrets: [GOOGLE_API_KEY, SUPABASE_JWT_SECRET],
  promotion: { by: "imageTag", image: SECURITY_STACK_IMAGE },
  restore: { key: "securityStackRestoreFileSystemId", of: (c) => c.securityStack.restore },
  // The Hugging Face model cache dominates the file system and the image (Rust + Python wheels).
  usage: { efsStoredGb: 10, efsReadGb: 50, efsWriteGb: 5, logsGb: 5, ecrStoredGb: 6 },
  endpoints: [
    { name: "api", subdomain: "api", listenerPort: (c) => c.alb.ports.api, output: "apiUrl" },
    { name: "control", subdomain: "control", listenerPort: (c) => c.alb.ports.control, output: "controlUrl" },
  ],
  create: (args) => {
    const stack = new SecurityStack("security", args, renamed);
    return {
      image: stack.image,
      service: stack.service,
      volume: stack.volume,
      writerMetrics: stack.writerMetrics,
      secrets: { securityGoogleApiKey: stack.googleApiKey, securitySupabaseJwtSecret: stack.supabaseJwtSecret },
      urls: { api: stack.apiUrl, control: stack.controlUrl },
    };
  },
};
