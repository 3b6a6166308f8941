/**
 * The roles the workflows assume, each trusting only GitHub's tokens of one subject (with the STS audience):
 * - preview (pull requests): read-only, and only the previewed environments' state and secrets keys;
 * - drift (the default branch): read-only, every stack's state, and the secret values of stack-generated secrets;
 * - deploy-<env> (GitHub environment <env>): PowerUserAccess, and of IAM exactly AWS's delegation pattern: roles and
 *   instance profiles under its stack's own path, each created and changed only with the stacks' permissions
 *   boundary, passed only to the services that run as them; its own stack's state and secrets key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { GENERATED_SECRET_TAG, STACK_BOUNDARY, stackIamPath } from "../components/shared/iam-scope";
import { DEPLOY_SESSION_SECONDS } from "../lib/deploy-budget";
import { DIAGNOSE_ACTIONS } from "../scripts/diagnose/actions";
import { BootstrapConfig } from "./config";
import { GITHUB_OIDC } from "./oidc";
import { StateBackend, stackStatePaths } from "./state";

/** The IAM path of the CI roles: deploy roles may manage the stacks' roles, never these. */
export const CI_ROLE_PATH = "/ai-platform-ci/";

/** The session of the preview and drift roles: a preview builds nothing and ends well inside an hour. */
export const CI_SESSION_SECONDS = 3600;


/** The only AWS managed policies the stacks attach to roles they create (AWS Backup's service role). */
export const STACK_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
];

/**
 * The services the stacks pass their roles to: ECS tasks, AWS Backup, the NAT instance, and the restore test's
 * Step Functions workflow and the EventBridge rule that starts it.
 */
export const PASSED_TO_SERVICES = ["ecs-tasks.amazonaws.com", "backup.amazonaws.com", "ec2.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"];

/** The service-linked roles the stacks' resources need the first time an account uses them. */
export const SERVICE_LINKED_ROLES = [
  "ecs.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "elasticfilesystem.amazonaws.com",
  "backup.amazonaws.com",
  "spot.amazonaws.com",
];

/** The policy statement of `npm run diagnose`: its read-only actions (scripts/diagnose/actions.ts), nothing else. */
const DIAGNOSE_STATEMENT = { Sid: "Diagnose", Effect: "Allow", Action: [...DIAGNOSE_ACTIONS], Resource: "*" };

export interface CiRolesArgs {
  cfg: BootstrapConfig;
  account: pulumi.Input<string>;
  providerArn: pulumi.Input<string>;
  state: StateBackend;
  boundaryArn: pulumi.Input<string>;
}

export interface CiRoles {
  preview: aws.iam.Role;
  drift: aws.iam.Role;
  deploy: Record<string, aws.iam.Role>;
}

/** A role only this repository's workflows may assume, with a token of the given subject. */
function githubRole(name: string, args: CiRolesArgs, subject: string, description: string, maxSessionDuration = CI_SESSION_SECONDS): aws.iam.Role {
  return new aws.iam.Role(name, {
    description,
    path: CI_ROLE_PATH,
    maxSessionDuration,
    assumeRolePolicy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: args.providerArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience,
              [`${GITHUB_OIDC.host}:sub`]: `repo:${args.cfg.githubRepository}:${subject}`,
            },
          },
        },
      ],
    }),
  });
}

const attach = (role: aws.iam.Role, name: string, policy: string) =>
  new aws.iam.RolePolicyAttachment(name, { role: role.name, policyArn: `arn:aws:iam::aws:policy/${policy}` });

const inline = (role: aws.iam.Role, name: string, statements: pulumi.Input<unknown>[]) =>
  new aws.iam.RolePolicy(name, { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) });

/**
 * Reading state objects through S3: the bucket's key decrypts them only on S3's behalf (kms:ViaService), never for a
 * caller handing it a ciphertext of its own.
 */
function readState(args: CiRolesArgs, objects: pulumi.Input<string>[]) {
  return [
    { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketVersioning"], Resource: args.state.bucket.arn },
    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: objects },
    {
      Sid: "BucketKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: args.state.bucketKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${args.cfg.region}.amazonaws.com` } },
    },
  ];
}

export function ciRoles(args: CiRolesArgs): CiRoles {
  const { cfg, state } = args;
  const allObjects = pulumi.interpolate`${state.bucket.arn}/*`;

  // A pull request's code runs with this role: it reads and decrypts only the previewed environments' stacks.
  // ReadOnlyAccess reads every bucket, so the other stacks' objects are denied outright.
  const preview = githubRole("preview", args, "pull_request", "ai-platform: pulumi preview of pull requests (read-only)");
  attach(preview, "preview-read-only", "ReadOnlyAccess");
  const hidden = cfg.environments.filter((e) => !cfg.previewEnvironments.includes(e));
  inline(preview, "preview-state", [
    ...readState(args, [pulumi.interpolate`${state.bucket.arn}/.pulumi/meta.yaml`, ...cfg.previewEnvironments.flatMap((e) => stackStatePaths(state.bucket.arn, e))]),
    { Sid: "DecryptPreviewedSecrets", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: cfg.previewEnvironments.map((e) => state.secretsKeys[e].arn) },
    ...(hidden.length ? [{ Sid: "NotOtherStacks", Effect: "Deny", Action: "s3:GetObject*", Resource: hidden.flatMap((e) => stackStatePaths(state.bucket.arn, e)) }] : []),
    { Sid: "NoSecretValues", Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: "*" },
  ]);
  inline(preview, "preview-diagnose", [DIAGNOSE_STATEMENT]);

  // Runs only the default branch's code: every stack's state, and of secret values only what a refresh reads.
  const drift = githubRole("drift", args, `ref:refs/heads/${cfg.defaultBranch}`, "ai-platform: nightly drift detection on the default branch (read-only)");
  attach(drift, "drift-read-only", "ReadOnlyAccess");
  inline(drift, "drift-state", [
    ...readState(args, [allObjects]),
    { Sid: "DecryptStackSecrets", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: Object.values(state.secretsKeys).map((k) => k.arn) },
  ]);
  // A refresh reads each aws.secretsmanager.SecretVersion of a stack: only the secrets a stack generated itself,
  // which it tags; never an operator's (they live outside the state) or anything else of the account.
  inline(drift, "drift-secrets", [
    {
      Sid: "RefreshGeneratedSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: pulumi.interpolate`arn:aws:secretsmanager:${cfg.region}:${args.account}:secret:*`,
      Condition: { StringEquals: { [`aws:ResourceTag/${GENERATED_SECRET_TAG}`]: cfg.environments } },
    },
  ]);
  inline(drift, "drift-diagnose", [DIAGNOSE_STATEMENT]);

  const deploy = Object.fromEntries(cfg.environments.map((env) => [env, deployRole(args, env)]));
  return { preview, drift, deploy };
}

/** The deploy role of one environment. */
function deployRole(args: CiRolesArgs, env: string): aws.iam.Role {
  const { state, account } = args;
  // A deploy session outlasts the worst good `up` (lib/deploy-budget.ts): expiring mid-up strands the state's lock.
  const role = githubRole(`deploy-${env}`, args, `environment:${env}`, `ai-platform: pulumi up of the ${env} stack`, DEPLOY_SESSION_SECONDS);
  attach(role, `deploy-${env}-power-user`, "PowerUserAccess");

  inline(role, `deploy-${env}-iam`, delegationStatements(args, env));

  // Every stack's state to read (prod reads staging's outputs to promote what it ran), its own to write; its own
  // secrets key to encrypt and decrypt. PowerUserAccess would allow the rest of S3, KMS and Secrets Manager too, so
  // another environment's state writes, secrets key and secrets are denied outright.
  const others = args.cfg.environments.filter((e) => e !== env);
  inline(role, `deploy-${env}-state`, [
    ...readState(args, [pulumi.interpolate`${state.bucket.arn}/*`]),
    { Sid: "WriteOwnStack", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: stackStatePaths(state.bucket.arn, env) },
    { Sid: "OwnSecretsKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: state.secretsKeys[env].arn },
    ...(others.length
      ? [
          { Sid: "NotOtherStacksState", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], Resource: others.flatMap((e) => stackStatePaths(state.bucket.arn, e)) },
          { Sid: "NotOtherSecretsKeys", Effect: "Deny", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant"], Resource: others.map((e) => state.secretsKeys[e].arn) },
          {
            Sid: "NotOtherOperatorSecrets",
            Effect: "Deny",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
            Resource: others.map((e) => pulumi.interpolate`arn:aws:secretsmanager:${args.cfg.region}:${account}:secret:ai-platform/${e}/*`),
          },
          {
            Sid: "NotOtherGeneratedSecrets",
            Effect: "Deny",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/${GENERATED_SECRET_TAG}`]: others } },
          },
        ]
      : []),
  ]);
  return role;
}

/**
 * Of IAM, a deploy role gets AWS's delegation pattern: roles and instance profiles under its stack's path, created
 * and given permissions only with the stacks' boundary, passed only to the services that run as them; no boundary
 * removed or replaced, the boundary policy and the CI roles never touched.
 */
function delegationStatements(args: CiRolesArgs, env: string): pulumi.Input<unknown>[] {
  const { account } = args;
  const path = stackIamPath(env);
  const roles = pulumi.interpolate`arn:aws:iam::${account}:role${path}*`;
  const profiles = pulumi.interpolate`arn:aws:iam::${account}:instance-profile${path}*`;
  const withBoundary = { StringEquals: { "iam:PermissionsBoundary": args.boundaryArn } };
  return [
    // Making a role, or giving it permissions, only under the stack's path and only with the boundary.
    {
      Sid: "CreateAndGrantWithBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
      Resource: roles,
      Condition: withBoundary,
    },
    {
      Sid: "AttachStackPoliciesWithBoundary",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: roles,
      Condition: { ...withBoundary, ArnEquals: { "iam:PolicyARN": STACK_MANAGED_POLICIES } },
    },
    {
      Sid: "ManageStackRoles",
      Effect: "Allow",
      Action: [
        "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
        "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
      ],
      Resource: roles,
    },
    {
      Sid: "StackInstanceProfiles",
      Effect: "Allow",
      Action: [
        "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
      ],
      Resource: profiles,
    },
    {
      Sid: "PassStackRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": PASSED_TO_SERVICES } },
    },
    { Sid: "ReadTheBoundary", Effect: "Allow", Action: ["iam:GetPolicy", "iam:GetPolicyVersion"], Resource: args.boundaryArn },
    {
      Sid: "ServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLES } },
    },
    // No role may lose its boundary or get another, and the boundary itself never changes from here.
    { Sid: "KeepTheBoundary", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"], Resource: "*" },
    {
      Sid: "NotTheBoundaryPolicy",
      Effect: "Deny",
      Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"],
      Resource: pulumi.interpolate`arn:aws:iam::${account}:policy${STACK_BOUNDARY.path}*`,
    },
    // The CI roles are bootstrap's: no deploy role changes its own permissions or another's trust.
    { Sid: "NotTheCiRoles", Effect: "Deny", Action: "iam:*", Resource: pulumi.interpolate`arn:aws:iam::${account}:role${CI_ROLE_PATH}*` },
  ];
}
