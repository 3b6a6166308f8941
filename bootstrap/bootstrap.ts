/**
 * The account's foundation for the ai-platform stacks:
 * - the state bucket of the S3 backend: versioned, SSE-KMS, TLS only, public access blocked, old versions expired;
 * - the KMS key of the `awskms://` secrets provider (and the state bucket's encryption);
 * - GitHub's OIDC identity provider: the account's existing one when there is one (one per URL per account),
 *   else a new one;
 * - the roles the workflows assume: preview (pull requests), deploy (one per GitHub environment), drift (the
 *   default branch). Every trust policy checks the token's audience and its subject.
 *
 * Its outputs are exactly the values the workflows read (README "Bootstrap an account").
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { denyInsecureTransport } from "../components/bucket-policy";
import { accountAdministersKey } from "../components/key-policy";
import { DEPLOY_SESSION_SECONDS } from "../lib/deploy-budget";
import { DIAGNOSE_ACTIONS } from "../scripts/diagnose/actions";

/** GitHub Actions' OIDC issuer, and the audience aws-actions/configure-aws-credentials asks tokens for. */
export const GITHUB_OIDC = { url: "https://token.actions.githubusercontent.com", host: "token.actions.githubusercontent.com", audience: "sts.amazonaws.com" } as const;

/** The alias of the secrets key: the stacks' `secretsprovider: awskms://alias/ai-platform-state?region=<region>`. */
export const SECRETS_KEY_ALIAS = "alias/ai-platform-state";

export interface BootstrapConfig {
  region: string;
  /** owner/name */
  githubRepository: string;
  defaultBranch: string;
  environments: string[];
  stateNoncurrentVersionDays: number;
}

/** Raised for bad config: every problem, naming its key, without a stack trace. */
export class BootstrapConfigError extends pulumi.RunError {}

export function readBootstrapConfig(): BootstrapConfig {
  const cfg = new pulumi.Config();
  const problems: string[] = [];
  const region = new pulumi.Config("aws").get("region") ?? "";
  if (!region) problems.push("aws:region: is not set; run `pulumi config set aws:region <region of the stacks>`");
  const githubRepository = cfg.get("githubRepository") ?? "";
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(githubRepository)) {
    problems.push(`ai-platform-bootstrap:githubRepository: "${githubRepository}" is not owner/name; run \`pulumi config set githubRepository <owner>/<repo>\``);
  }
  const defaultBranch = cfg.get("defaultBranch") ?? "main";
  const environments = cfg.getObject<string[]>("environments") ?? ["staging", "prod"];
  if (!environments.length || environments.some((e) => !/^[A-Za-z0-9_.-]+$/.test(e))) {
    problems.push(`ai-platform-bootstrap:environments: ${JSON.stringify(environments)} must list GitHub environment names such as staging`);
  }
  const stateNoncurrentVersionDays = cfg.getNumber("stateNoncurrentVersionDays") ?? 90;
  if (!Number.isInteger(stateNoncurrentVersionDays) || stateNoncurrentVersionDays < 1 || stateNoncurrentVersionDays > 3650) {
    problems.push(`ai-platform-bootstrap:stateNoncurrentVersionDays: ${stateNoncurrentVersionDays} is out of range; use 1 to 3650 days`);
  }
  if (problems.length) throw new BootstrapConfigError(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return { region, githubRepository, defaultBranch, environments, stateNoncurrentVersionDays };
}

/** What the workflows read, by the name of the repository (or environment) variable that holds it. */
export interface BootstrapOutputs {
  AWS_REGION: string;
  PULUMI_BACKEND_URL: pulumi.Output<string>;
  PULUMI_SECRETS_PROVIDER: string;
  AWS_PREVIEW_ROLE_ARN: pulumi.Output<string>;
  AWS_DRIFT_ROLE_ARN: pulumi.Output<string>;
  /** By GitHub environment: set as that environment's AWS_DEPLOY_ROLE_ARN. */
  AWS_DEPLOY_ROLE_ARN: Record<string, pulumi.Output<string>>;
}

/** The tag this program puts on the OIDC provider it creates, so that a later run knows the provider is its own. */
export const OWNER_TAG = "ai-platform-bootstrap";

/**
 * GitHub's OIDC provider of this account, if it has one, and whether this stack made it. IAM allows one provider
 * per URL, so creating a second fails with EntityAlreadyExists: look it up first. The provider this stack created
 * carries its tag, and stays declared (a lookup that found it and dropped the resource would delete it on the next
 * run). Only "does not exist" means "create it"; any other failure stops.
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

/** `<project>/<stack>`: which bootstrap stack owns a resource. */
const ownerTagValue = (): string => `${pulumi.getProject()}/${pulumi.getStack()}`;

/** The IAM path of the CI roles: deploy roles may manage the stacks' roles, never these. */
export const CI_ROLE_PATH = "/ai-platform-ci/";

/** The session of the preview and drift roles: a preview builds nothing and ends well inside an hour. */
export const CI_SESSION_SECONDS = 3600;
/** The policy statement of `npm run diagnose`: its read-only actions (scripts/diagnose/actions.ts), nothing else. */
const DIAGNOSE_STATEMENT = { Sid: "Diagnose", Effect: "Allow", Action: [...DIAGNOSE_ACTIONS], Resource: "*" };

/** The only AWS managed policies the stacks attach to roles they create (AWS Backup's service role). */
const STACK_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
];

export async function bootstrap(cfg: BootstrapConfig): Promise<BootstrapOutputs> {
  const account = aws.getCallerIdentityOutput().accountId;

  const key = new aws.kms.Key(
    "state",
    {
      description: "ai-platform: the stacks' secrets (awskms:// secrets provider) and their state bucket",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [accountAdministersKey(account)],
      }),
    },
    // Losing it loses every stack secret and the state: never deleted by this program.
    { protect: true, retainOnDelete: true },
  );
  new aws.kms.Alias("state", { name: SECRETS_KEY_ALIAS, targetKeyId: key.keyId });

  const bucket = new aws.s3.Bucket("state", { forceDestroy: false }, { protect: true, retainOnDelete: true });
  new aws.s3.BucketVersioning("state", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  new aws.s3.BucketServerSideEncryptionConfiguration("state", {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
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
        noncurrentVersionExpiration: { noncurrentDays: cfg.stateNoncurrentVersionDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ],
  });
  new aws.s3.BucketPolicy("state", {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [denyInsecureTransport(bucket.arn)],
    }),
  });

  const existing = await existingOidcProvider();
  const providerArn =
    existing && !existing.ours
      ? pulumi.output(existing.arn)
      : new aws.iam.OpenIdConnectProvider("github", { url: GITHUB_OIDC.url, clientIdLists: [GITHUB_OIDC.audience], tags: { [OWNER_TAG]: ownerTagValue() } }).arn;

  /** A role only this repository's workflows may assume, with a token of the given subject. */
  const githubRole = (name: string, subject: string, description: string, maxSessionDuration = CI_SESSION_SECONDS) =>
    new aws.iam.Role(name, {
      description,
      path: CI_ROLE_PATH,
      maxSessionDuration,
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience,
                [`${GITHUB_OIDC.host}:sub`]: `repo:${cfg.githubRepository}:${subject}`,
              },
            },
          },
        ],
      }),
    });
  const attach = (role: aws.iam.Role, name: string, policy: string) =>
    new aws.iam.RolePolicyAttachment(name, { role: role.name, policyArn: `arn:aws:iam::aws:policy/${policy}` });
  /**
   * Reading the state, and for a deploy role writing its own environment's stack files only (the S3 backend keeps
   * each stack's state, locks, history and backups under paths that end in the stack's name), and the secrets key.
   */
  const stateAccess = (role: aws.iam.Role, name: string, write: false | { stack: string }) =>
    new aws.iam.RolePolicy(`${name}-state`, {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketVersioning"], Resource: bucket.arn },
          { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: pulumi.interpolate`${bucket.arn}/*` },
          ...(write
            ? [
                {
                  Sid: "WriteOwnStack",
                  Effect: "Allow",
                  Action: ["s3:PutObject", "s3:DeleteObject"],
                  Resource: [
                    pulumi.interpolate`${bucket.arn}/.pulumi/*/${write.stack}.json*`,
                    pulumi.interpolate`${bucket.arn}/.pulumi/*/${write.stack}/*`,
                  ],
                },
              ]
            : []),
          {
            Sid: write ? "EncryptAndDecrypt" : "Decrypt",
            Effect: "Allow",
            Action: write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"] : ["kms:Decrypt", "kms:DescribeKey"],
            Resource: key.arn,
          },
        ],
      }),
    });

  /**
   * Exactly the read-only calls of `npm run diagnose`, named rather than left to ReadOnlyAccess: the role keeps
   * them if the managed policy is ever narrowed, and a new call the diagnosis makes shows up here. Resource "*":
   * ListTasks, DescribeTaskDefinition, DescribeTargetHealth and DescribeScheduledActions take no resource ARN.
   */
  const diagnoseAccess = (role: aws.iam.Role, name: string) =>
    new aws.iam.RolePolicy(`${name}-diagnose`, {
      role: role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [DIAGNOSE_STATEMENT] }),
    });

  const preview = githubRole("preview", "pull_request", "ai-platform: pulumi preview of pull requests (read-only)");
  attach(preview, "preview-read-only", "ReadOnlyAccess");
  stateAccess(preview, "preview", false);
  diagnoseAccess(preview, "preview");

  const drift = githubRole("drift", `ref:refs/heads/${cfg.defaultBranch}`, "ai-platform: nightly drift detection on the default branch (read-only)");
  attach(drift, "drift-read-only", "ReadOnlyAccess");
  stateAccess(drift, "drift", false);
  diagnoseAccess(drift, "drift");
  // A refresh reads each aws.secretsmanager.SecretVersion's value (ReadOnlyAccess does not include that).
  new aws.iam.RolePolicy("drift-secrets", {
    role: drift.id,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "RefreshSecretVersions", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: pulumi.interpolate`arn:aws:secretsmanager:${cfg.region}:${account}:secret:*` },
      ],
    }),
  });

  const deploy: Record<string, pulumi.Output<string>> = {};
  for (const env of cfg.environments) {
    // A deploy session outlasts the worst good `up` (lib/deploy-budget.ts): expiring mid-up strands the state's lock.
    const role = githubRole(`deploy-${env}`, `environment:${env}`, `ai-platform: pulumi up of the ${env} stack`, DEPLOY_SESSION_SECONDS);
    // Everything but IAM, and of IAM what the stacks create: roles and their policies, passed only to the services
    // that run as them, and service-linked roles.
    attach(role, `deploy-${env}-power-user`, "PowerUserAccess");
    new aws.iam.RolePolicy(`deploy-${env}-iam`, {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "StackRoles",
            Effect: "Allow",
            Action: [
              "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
              "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
              "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
            ],
            Resource: pulumi.interpolate`arn:aws:iam::${account}:role/*`,
          },
          // Managed policies only the stacks' own: no AdministratorAccess on a role it makes.
          {
            Sid: "AttachStackPolicies",
            Effect: "Allow",
            Action: "iam:AttachRolePolicy",
            Resource: pulumi.interpolate`arn:aws:iam::${account}:role/*`,
            Condition: { ArnEquals: { "iam:PolicyARN": STACK_MANAGED_POLICIES } },
          },
          // The CI roles are bootstrap's: no deploy role changes its own permissions or another's trust.
          { Sid: "NotTheCiRoles", Effect: "Deny", Action: "iam:*", Resource: pulumi.interpolate`arn:aws:iam::${account}:role${CI_ROLE_PATH}*` },
          {
            Sid: "PassStackRoles",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: pulumi.interpolate`arn:aws:iam::${account}:role/*`,
            Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "backup.amazonaws.com"] } },
          },
          { Sid: "ServiceLinkedRoles", Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*" },
        ],
      }),
    });
    stateAccess(role, `deploy-${env}`, { stack: env });
    deploy[env] = role.arn;
  }

  return {
    AWS_REGION: cfg.region,
    PULUMI_BACKEND_URL: pulumi.interpolate`s3://${bucket.bucket}`,
    PULUMI_SECRETS_PROVIDER: `awskms://${SECRETS_KEY_ALIAS}?region=${cfg.region}`,
    AWS_PREVIEW_ROLE_ARN: preview.arn,
    AWS_DRIFT_ROLE_ARN: drift.arn,
    AWS_DEPLOY_ROLE_ARN: deploy,
  };
}
