/**
 * The statement every bucket policy of ours ends with: nothing over plain HTTP, for anyone (S3 otherwise accepts
 * unencrypted requests). Used by the ALB's log buckets and by bootstrap's state bucket.
 */
import * as pulumi from "@pulumi/pulumi";

export function denyInsecureTransport(bucketArn: pulumi.Input<string>): Record<string, unknown> {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
