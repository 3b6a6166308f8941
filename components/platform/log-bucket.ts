/**
 * A private bucket for delivered logs (the ALB's access logs, and S3's server access logs of that bucket).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { denyInsecureTransport } from "../shared/bucket-policy";

/**
 * A private bucket for delivered logs: public access blocked, owner-enforced objects, SSE-S3 (the only
 * encryption ALB and S3 log delivery write to), expiry after the log retention, TLS only, and the delivery
 * statements given.
 */
export function createLogBucket(
  owner: pulumi.Resource,
  name: string,
  args: { protectState: boolean; logRetentionDays: number },
  delivery: (arn: pulumi.Output<string>) => Record<string, unknown>[],
): { bucket: aws.s3.Bucket; policy: aws.s3.BucketPolicy } {
  const parent = { parent: owner };
  const bucket = new aws.s3.Bucket(name, { forceDestroy: !args.protectState }, { parent: owner, retainOnDelete: args.protectState });
  new aws.s3.BucketPublicAccessBlock(
    name,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    parent,
  );
  new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    parent,
  );
  new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: Math.max(args.logRetentionDays, 1) } }],
    },
    parent,
  );
  const policy = new aws.s3.BucketPolicy(
    name,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          ...delivery(bucket.arn),
          denyInsecureTransport(bucket.arn),
        ],
      }),
    },
    parent,
  );
  return { bucket, policy };
}
