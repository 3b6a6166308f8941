/**
 * The rules of the ai-platform policy pack, as plain objects.
 *
 * Nothing here constructs a `PolicyPack` (that starts the analyzer's gRPC server) and nothing is imported at
 * run time: index.ts serves these rules to `pulumi preview/up --policy-pack policy`, and
 * tests/policy.test.ts runs them against the resources the program registers. The rules read resource
 * types by their tokens rather than through @pulumi/aws classes, so the pack does not need the AWS SDK.
 *
 * The rules check the deployed shape independently of the program: they repeat AWS facts (CloudWatch's
 * retention values) instead of importing the program's constants, so a wrong constant there fails here.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { FILE_SYSTEMS } from "./file-systems";

/** Resource type tokens the rules read; `aws.alb.*` are aliases of `aws.lb.*` with their own tokens. */
export const TYPES = {
  service: ["aws:ecs/service:Service"],
  taskDefinition: ["aws:ecs/taskDefinition:TaskDefinition"],
  fileSystem: ["aws:efs/fileSystem:FileSystem"],
  loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
  listener: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
  listenerRule: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
  logGroup: ["aws:cloudwatch/logGroup:LogGroup"],
  repository: ["aws:ecr/repository:Repository"],
  role: ["aws:iam/role:Role"],
  rolePolicy: ["aws:iam/rolePolicy:RolePolicy"],
  scalableTarget: ["aws:appautoscaling/target:Target"],
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  bucketLogging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
} as const;

// ---- The properties the rules read (the provider's input names; stack rules see the same names as outputs).

interface ServiceProps {
  enableExecuteCommand?: boolean;
  desiredCount?: number;
  deploymentMaximumPercent?: number;
  deploymentMinimumHealthyPercent?: number;
  networkConfiguration?: { assignPublicIp?: boolean };
}

interface EfsVolumeConfiguration {
  transitEncryption?: string;
  authorizationConfig?: { accessPointId?: string; iam?: string };
}

interface TaskDefinitionProps {
  /** JSON text of the container definitions. */
  containerDefinitions?: string | ContainerDefinition[];
  volumes?: { name: string; efsVolumeConfiguration?: EfsVolumeConfiguration }[];
  executionRoleArn?: string;
}

interface ContainerDefinition {
  name: string;
  image?: string;
  user?: string;
  readonlyRootFilesystem?: boolean;
  linuxParameters?: { capabilities?: { add?: string[]; drop?: string[] } };
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  repositoryCredentials?: { credentialsParameter?: string };
  logConfiguration?: { secretOptions?: { name: string; valueFrom: string }[] };
}

interface ListenerAction {
  type: string;
  redirect?: { protocol?: string };
}

interface ListenerProps {
  port?: number;
  protocol?: string;
  defaultActions?: ListenerAction[];
}

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

interface PolicyDocument {
  Statement?: PolicyStatement | PolicyStatement[];
}

// ---- Helpers

const isOf = (types: readonly string[], r: { type: string }): boolean => types.includes(r.type);

/** A resource validation that runs only for the given resource types, with their props typed. */
function forTypes<P>(types: readonly string[], validate: (props: P, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation {
  return (args, report) => {
    if (isOf(types, args)) validate(args.props as P, args, report);
  };
}

/** The stack a resource belongs to, read from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].split(":")[2] ?? "";
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parseJson<T>(v: string | T | undefined): T | undefined {
  return typeof v === "string" ? (JSON.parse(v) as T) : v;
}

function containersOf(td: TaskDefinitionProps): ContainerDefinition[] {
  return parseJson<ContainerDefinition[]>(td.containerDefinitions) ?? [];
}

/** IAM-style wildcard match (`*`, `?`); case-insensitive only for action names, as in IAM. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`, ignoreCase ? "i" : "").test(value);
}

/** The resources through which a task definition's secrets reach ECS: ARNs the execution role must read. */
function secretReferences(td: TaskDefinitionProps): { container: string; arn: string }[] {
  return containersOf(td).flatMap((c) =>
    [
      ...(c.secrets ?? []).map((s) => s.valueFrom),
      ...(c.logConfiguration?.secretOptions ?? []).map((s) => s.valueFrom),
      ...(c.repositoryCredentials?.credentialsParameter ? [c.repositoryCredentials.credentialsParameter] : []),
    ]
      .map(secretArnOf)
      .filter((arn): arn is string => arn !== undefined)
      .map((arn) => ({ container: c.name, arn })),
  );
}

/**
 * The secret ARN in a `valueFrom` (which may add `:json-key:version-stage:version-id`), or undefined for
 * SSM parameters (read with ssm:GetParameters, not this rule's concern).
 */
export function secretArnOf(valueFrom: string): string | undefined {
  const parts = valueFrom.split(":");
  if (parts[0] !== "arn" || parts[2] !== "secretsmanager") return undefined;
  return parts.slice(0, 7).join(":");
}

// ---- Secret-looking values (never echoed in messages: the message would leak the secret into CI logs).

/** Words that make an environment variable name a secret's name (whole words of the name). */
const SECRET_NAME_WORDS = /^(api)?(keys?|secrets?|tokens?|passwords?|passwd|pwd|credentials?|privatekey|accesskey|secretkey)$/i;

const SECRET_VALUE_SHAPES: { label: string; pattern: RegExp }[] = [
  { label: "an API key of the MCP Gateway (tupl_ + 64 hex)", pattern: /tupl_[0-9a-f]{64}/i },
  { label: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { label: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { label: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/ },
  { label: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { label: "a GitHub token", pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { label: "a URL with a password", pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
  // Whole values only: 256 bits or more of hex, or a long base64 blob mixing cases and digits (not a path).
  { label: "a long hex secret", pattern: /^[0-9a-f]{64,}$/i },
  { label: "a long base64 secret", pattern: /^(?!\/)(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9+/_-]{40,}={0,2}$/ },
];

/** The words of an environment variable name: `GEMINI_API_KEY` → GEMINI, API, KEY; `apiKey` → api, Key. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** Why an environment variable looks like a secret, or undefined. */
export function secretLooking(name: string, value: string): string | undefined {
  if (nameWords(name).some((w) => SECRET_NAME_WORDS.test(w))) return "its name says it is a secret";
  const shape = SECRET_VALUE_SHAPES.find((s) => s.pattern.test(value));
  return shape ? `its value looks like ${shape.label}` : undefined;
}

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy); 0/unset means "never expire". */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

// ---- The rules

export const tasksWithoutPublicIp: ResourceValidationPolicy = {
  name: "ecs-tasks-without-public-ip",
  description: "ECS services run their tasks in private subnets without public IP addresses.",
  validateResource: forTypes<ServiceProps>(TYPES.service, (service, args, report) => {
    if (service.networkConfiguration?.assignPublicIp === true) {
      report(`service ${args.name} gives its tasks public IP addresses; run them in private subnets with assignPublicIp false (egress through NAT)`);
    }
  }),
};

export const efsEncryptedAtRest: ResourceValidationPolicy = {
  name: "efs-encrypted-at-rest",
  description: "EFS file systems are encrypted at rest.",
  validateResource: forTypes<{ encrypted?: boolean }>(TYPES.fileSystem, (fs, args, report) => {
    if (fs.encrypted !== true) {
      report(`EFS file system ${args.name} is not encrypted at rest; set encrypted: true (EFS can only encrypt a file system when it is created)`);
    }
  }),
};

export const efsMountsUseTlsAndIam: ResourceValidationPolicy = {
  name: "efs-mounts-use-tls-and-iam",
  description: "Task definitions mount EFS with TLS in transit, IAM authorization and an access point.",
  validateResource: forTypes<TaskDefinitionProps>(TYPES.taskDefinition, (td, args, report) => {
    for (const volume of td.volumes ?? []) {
      const efs = volume.efsVolumeConfiguration;
      if (!efs) continue;
      const where = `volume ${volume.name} of task definition ${args.name}`;
      if (efs.transitEncryption !== "ENABLED") report(`${where} mounts EFS without TLS; set transitEncryption: "ENABLED"`);
      if (efs.authorizationConfig?.iam !== "ENABLED") {
        report(`${where} mounts EFS without IAM authorization; set authorizationConfig.iam: "ENABLED" so the task role decides who mounts`);
      }
      if (!efs.authorizationConfig?.accessPointId) {
        report(`${where} mounts EFS without an access point; mount through one so files get the access point's POSIX owner`);
      }
    }
  }),
};

export const httpRedirectsToHttps: StackValidationPolicy = {
  name: "http-redirects-to-https",
  description: "When the stack serves HTTPS (a domain is set), every plain HTTP listener only redirects to HTTPS.",
  validateStack: (args, report) => {
    const listeners = args.resources.filter((r) => isOf(TYPES.listener, r));
    const https = listeners.filter((l) => (l.props as ListenerProps).protocol === "HTTPS");
    if (https.length === 0) return;
    const redirects = (actions: ListenerAction[] | undefined): boolean =>
      (actions ?? []).length > 0 && (actions ?? []).every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
    // Application load balancers default a listener without a protocol to HTTP.
    const http = listeners.filter((l) => ((l.props as ListenerProps).protocol ?? "HTTP") === "HTTP");
    const servedBy = https.map((l) => l.name).join(", ");
    for (const l of http) {
      const props = l.props as ListenerProps;
      if (!redirects(props.defaultActions)) {
        report(`listener ${l.name} (HTTP on port ${props.port}) answers over plain HTTP although the stack serves HTTPS (${servedBy}); its default action must redirect to HTTPS`, l.urn);
      }
    }
    for (const rule of args.resources.filter((r) => isOf(TYPES.listenerRule, r))) {
      const onHttp = rule.dependencies.find((d) => http.includes(d));
      if (onHttp && !redirects((rule.props as { actions?: ListenerAction[] }).actions)) {
        report(`listener rule ${rule.name} on HTTP listener ${onHttp.name} answers over plain HTTP although the stack serves HTTPS; only redirects to HTTPS belong there`, rule.urn);
      }
    }
  },
};

export const noSecretsInPlainEnvironment: ResourceValidationPolicy = {
  name: "no-secrets-in-plain-environment",
  description: "Containers receive secrets through `secrets` (Secrets Manager), never as plain environment variables.",
  configSchema: {
    properties: {
      allowedNames: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Environment variable names that look secret but are not (e.g. a public key).",
      },
    },
  },
  validateResource: forTypes<TaskDefinitionProps>(TYPES.taskDefinition, (td, args, report) => {
    const allowed = new Set(args.getConfig<{ allowedNames?: string[] }>().allowedNames ?? []);
    for (const c of containersOf(td)) {
      for (const { name, value } of c.environment ?? []) {
        if (allowed.has(name)) continue;
        const why = secretLooking(name, value ?? "");
        if (why) {
          report(`container ${c.name} of task definition ${args.name} passes ${name} as plain environment, and ${why}; pass it in the container's secrets (valueFrom a Secrets Manager ARN)`);
        }
      }
    }
  }),
};

export const logRetentionSet: ResourceValidationPolicy = {
  name: "log-retention-set",
  description: "CloudWatch log groups expire their logs after a retention CloudWatch accepts.",
  validateResource: forTypes<{ retentionInDays?: number }>(TYPES.logGroup, (lg, args, report) => {
    const days = lg.retentionInDays;
    if (!days) {
      report(`log group ${args.name} keeps its logs forever; set retentionInDays`);
    } else if (!CLOUDWATCH_RETENTION_DAYS.includes(days)) {
      report(`log group ${args.name}: retentionInDays ${days} is not a value CloudWatch Logs accepts; use one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`);
    }
  }),
};

export const ecrScanOnPush: ResourceValidationPolicy = {
  name: "ecr-scan-on-push",
  description: "ECR repositories scan every pushed image for vulnerabilities.",
  validateResource: forTypes<{ imageScanningConfiguration?: { scanOnPush?: boolean } }>(TYPES.repository, (repo, args, report) => {
    if (repo.imageScanningConfiguration?.scanOnPush !== true) {
      report(`ECR repository ${args.name} does not scan images on push; set imageScanningConfiguration.scanOnPush: true`);
    }
  }),
};

export const protectedStateInProd: ResourceValidationPolicy = {
  name: "protected-state-in-prod",
  description: "In protected stacks (prod), the load balancer has deletion protection and EFS file systems are protected from delete and replace.",
  configSchema: {
    properties: {
      stacks: {
        type: "array",
        items: { type: "string" },
        default: ["prod"],
        description: "Stacks whose state must be protected, by name.",
      },
    },
  },
  validateResource: (args, report) => {
    const stacks = args.getConfig<{ stacks?: string[] }>().stacks ?? ["prod"];
    const stack = stackOfUrn(args.urn);
    if (!stacks.includes(stack)) return;
    if (isOf(TYPES.loadBalancer, args) && (args.props as { enableDeletionProtection?: boolean }).enableDeletionProtection !== true) {
      report(`load balancer ${args.name} of stack ${stack} has no deletion protection; set enableDeletionProtection: true`);
    }
    if (isOf(TYPES.fileSystem, args) && !args.opts.protect) {
      report(`EFS file system ${args.name} of stack ${stack} holds state but is not protected; create it with the protect (and retainOnDelete) resource options`);
    }
  },
};

export const fileSystemsStay: ResourceValidationPolicy = {
  name: "file-systems-stay",
  description:
    "A system keeps the EFS file system its stack has (policy/file-systems.ts): no new one appears beside it. A restore " +
    "adopts the restored file system by id (<system>RestoreFileSystemId) and creates none.",
  configSchema: {
    properties: {
      fileSystems: {
        type: "object",
        default: FILE_SYSTEMS,
        description: "Per stack, per system (the file system's Name tag), the URN of the system's file system.",
      },
    },
  },
  validateResource: forTypes<{ tags?: Record<string, string> }>(TYPES.fileSystem, (fs, args, report) => {
    const record = args.getConfig<{ fileSystems?: Record<string, Record<string, string>> }>().fileSystems ?? FILE_SYSTEMS;
    const stack = stackOfUrn(args.urn);
    const system = fs.tags?.Name ?? args.name;
    const recorded = record[stack]?.[system];
    // A stack or system with no file system yet may create its first; an alias naming the recorded URN is the same one.
    if (!recorded || recorded === args.urn || args.opts.aliases.includes(recorded)) return;
    report(
      `EFS file system ${args.name} of stack ${stack} would be a new, empty file system for ${system}, which has ${recorded}: ` +
        "a refactor that loses a volume's URN moves the service onto an empty file system. Keep the URN (an alias to the recorded one); " +
        "to use another file system, restore by config (<system>RestoreFileSystemId), which adopts it and creates none",
    );
  }),
};

export const statefulServicesSingleWriter: StackValidationPolicy = {
  name: "stateful-services-single-writer",
  description:
    "A service whose task definition mounts EFS runs at most one task, stops the old task before starting the new one " +
    "(minimum 0%, maximum 100%) and does not autoscale: SQLite and JSON files on EFS have one writer.",
  validateStack: (args, report) => {
    const taskDefinitions = args.resources.filter((r) => isOf(TYPES.taskDefinition, r));
    const mountsEfs = (td: PolicyResource): boolean => ((td.props as TaskDefinitionProps).volumes ?? []).some((v) => v.efsVolumeConfiguration);
    for (const service of args.resources.filter((r) => isOf(TYPES.service, r))) {
      // The task definition a service runs is among its dependencies (its taskDefinition input).
      const td = service.dependencies.find((d) => taskDefinitions.includes(d));
      if (!td || !mountsEfs(td)) continue;
      const props = service.props as ServiceProps;
      const desired = props.desiredCount ?? 0;
      const max = props.deploymentMaximumPercent ?? 200;
      const min = props.deploymentMinimumHealthyPercent ?? 100;
      const what = `service ${service.name} mounts EFS (task definition ${td.name})`;
      if (desired > 1) report(`${what} but runs ${desired} tasks; a single writer runs at most 1`, service.urn);
      if (max > 100) report(`${what} but deploys with maximum ${max}%: old and new tasks would write at once; set deploymentMaximumPercent 100`, service.urn);
      if (min > 0) report(`${what} but deploys with minimum ${min}%: with maximum 100% the old task never stops; set deploymentMinimumHealthyPercent 0`, service.urn);
      for (const target of args.resources.filter((r) => isOf(TYPES.scalableTarget, r) && r.dependencies.includes(service))) {
        const maxCapacity = (target.props as { maxCapacity?: number }).maxCapacity ?? 0;
        if (maxCapacity > 1) report(`${what} but autoscaling target ${target.name} may run ${maxCapacity} tasks`, target.urn);
      }
    }
  },
};

export const executionRolesReadExactSecrets: StackValidationPolicy = {
  name: "execution-roles-read-exact-secrets",
  description:
    "An ECS execution role may read (secretsmanager:GetSecretValue) exactly the secrets its task definitions inject: " +
    "no wildcards, none they do not use, none missing.",
  validateStack: (args, report) => {
    const taskDefinitions = args.resources.filter((r) => isOf(TYPES.taskDefinition, r));
    const rolePolicies = args.resources.filter((r) => isOf(TYPES.rolePolicy, r));
    for (const role of args.resources.filter((r) => isOf(TYPES.role, r))) {
      const roleProps = role.props as { arn?: string; name?: string; inlinePolicies?: { policy?: string }[] };
      const users = taskDefinitions.filter((td) => (td.props as TaskDefinitionProps).executionRoleArn === roleProps.arn);
      if (users.length === 0) continue;

      const documents = [
        ...rolePolicies.filter((p) => (p.props as { role?: string }).role === roleProps.name).map((p) => (p.props as { policy?: string }).policy),
        ...(roleProps.inlinePolicies ?? []).map((p) => p.policy),
      ].map((d) => parseJson<PolicyDocument>(d) ?? {});
      const grantsGetSecret = (s: PolicyStatement): boolean => {
        if (s.Effect !== "Allow") return false;
        const matches = (actions: string | string[] | undefined) => asArray(actions).some((a) => globMatches(a, "secretsmanager:GetSecretValue", true));
        return s.NotAction !== undefined ? !matches(s.NotAction) : matches(s.Action);
      };
      // NotResource grants everything but the listed resources: as wide as a wildcard.
      const granted = documents
        .flatMap((d) => asArray(d.Statement))
        .filter(grantsGetSecret)
        .flatMap((s) => (s.NotResource !== undefined ? ["*"] : asArray(s.Resource)));

      const needed = new Map<string, string>();
      for (const td of users) {
        for (const ref of secretReferences(td.props as TaskDefinitionProps)) {
          if (!needed.has(ref.arn)) needed.set(ref.arn, `container ${ref.container} of task definition ${td.name}`);
        }
      }
      for (const arn of new Set(granted)) {
        if (/[*?]/.test(arn)) {
          report(`execution role ${role.name} may read secrets matching ${arn}; grant secretsmanager:GetSecretValue on exact secret ARNs only`, role.urn);
        } else if (!needed.has(arn)) {
          report(`execution role ${role.name} may read secret ${arn}, which none of its task definitions inject; remove the grant`, role.urn);
        }
      }
      for (const [arn, user] of needed) {
        if (!granted.some((g) => globMatches(g, arn))) {
          report(`execution role ${role.name} may not read secret ${arn}, which ${user} injects: tasks would fail to start (ResourceInitializationError)`, role.urn);
        }
      }
    }
  },
};

/** Whether an ECS `user` is root: user 0 or `root`, with or without a group. */
export function runsAsRoot(user: string | undefined): boolean {
  const name = (user ?? "").split(":")[0].trim();
  return name === "" || name === "0" || name === "root";
}

/** An image reference pinned by digest: `<name>[:tag]@sha256:<64 hex>`. */
const BY_DIGEST = /@sha256:[0-9a-f]{64}$/;

export const containersHardened: StackValidationPolicy = {
  name: "containers-hardened",
  description:
    "Every container of a service runs as a non-root user, drops all Linux capabilities (adding only those the pack's " +
    "config allows), has a read-only root file system unless its service has ECS Exec on, and runs an image pinned by digest.",
  configSchema: {
    properties: {
      allowedCapabilities: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Capabilities a container may add back (each one a decision to name, e.g. NET_BIND_SERVICE).",
      },
    },
  },
  validateStack: (args, report) => {
    const allowed = new Set(args.getConfig<{ allowedCapabilities?: string[] }>().allowedCapabilities ?? []);
    const taskDefinitions = args.resources.filter((r) => isOf(TYPES.taskDefinition, r));
    for (const service of args.resources.filter((r) => isOf(TYPES.service, r))) {
      const td = service.dependencies.find((d) => taskDefinitions.includes(d));
      if (!td) continue;
      const exec = (service.props as ServiceProps).enableExecuteCommand === true;
      for (const c of containersOf(td.props as TaskDefinitionProps)) {
        const what = `container ${c.name} of task definition ${td.name}`;
        if (runsAsRoot(c.user)) {
          report(`${what} runs as root (user ${c.user === undefined ? "not set" : `"${c.user}"`}); set user to the image's non-root uid:gid`, td.urn);
        }
        const caps = c.linuxParameters?.capabilities;
        if (!(caps?.drop ?? []).includes("ALL")) {
          report(`${what} keeps Docker's default capabilities (NET_RAW among them); set linuxParameters.capabilities.drop to ["ALL"]`, td.urn);
        }
        const added = (caps?.add ?? []).filter((cap) => !allowed.has(cap));
        if (added.length) {
          report(`${what} adds capabilities ${added.join(", ")}; drop them, or name them in the rule's allowedCapabilities`, td.urn);
        }
        if (c.readonlyRootFilesystem !== true && !exec) {
          report(`${what} has a writable root file system; set readonlyRootFilesystem: true and mount a volume where it writes (only ECS Exec, on service ${service.name}, would need it writable)`, td.urn);
        }
        if (!BY_DIGEST.test(c.image ?? "")) {
          report(`${what} runs ${c.image ?? "no image"}, which a tag can move; pin it by digest (@sha256:...), e.g. a copy pushed to ECR`, td.urn);
        }
      }
    }
  },
};

/** Every rule of the pack, in the order a reviewer reads them. */
/**
 * Every bucket's reads and deletes are logged: it has an S3 server-access-logging configuration, or it is the
 * target of one (the last bucket of the chain; logging it into itself would log its own log writes).
 */
export const s3BucketsLogAccess: StackValidationPolicy = {
  name: "s3-buckets-log-access",
  description: "Every S3 bucket logs its access (aws.s3.BucketLogging) to another bucket, or is the bucket such logs go to.",
  validateStack: (args, report) => {
    const loggings = args.resources.filter((r) => isOf(TYPES.bucketLogging, r)).map((r) => r.props as { bucket?: string; targetBucket?: string });
    for (const b of args.resources.filter((r) => isOf(TYPES.bucket, r))) {
      const name = (b.props as { bucket?: string }).bucket;
      const logged = loggings.some((l) => l.bucket === name && l.targetBucket !== name);
      const target = loggings.some((l) => l.targetBucket === name);
      if (!logged && !target) {
        report(`bucket ${b.name} logs no access: add an aws.s3.BucketLogging for it with another bucket as its target`, b.urn);
      }
    }
  },
};

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  tasksWithoutPublicIp,
  efsEncryptedAtRest,
  efsMountsUseTlsAndIam,
  httpRedirectsToHttps,
  noSecretsInPlainEnvironment,
  logRetentionSet,
  ecrScanOnPush,
  protectedStateInProd,
  fileSystemsStay,
  statefulServicesSingleWriter,
  containersHardened,
  executionRolesReadExactSecrets,
  s3BucketsLogAccess,
];
