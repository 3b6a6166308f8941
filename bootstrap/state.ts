/**
 * The stacks' state: an S3 bucket (versioned, SSE-KMS, TLS only, private, old versions expired, never deleted) on a
 * key of its own, and one secrets key per environment for its stack's `awskms://` secrets provider, so that whoever
 * may decrypt one environment's secrets (a pull request's preview: staging) cannot decrypt another's (prod).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { denyInsecureTransport } from "../components/shared/bucket-policy";
import { accountAdministersKey } from "../components/shared/key-policy";

/** The alias of the state bucket's key (also the secrets provider of stacks made before the per-environment keys). */
export const SECRETS_KEY_ALIAS = "alias/ai-platform-state";

/** The alias of an environment's secrets key: its stack's `secretsprovider: awskms://alias/ai-platform-<env>?region=`. */
export const secretsKeyAlias = (env: string): string => `alias/ai-platform-${env}`;

export interface StateBackend {
  bucket: aws.s3.Bucket;
  /** Encrypts the bucket's objects; readers use it only through S3. */
  bucketKey: aws.kms.Key;
  /** Each environment's secrets key, by environment. */
  secretsKeys: Record<string, aws.kms.Key>;
}

/** Losing a key loses what it encrypted: never deleted by this program. */
const KEPT = { protect: true, retainOnDelete: true };

function key(name: string, alias: string, description: string, account: pulumi.Input<string>): aws.kms.Key {
  const k = new aws.kms.Key(
    name,
    {
      description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [accountAdministersKey(account)] }),
    },
    KEPT,
  );
  new aws.kms.Alias(name, { name: alias, targetKeyId: k.keyId });
  return k;
}

export function stateBackend(environments: string[], noncurrentVersionDays: number, account: pulumi.Input<string>): StateBackend {
  const bucketKey = key("state", SECRETS_KEY_ALIAS, "ai-platform: the state bucket's objects (and the secrets of stacks made before per-environment keys)", account);
  const secretsKeys = Object.fromEntries(
    environments.map((env) => [env, key(`secrets-${env}`, secretsKeyAlias(env), `ai-platform: the ${env} stack's secrets (awskms:// secrets provider)`, account)]),
  );

  const bucket = new aws.s3.Bucket("state", { forceDestroy: false }, KEPT);
  new aws.s3.BucketVersioning("state", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  new aws.s3.BucketServerSideEncryptionConfiguration("state", {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: bucketKey.arn }, bucketKeyEnabled: true }],
  });
  new aws.s3.BucketPublicAccessBlock("state", { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  new aws.s3.BucketOwnershipControls("state", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  new aws.s3.BucketLifecycleConfiguration("state", {
    bucket: bucket.id,
    rules: [
      {
        id: "expire-old-state-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ],
  });
  new aws.s3.BucketPolicy("state", {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucket.arn)] }),
  });
  return { bucket, bucketKey, secretsKeys };
}

/**
 * The S3 backend's object paths of one stack (its checkpoint, locks, history and backups all end in the stack's
 * name), under `.pulumi/`.
 */
export function stackStatePaths(bucketArn: pulumi.Input<string>, stack: string): pulumi.Output<string>[] {
  return [pulumi.interpolate`${bucketArn}/.pulumi/*/${stack}.json*`, pulumi.interpolate`${bucketArn}/.pulumi/*/${stack}/*`];
}
