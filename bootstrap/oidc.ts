/**
 * GitHub's OIDC identity provider of this account: the account's existing one when there is one (IAM allows one
 * per URL), else a new one tagged as this stack's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** GitHub Actions' OIDC issuer, and the audience aws-actions/configure-aws-credentials asks tokens for. */
export const GITHUB_OIDC = { url: "https://token.actions.githubusercontent.com", host: "token.actions.githubusercontent.com", audience: "sts.amazonaws.com" } as const;

/** The tag this program puts on the OIDC provider it creates, so that a later run knows the provider is its own. */
export const OWNER_TAG = "ai-platform-bootstrap";

/** `<project>/<stack>`: which bootstrap stack owns a resource. */
const ownerTagValue = (): string => `${pulumi.getProject()}/${pulumi.getStack()}`;

/**
 * GitHub's OIDC provider of this account, if it has one, and whether this stack made it. Creating a second fails
 * with EntityAlreadyExists: look it up first. The provider this stack created carries its tag, and stays declared
 * (a lookup that found it and dropped the resource would delete it on the next run). Only "does not exist" means
 * "create it"; any other failure stops.
 */
export async function existingOidcProvider(): Promise<{ arn: string; ours: boolean } | undefined> {
  try {
    const found = await aws.iam.getOpenIdConnectProvider({ url: GITHUB_OIDC.url });
    return { arn: found.arn, ours: found.tags?.[OWNER_TAG] === ownerTagValue() };
  } catch (e) {
    // The provider words "none" several ways across versions; anything else (no permission, throttling) is real.
    if (/NoSuchEntity|not found|no matching|couldn't find|empty result/i.test(String(e))) return undefined;
    throw e;
  }
}

/** The ARN of GitHub's provider in this account: the existing one, or the one this stack makes (or made). */
export async function githubOidcProvider(): Promise<pulumi.Output<string>> {
  const existing = await existingOidcProvider();
  if (existing && !existing.ours) return pulumi.output(existing.arn);
  return new aws.iam.OpenIdConnectProvider("github", { url: GITHUB_OIDC.url, clientIdLists: [GITHUB_OIDC.audience], tags: { [OWNER_TAG]: ownerTagValue() } }).arn;
}
