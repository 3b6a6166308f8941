/**
 * What the plan knows about replacements without asking AWS: which input fields of the resource types this
 * program creates make the provider replace the resource when they change, and what replacing or deleting a
 * resource loses.
 *
 * Pulumi's AWS provider is bridged from Terraform's, and a Terraform schema field marked `ForceNew`
 * (`RequiresReplace` in the plugin framework) is what makes `pulumi preview` show a replacement. The fields below
 * are read from those schemas, at the commit named in each source. Only top-level input fields are listed: a
 * change inside a nested block is judged by the top-level field that holds it, which is ForceNew itself for every
 * entry here. A type missing from the table is not known to be updated in place: the plan says "update" and that
 * `pulumi preview` decides.
 */

const TF_AWS = "https://github.com/hashicorp/terraform-provider-aws/blob";
const TF_RANDOM = "https://github.com/hashicorp/terraform-provider-random/blob";

export interface ReplaceOnChange {
  /** Input fields (as Pulumi names them) whose change replaces the resource. */
  fields: readonly string[];
  /** The provider schema the fields were read from. */
  source: string;
}

/** Replace-on-change fields by resource type. */
export const REPLACE_ON_CHANGE: Readonly<Record<string, ReplaceOnChange>> = {
  "aws:efs/fileSystem:FileSystem": {
    fields: ["availabilityZoneName", "creationToken", "encrypted", "kmsKeyId", "performanceMode"],
    source: `${TF_AWS}/0389f4671dd9086cbe548d8eeabf0df30d1c38d9/internal/service/efs/file_system.go`,
  },
  "aws:efs/accessPoint:AccessPoint": {
    fields: ["fileSystemId", "posixUser", "rootDirectory"],
    source: `${TF_AWS}/01606926a0c0ab9174aec440f976a48b0baee722/internal/service/efs/access_point.go`,
  },
  "aws:efs/mountTarget:MountTarget": {
    fields: ["fileSystemId", "ipAddress", "subnetId"],
    source: `${TF_AWS}/0593466d96e383de3f75587805537f6e590ebf4e/internal/service/efs/mount_target.go`,
  },
  // A task definition revision is immutable: every field but tags makes a new revision.
  "aws:ecs/taskDefinition:TaskDefinition": {
    fields: [
      "containerDefinitions",
      "cpu",
      "ephemeralStorage",
      "executionRoleArn",
      "family",
      "inferenceAccelerators",
      "ipcMode",
      "memory",
      "networkMode",
      "pidMode",
      "placementConstraints",
      "proxyConfiguration",
      "requiresCompatibilities",
      "runtimePlatform",
      "taskRoleArn",
      "volumes",
    ],
    source: `${TF_AWS}/04fc21d56d73cb67a9bbef2aedcffe8fbfd07286/internal/service/ecs/task_definition.go`,
  },
  "aws:ecs/service:Service": {
    fields: ["cluster", "deploymentController", "iamRole", "launchType", "name", "schedulingStrategy"],
    source: `${TF_AWS}/00a919d1548eb437816d4838f320502ad34183ff/internal/service/ecs/service.go`,
  },
  "aws:kms/key:Key": {
    fields: ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"],
    source: `${TF_AWS}/00a35305dc1b297a6fcdecdfbba33f1e63c3da39/internal/service/kms/key.go`,
  },
  "aws:ecr/repository:Repository": {
    fields: ["encryptionConfigurations", "name"],
    source: `${TF_AWS}/0072eea2d6046230a1fb7717741c17fd2122175e/internal/service/ecr/repository.go`,
  },
  "aws:secretsmanager/secret:Secret": {
    fields: ["name", "namePrefix"],
    source: `${TF_AWS}/00c21cedec069dd27093b175baf15bac6d4b30fe/internal/service/secretsmanager/secret.go`,
  },
  "aws:backup/vault:Vault": {
    fields: ["kmsKeyArn", "name"],
    source: `${TF_AWS}/050ac11163cab8cdae5936a7f40b0e528ff780df/internal/service/backup/vault.go`,
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    fields: ["logGroupClass", "name", "namePrefix"],
    source: `${TF_AWS}/0073593e7d6993ba482409f4dc35438daaa79bb3/internal/service/logs/group.go`,
  },
  "random:index/randomId:RandomId": {
    fields: ["byteLength", "keepers", "prefix"],
    source: `${TF_RANDOM}/04572027ebbaca354b5018c9fc62ea23c4f688cf/internal/provider/resource_id.go`,
  },
  // length and keepers carry RequiresReplace in the provider's schema (internal/provider/resource_bytes.go).
  "random:index/randomBytes:RandomBytes": {
    fields: ["keepers", "length"],
    source: `${TF_RANDOM}/main/internal/provider/resource_bytes.go`,
  },
};

/** What replacing or deleting a resource of these types loses: they hold state that a new one starts without. */
export const HOLDS_STATE: Readonly<Record<string, string>> = {
  "aws:efs/fileSystem:FileSystem": "holds the system's files (a new file system starts empty)",
  "aws:backup/vault:Vault": "holds the recovery points",
  "aws:kms/key:Key": "encrypts data at rest: what it encrypted is unreadable once it is deleted",
  "aws:secretsmanager/secret:Secret": "holds a secret value that a new secret starts without",
  "random:index/randomId:RandomId": "is a generated key: a new one changes the key every client holds",
  "random:index/randomBytes:RandomBytes": "is a generated key's draw: the secret version keeps the value it has (ignoreChanges), so a new draw changes the key only on a replaced version",
  "aws:ecr/repository:Repository": "holds the images the services run",
  "aws:s3/bucket:Bucket": "holds the load balancer's access logs",
  "aws:cloudwatch/logGroup:LogGroup": "holds the logs",
};

/** The replace-on-change fields among `changed` for a resource type (none when the type is not in the table). */
export function replacingFields(type: string, changed: readonly string[]): string[] {
  const known = REPLACE_ON_CHANGE[type]?.fields ?? [];
  return changed.filter((f) => known.includes(f));
}
