/**
 * The account's foundation for the ai-platform stacks, as a table of contents:
 * - the state backend: a bucket on a key of its own, and one secrets key per environment (state.ts);
 * - GitHub's OIDC identity provider, the account's existing one when there is one (oidc.ts);
 * - the permissions boundary every role of the stacks carries (boundary.ts);
 * - the roles the workflows assume: preview, drift and one deploy role per environment (roles.ts);
 * - the repository's environments, deployment branches, reviewers and variables (repository.ts).
 *
 * Its outputs are the values the workflows read and the secrets provider of each stack (README "Bootstrap an
 * account"); repository.ts writes the same values into the repository's variables.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { STACK_BOUNDARY } from "../components/shared/iam-scope";
import { stackBoundary } from "./boundary";
import { BootstrapConfig } from "./config";
import { githubOidcProvider } from "./oidc";
import { repositorySettings } from "./repository";
import { ciRoles } from "./roles";
import { secretsKeyAlias, stateBackend } from "./state";

export type { BootstrapConfig } from "./config";
export { BootstrapConfigError, readBootstrapConfig } from "./config";
export { GITHUB_OIDC, OWNER_TAG, existingOidcProvider } from "./oidc";
export { CI_ROLE_PATH, CI_SESSION_SECONDS } from "./roles";
export { SECRETS_KEY_ALIAS, secretsKeyAlias } from "./state";

/** What the workflows read, by the name of the repository (or environment) variable that holds it. */
export interface BootstrapOutputs {
  AWS_REGION: string;
  PULUMI_BACKEND_URL: pulumi.Output<string>;
  AWS_PREVIEW_ROLE_ARN: pulumi.Output<string>;
  AWS_DRIFT_ROLE_ARN: pulumi.Output<string>;
  /** By GitHub environment: that environment's AWS_DEPLOY_ROLE_ARN. */
  AWS_DEPLOY_ROLE_ARN: Record<string, pulumi.Output<string>>;
  /** By stack: its `secretsprovider` (Pulumi.<stack>.yaml). */
  PULUMI_SECRETS_PROVIDER: Record<string, string>;
  /** The permissions boundary's name: every stack's `iamPermissionsBoundary`. */
  IAM_PERMISSIONS_BOUNDARY: string;
}

export async function bootstrap(cfg: BootstrapConfig): Promise<BootstrapOutputs> {
  const account = aws.getCallerIdentityOutput().accountId;
  const state = stateBackend(cfg.environments, cfg.stateNoncurrentVersionDays, account);
  const providerArn = await githubOidcProvider();
  const boundary = stackBoundary();
  const roles = ciRoles({ cfg, account, providerArn, state, boundaryArn: boundary.arn });

  const outputs: BootstrapOutputs = {
    AWS_REGION: cfg.region,
    PULUMI_BACKEND_URL: pulumi.interpolate`s3://${state.bucket.bucket}`,
    AWS_PREVIEW_ROLE_ARN: roles.preview.arn,
    AWS_DRIFT_ROLE_ARN: roles.drift.arn,
    AWS_DEPLOY_ROLE_ARN: Object.fromEntries(Object.entries(roles.deploy).map(([env, r]) => [env, r.arn])),
    PULUMI_SECRETS_PROVIDER: Object.fromEntries(cfg.environments.map((env) => [env, `awskms://${secretsKeyAlias(env)}?region=${cfg.region}`])),
    IAM_PERMISSIONS_BOUNDARY: STACK_BOUNDARY.name,
  };
  repositorySettings(cfg, {
    repository: {
      AWS_REGION: outputs.AWS_REGION,
      PULUMI_BACKEND_URL: outputs.PULUMI_BACKEND_URL,
      AWS_PREVIEW_ROLE_ARN: outputs.AWS_PREVIEW_ROLE_ARN,
      AWS_DRIFT_ROLE_ARN: outputs.AWS_DRIFT_ROLE_ARN,
    },
    deployRoleArns: outputs.AWS_DEPLOY_ROLE_ARN,
  });
  return outputs;
}
