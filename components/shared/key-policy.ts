/**
 * The statement every key policy of the stack starts with: the account administers the key, as AWS's default key
 * policy does. It delegates the key to IAM (the deployer's policies decide who may manage it) and keeps KMS from
 * refusing the policy as one that would lock the account out.
 */
import * as pulumi from "@pulumi/pulumi";

export function accountAdministersKey(accountId: pulumi.Input<string>): Record<string, unknown> {
  return {
    Sid: "AccountAdministers",
    Effect: "Allow",
    Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
    Action: "kms:*",
    Resource: "*",
  };
}
