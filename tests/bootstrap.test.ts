/**
 * bootstrap/ under Pulumi's mocks: the state bucket and key, GitHub's OIDC provider looked up before it is made,
 * the roles and their trust conditions per role, and outputs that are exactly what the workflows read.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import "./support/quiet-pulumi";
import { DEPLOY_SESSION_SECONDS } from "../lib/deploy-budget";
import { BootstrapOutputs, CI_SESSION_SECONDS, GITHUB_OIDC, OWNER_TAG, SECRETS_KEY_ALIAS, bootstrap, readBootstrapConfig } from "../bootstrap/bootstrap";
import { DIAGNOSE_ACTIONS } from "../scripts/diagnose/actions";
import { documentedStackOutputs } from "./support/doc-commands";
import { ROOT } from "./support/harness";
import { MANAGED_POLICIES, Principal, decide } from "./support/iam";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  id: string;
}

const EXISTING_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const CONFIG = {
  "aws:region": "eu-west-1",
  "ai-platform-bootstrap:githubRepository": "tupl/ai-platform-infra",
  "ai-platform-bootstrap:environments": JSON.stringify(["staging", "prod"]),
  "ai-platform-bootstrap:stateNoncurrentVersionDays": "45",
  "ai-platform-bootstrap:environmentReviewers": JSON.stringify({ prod: ["octocat", "team:platform"] }),
};

const value = <T>(o: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
const resolveAll = async (o: BootstrapOutputs): Promise<Record<string, unknown>> => ({
  AWS_REGION: o.AWS_REGION,
  PULUMI_BACKEND_URL: await value(o.PULUMI_BACKEND_URL),
  PULUMI_SECRETS_PROVIDER: o.PULUMI_SECRETS_PROVIDER,
  IAM_PERMISSIONS_BOUNDARY: o.IAM_PERMISSIONS_BOUNDARY,
  AWS_PREVIEW_ROLE_ARN: await value(o.AWS_PREVIEW_ROLE_ARN),
  AWS_DRIFT_ROLE_ARN: await value(o.AWS_DRIFT_ROLE_ARN),
  AWS_DEPLOY_ROLE_ARN: Object.fromEntries(await Promise.all(Object.entries(o.AWS_DEPLOY_ROLE_ARN).map(async ([k, v]) => [k, await value(v)]))),
});

/** The ARN AWS gives a resource of this type (the IAM simulator checks each ARN against its action's resource types). */
function mockArn(type: string, name: string, inputs: Record<string, any>): string {
  switch (type) {
    case "aws:iam/role:Role":
      return `arn:aws:iam::123456789012:role${inputs.path ?? "/"}${name}`;
    case "aws:iam/policy:Policy":
      return `arn:aws:iam::123456789012:policy${inputs.path ?? "/"}${inputs.name ?? name}`;
    case "aws:kms/key:Key":
      return `arn:aws:kms:eu-west-1:123456789012:key/${name}-key-id`;
    case "aws:s3/bucket:Bucket":
      return `arn:aws:s3:::${name}-bucket`;
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return `arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`;
    default:
      return `arn:aws:mock::123456789012:${name}`;
  }
}

/** Runs the bootstrap program under mocks; `oidc` says whether the account already has GitHub's provider. */
async function runBootstrap(oidc: "exists" | "ours" | "missing" | "denied", config: Record<string, string> = CONFIG) {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = `${args.name}-id`;
        const state = { ...args.inputs, arn: mockArn(args.type, args.name, args.inputs), ...(args.type === "aws:s3/bucket:Bucket" ? { bucket: `${args.name}-bucket` } : {}), ...(args.type === "aws:kms/key:Key" ? { keyId: `${args.name}-key-id` } : {}) };
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, id });
        return { id, state };
      },
      call: (args) => {
        if (args.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider") {
          // As the engine hands a provider's error to the program: gRPC's `details`, which the SDK rethrows.
          if (oidc === "denied") {
            throw Object.assign(new Error("2 UNKNOWN"), { details: "reading IAM OIDC Provider: AccessDenied: not authorized to perform iam:ListOpenIDConnectProviders" });
          }
          if (oidc === "missing") {
            throw Object.assign(new Error("2 UNKNOWN"), {
              details: "invocation of aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider returned an error: reading IAM OIDC Provider: couldn't find resource",
            });
          }
          // "ours": the provider this stack created on an earlier run, with its owner tag.
          return { arn: EXISTING_PROVIDER, url: args.inputs.url, tags: oidc === "ours" ? { [OWNER_TAG]: "ai-platform-bootstrap/main" } : { team: "security" } };
        }
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "123456789012" };
        // GitHub's numeric ids of the reviewers named in config.
        if (args.token === "github:index/getUser:getUser") return { id: String(1000 + args.inputs.username.length), login: args.inputs.username };
        if (args.token === "github:index/getTeam:getTeam") return { id: String(5000 + args.inputs.slug.length), slug: args.inputs.slug };
        return args.inputs;
      },
    },
    "ai-platform-bootstrap",
    "main",
    false,
  );
  pulumi.runtime.setAllConfig(config);
  const outputs = await resolveAll(await bootstrap(readBootstrapConfig()));
  // Let the registrations the outputs did not wait for finish.
  await new Promise((r) => setTimeout(r, 50));
  const of = (type: string) => registered.filter((r) => r.type === type);
  const get = (type: string, name: string) => registered.find((r) => r.type === type && r.name === name)!;
  return { registered, outputs, of, get };
}

type Run = Awaited<ReturnType<typeof runBootstrap>>;
let run: Run;
beforeAll(async () => {
  run = await runBootstrap("exists");
});

const trustOf = (r: Run, role: string) => JSON.parse(r.get("aws:iam/role:Role", role).inputs.assumeRolePolicy).Statement;

describe("the roles", () => {
  it.each([
    ["preview", "repo:tupl/ai-platform-infra:pull_request"],
    ["drift", "repo:tupl/ai-platform-infra:ref:refs/heads/main"],
    ["deploy-staging", "repo:tupl/ai-platform-infra:environment:staging"],
    ["deploy-prod", "repo:tupl/ai-platform-infra:environment:prod"],
  ])("%s trusts only GitHub's tokens for %s, with the STS audience", (role, subject) => {
    expect(trustOf(run, role)).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: EXISTING_PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": subject } },
      },
    ]);
  });

  it("gives preview and drift read-only access and the state to read; deploys may write it and encrypt", () => {
    const attached = (role: string) => run.of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === run.get("aws:iam/role:Role", role).id || a.name.startsWith(`${role}-`)).map((a) => a.inputs.policyArn);
    expect(attached("preview")).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(attached("drift")).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(attached("deploy-prod")).toEqual(["arn:aws:iam::aws:policy/PowerUserAccess"]);
    const state = (role: string) => JSON.parse(run.get("aws:iam/rolePolicy:RolePolicy", `${role}-state`).inputs.policy).Statement;
    const actions = (role: string) => state(role).flatMap((s: any) => s.Action);
    for (const role of ["preview", "drift"]) {
      expect(actions(role)).not.toContain("s3:PutObject");
      expect(actions(role)).not.toContain("kms:Encrypt");
      expect(actions(role)).toContain("kms:Decrypt");
    }
    expect(actions("deploy-staging")).toEqual(expect.arrayContaining(["s3:PutObject", "kms:Encrypt", "kms:GenerateDataKey"]));
  });

  it("gives a deploy role a session that outlasts the worst good up (lib/deploy-budget.ts); preview and drift keep an hour", () => {
    for (const env of ["staging", "prod"]) expect(run.get("aws:iam/role:Role", `deploy-${env}`).inputs.maxSessionDuration).toBe(DEPLOY_SESSION_SECONDS);
    for (const role of ["preview", "drift"]) expect(run.get("aws:iam/role:Role", role).inputs.maxSessionDuration).toBe(CI_SESSION_SECONDS);
  });

  it.each(["preview", "drift"])("gives %s exactly the read-only actions of `npm run diagnose`, in a policy of its own", (role) => {
    const policy = run.get("aws:iam/rolePolicy:RolePolicy", `${role}-diagnose`);
    expect(policy.inputs.role).toBe(run.get("aws:iam/role:Role", role).id);
    expect(JSON.parse(policy.inputs.policy).Statement).toEqual([{ Sid: "Diagnose", Effect: "Allow", Action: [...DIAGNOSE_ACTIONS], Resource: "*" }]);
    for (const action of DIAGNOSE_ACTIONS) expect(action).toMatch(/^[a-z-]+:(Describe|List|Get)[A-Za-z]+$/);
  });

  it("gives the deploy roles no policy of the diagnosis: PowerUserAccess already reads all of it", () => {
    expect(run.of("aws:iam/rolePolicy:RolePolicy").map((p) => p.name).filter((n) => n.endsWith("-diagnose")).sort()).toEqual(["drift-diagnose", "preview-diagnose"]);
  });

});

describe("GitHub's OIDC provider", () => {
  it("reuses the account's provider when there is one: IAM allows one per URL", () => {
    expect(run.of("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toEqual([]);
  });

  it("creates it, for the STS audience, tagged as this stack's, when the account has none; the roles trust the new one", async () => {
    const fresh = await runBootstrap("missing");
    const [provider] = fresh.of("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    expect(provider.inputs).toMatchObject({ url: GITHUB_OIDC.url, clientIdLists: ["sts.amazonaws.com"], tags: { [OWNER_TAG]: "ai-platform-bootstrap/main" } });
    expect(trustOf(fresh, "preview")[0].Principal).toEqual({ Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" });
  });

  it("keeps declaring the provider it created on the next run, which finds it by its tag (never deletes it)", async () => {
    const next = await runBootstrap("ours");
    expect(next.of("aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((p) => p.name)).toEqual(["github"]);
  });
});

describe("a lookup that fails for another reason", () => {
  it("stops the program instead of creating a second provider", async () => {
    await expect(runBootstrap("denied")).rejects.toThrow(/AccessDenied/);
  });
});

describe("the state backend", () => {
  it("keeps the state in a versioned bucket, encrypted with the key, TLS only, never public, old versions expired, never deleted", () => {
    const bucket = run.get("aws:s3/bucket:Bucket", "state");
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(run.get("aws:s3/bucketVersioning:BucketVersioning", "state").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    expect(run.get("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "state").inputs.rules[0]).toEqual({
      applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/state-key-id" },
      bucketKeyEnabled: true,
    });
    expect(run.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state").inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(run.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "state").inputs.rules[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 45 });
    const policy = JSON.parse(run.get("aws:s3/bucketPolicy:BucketPolicy", "state").inputs.policy).Statement;
    expect(policy).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    expect(run.get("aws:kms/alias:Alias", "state").inputs.name).toBe(SECRETS_KEY_ALIAS);
    for (const env of ["staging", "prod"]) expect(run.get("aws:kms/alias:Alias", `secrets-${env}`).inputs.name).toBe(`alias/ai-platform-${env}`);
    for (const key of run.of("aws:kms/key:Key")) expect([key.name, key.inputs.enableKeyRotation]).toEqual([key.name, true]);
  });
});

describe("the outputs", () => {
  /** `vars.X` the workflows read that describe the account (the app repository's are the team's own choice). */
  const workflowVars = (): string[] => {
    const dir = path.join(ROOT, ".github", "workflows");
    const text = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
    // The app repository's and the plan's cost threshold are the operator's to set, not the account's.
    return [...new Set([...text.matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1]))].filter((v) => !v.startsWith("APP_") && v !== "PLAN_COST_THRESHOLD_PERCENT").sort();
  };

  it("hold every output a `pulumi stack output <name>` of the docs reads after `cd bootstrap`", () => {
    const read = documentedStackOutputs("bootstrap");
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter(({ name }) => !(name in run.outputs))).toEqual([]);
  });

  it("are what the workflows read, the secrets provider of each stack and the boundary's name", () => {
    expect(Object.keys(run.outputs).filter((k) => !["PULUMI_SECRETS_PROVIDER", "IAM_PERMISSIONS_BOUNDARY"].includes(k)).sort()).toEqual(workflowVars());
    expect(run.outputs).toMatchObject({
      AWS_REGION: "eu-west-1",
      PULUMI_BACKEND_URL: "s3://state-bucket",
      PULUMI_SECRETS_PROVIDER: { staging: "awskms://alias/ai-platform-staging?region=eu-west-1", prod: "awskms://alias/ai-platform-prod?region=eu-west-1" },
      AWS_DEPLOY_ROLE_ARN: { staging: "arn:aws:iam::123456789012:role/ai-platform-ci/deploy-staging", prod: "arn:aws:iam::123456789012:role/ai-platform-ci/deploy-prod" },
      IAM_PERMISSIONS_BOUNDARY: "ai-platform-stack-boundary",
    });
  });

  it.each(["staging", "prod"])("match Pulumi.%s.yaml's secrets provider and permissions boundary, so no workflow needs a passphrase", (stack) => {
    const file = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { secretsprovider?: string; config: Record<string, string> };
    expect(file.secretsprovider).toBe((run.outputs.PULUMI_SECRETS_PROVIDER as Record<string, string>)[stack]);
    expect(file.config["ai-platform:iamPermissionsBoundary"]).toBe(run.outputs.IAM_PERMISSIONS_BOUNDARY);
  });
});

describe("bad bootstrap config", () => {
  it("names the key and the fix", async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "ai-platform-bootstrap", "main", false);
    pulumi.runtime.setAllConfig({ ...CONFIG, "ai-platform-bootstrap:githubRepository": "just-a-name" });
    expect(() => readBootstrapConfig()).toThrow(
      'ai-platform-bootstrap:githubRepository: "just-a-name" is not owner/name; run `pulumi config set githubRepository <owner>/<repo>`',
    );
  });
});

/** A CI role as IAM sees it: its inline policies and the managed policies it attaches, from the graph. */
function principalOf(r: Run, role: string): Principal {
  const registered = r.get("aws:iam/role:Role", role);
  const arn = mockArn("aws:iam/role:Role", role, registered.inputs);
  const inlinePolicies = r.of("aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === registered.id).map((p) => JSON.parse(p.inputs.policy));
  const managed = r
    .of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    .filter((a) => a.name.startsWith(`${role}-`))
    .map((a) => MANAGED_POLICIES[a.inputs.policyArn.split("/").pop()!]);
  expect(managed.length).toBe(1);
  return { arn, policies: [...inlinePolicies, ...managed] };
}

const BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/ai-platform/ai-platform-stack-boundary";
const ACCOUNT_ARN = (service: string, rest: string) => `arn:aws:${service}::123456789012:${rest}`;
const role = (path: string) => ACCOUNT_ARN("iam", `role${path}`);
const state = (key: string) => `arn:aws:s3:::state-bucket/.pulumi/stacks/ai-platform/${key}`;
const secretsKey = (env: string) => `arn:aws:kms:eu-west-1:123456789012:key/secrets-${env}-key-id`;
const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

/** IAM's decision, with a KMS key's own key policy from the graph (KMS always reads it). */
async function decideFor(r: Run, who: Principal, action: string, resource: string, context: Record<string, string> = {}) {
  const key = r.of("aws:kms/key:Key").find((k) => mockArn(k.type, k.name, k.inputs) === resource);
  return decide(who, action, resource, context, key ? JSON.parse(key.inputs.policy) : undefined);
}

describe("what IAM lets a deploy role do (the IAM simulator on the roles' policies)", () => {
  let staging: Principal;
  beforeAll(() => {
    staging = principalOf(run, "deploy-staging");
  });

  it.each<[string, string, Record<string, string>, string]>([
    ["creates a role under its stack's path with the boundary", "iam:CreateRole", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/ai-platform/staging/gateway-task")],
    ["writes an inline policy on such a role, keeping the boundary", "iam:PutRolePolicy", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/ai-platform/staging/gateway-task")],
    ["changes such a role's trust", "iam:UpdateAssumeRolePolicy", {}, role("/ai-platform/staging/gateway-task")],
    ["passes such a role to ECS tasks", "iam:PassRole", { "iam:PassedToService": "ecs-tasks.amazonaws.com" }, role("/ai-platform/staging/gateway-task")],
    ["passes such a role to the NAT instance", "iam:PassRole", { "iam:PassedToService": "ec2.amazonaws.com" }, role("/ai-platform/staging/network-nat")],
    ["passes such a role to the restore test's workflow", "iam:PassRole", { "iam:PassedToService": "states.amazonaws.com" }, role("/ai-platform/staging/backup-restore-test-workflow")],
    ["attaches AWS Backup's policy to such a role with the boundary", "iam:AttachRolePolicy", { "iam:PermissionsBoundary": BOUNDARY_ARN, "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" }, role("/ai-platform/staging/backup")],
    ["makes an instance profile under its stack's path", "iam:CreateInstanceProfile", {}, ACCOUNT_ARN("iam", "instance-profile/ai-platform/staging/network-nat")],
    ["writes its own stack's state", "s3:PutObject", {}, state("staging.json")],
    ["decrypts with its own secrets key", "kms:Decrypt", {}, secretsKey("staging")],
    ["reads its own stack's operator secret", "secretsmanager:GetSecretValue", {}, secret("ai-platform/staging/geminiApiKey")],
  ])("may: %s", async (_, action, context, resource) => {
    expect(await decideFor(run, staging, action, resource, context)).toBe("Allowed");
  });

  it.each<[string, string, Record<string, string>, string]>([
    ["create a role without the boundary", "iam:CreateRole", {}, role("/ai-platform/staging/escalate")],
    ["create a role with another boundary", "iam:CreateRole", { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }, role("/ai-platform/staging/escalate")],
    ["create a role outside its stack's path", "iam:CreateRole", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/escalate")],
    ["create a role under the other stack's path", "iam:CreateRole", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/ai-platform/prod/escalate")],
    ["write an inline policy on another team's role", "iam:PutRolePolicy", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/team/app-role")],
    ["rewrite another team's role's trust", "iam:UpdateAssumeRolePolicy", {}, role("/team/app-role")],
    ["touch a CI role", "iam:PutRolePolicy", { "iam:PermissionsBoundary": BOUNDARY_ARN }, role("/ai-platform-ci/deploy-staging")],
    ["pass any other role", "iam:PassRole", { "iam:PassedToService": "ecs-tasks.amazonaws.com" }, role("/OrganizationAccountAccessRole")],
    ["pass its own role to a service the stacks do not use", "iam:PassRole", { "iam:PassedToService": "lambda.amazonaws.com" }, role("/ai-platform/staging/gateway-task")],
    ["attach AdministratorAccess to its own role", "iam:AttachRolePolicy", { "iam:PermissionsBoundary": BOUNDARY_ARN, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }, role("/ai-platform/staging/gateway-task")],
    ["remove a role's boundary", "iam:DeleteRolePermissionsBoundary", {}, role("/ai-platform/staging/gateway-task")],
    ["replace a role's boundary", "iam:PutRolePermissionsBoundary", { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }, role("/ai-platform/staging/gateway-task")],
    ["change the boundary itself", "iam:CreatePolicyVersion", {}, BOUNDARY_ARN],
    ["create a user", "iam:CreateUser", {}, ACCOUNT_ARN("iam", "user/escalate")],
    ["write the other stack's state", "s3:PutObject", {}, state("prod.json")],
    ["decrypt with the other stack's secrets key", "kms:Decrypt", {}, secretsKey("prod")],
    ["read the other stack's operator secret", "secretsmanager:GetSecretValue", {}, secret("ai-platform/prod/geminiApiKey")],
  ])("may not: %s", async (_, action, context, resource) => {
    expect(await decideFor(run, staging, action, resource, context)).not.toBe("Allowed");
  });

  it("may not read a secret the other stack generated", async () => {
    expect(await decideFor(run, staging, "secretsmanager:GetSecretValue", secret("gateway-admin-api-key-1a2b3c"), { "aws:ResourceTag/ai-platform:generated-for": "prod" })).toBe(
      "ExplicitlyDenied",
    );
  });
});

describe("what a role a deploy role creates can do, whatever policy it is given (the boundary)", () => {
  let created: Principal;
  beforeAll(() => {
    const boundary = JSON.parse(run.get("aws:iam/policy:Policy", "stack-boundary").inputs.policy);
    created = { arn: role("/ai-platform/staging/escalate"), policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }], boundary };
  });

  it.each([
    ["sts:AssumeRole", role("/OrganizationAccountAccessRole")],
    ["iam:CreateUser", ACCOUNT_ARN("iam", "user/escalate")],
    ["iam:AttachRolePolicy", role("/ai-platform/staging/escalate")],
    ["iam:PutRolePolicy", role("/ai-platform-ci/deploy-prod")],
    ["organizations:LeaveOrganization", "*"],
  ])("may not %s", async (action, resource) => {
    expect(await decide(created, action, resource)).not.toBe("Allowed");
  });

  it("passes only the stacks' own roles, and only to ECS tasks (the restore test's workflow starts a task)", async () => {
    expect(await decide(created, "iam:PassRole", role("/ai-platform/staging/backup-restore-test-task"), { "iam:PassedToService": "ecs-tasks.amazonaws.com" })).toBe("Allowed");
    expect(await decide(created, "iam:PassRole", role("/ai-platform/staging/backup-restore-test-task"), { "iam:PassedToService": "lambda.amazonaws.com" })).not.toBe("Allowed");
    expect(await decide(created, "iam:PassRole", role("/OrganizationAccountAccessRole"), { "iam:PassedToService": "ecs-tasks.amazonaws.com" })).not.toBe("Allowed");
  });

  it("still does what the stacks' roles do: read a secret, mount EFS, pull from ECR", async () => {
    expect(await decide(created, "secretsmanager:GetSecretValue", secret("ai-platform/staging/geminiApiKey"))).toBe("Allowed");
    expect(await decide(created, "elasticfilesystem:ClientWrite", "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0")).toBe("Allowed");
    expect(await decide(created, "ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/gateway")).toBe("Allowed");
  });

  it("is the boundary bootstrap protects, at the path and name the stacks name", () => {
    const policy = run.get("aws:iam/policy:Policy", "stack-boundary");
    expect(mockArn(policy.type, policy.name, policy.inputs)).toBe(BOUNDARY_ARN);
  });
});

describe("what a pull request's preview can read (the IAM simulator)", () => {
  let preview: Principal;
  beforeAll(() => {
    preview = principalOf(run, "preview");
  });

  it("reads and decrypts the previewed stack (staging)", async () => {
    expect(await decideFor(run, preview, "s3:GetObject", state("staging.json"))).toBe("Allowed");
    expect(await decideFor(run, preview, "kms:Decrypt", secretsKey("staging"))).toBe("Allowed");
  });

  it("reads nothing of prod: not its state, not its secrets key, no secret value at all", async () => {
    expect(await decideFor(run, preview, "s3:GetObject", state("prod.json"))).toBe("ExplicitlyDenied");
    expect(await decideFor(run, preview, "s3:GetObject", "arn:aws:s3:::state-bucket/.pulumi/history/ai-platform/prod/prod-1.checkpoint.json")).toBe("ExplicitlyDenied");
    expect(await decideFor(run, preview, "kms:Decrypt", secretsKey("prod"))).not.toBe("Allowed");
    expect(await decideFor(run, preview, "secretsmanager:GetSecretValue", secret("ai-platform/staging/geminiApiKey"))).toBe("ExplicitlyDenied");
  });

  it("uses the bucket's key only through S3", async () => {
    const bucketKey = "arn:aws:kms:eu-west-1:123456789012:key/state-key-id";
    expect(await decideFor(run, preview, "kms:Decrypt", bucketKey, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" })).toBe("Allowed");
    expect(await decideFor(run, preview, "kms:Decrypt", bucketKey)).not.toBe("Allowed");
  });
});

describe("what the drift role can read (the IAM simulator)", () => {
  let drift: Principal;
  beforeAll(() => {
    drift = principalOf(run, "drift");
  });

  it("reads the value of a secret a stack generated, which its refresh reads", async () => {
    expect(await decideFor(run, drift, "secretsmanager:GetSecretValue", secret("gateway-admin-api-key-1a2b3c"), { "aws:ResourceTag/ai-platform:generated-for": "prod" })).toBe("Allowed");
  });

  it("reads no operator's secret and no other secret of the account", async () => {
    expect(await decideFor(run, drift, "secretsmanager:GetSecretValue", secret("ai-platform/prod/geminiApiKey"))).not.toBe("Allowed");
    expect(await decideFor(run, drift, "secretsmanager:GetSecretValue", secret("payments/db-password"), { "aws:ResourceTag/team": "payments" })).not.toBe("Allowed");
  });

  it("decrypts every stack's secrets, and writes no state", async () => {
    for (const env of ["staging", "prod"]) expect(await decideFor(run, drift, "kms:Decrypt", secretsKey(env))).toBe("Allowed");
    expect(await decideFor(run, drift, "s3:PutObject", state("prod.json"))).not.toBe("Allowed");
  });
});

describe("the repository's side (@pulumi/github)", () => {
  it("deploys every environment from the default branch only", () => {
    const environments = run.of("github:index/repositoryEnvironment:RepositoryEnvironment");
    expect(environments.map((e) => e.inputs.environment).sort()).toEqual(["prod", "staging"]);
    for (const e of environments) {
      expect(e.inputs).toMatchObject({ repository: "ai-platform-infra", deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true }, canAdminsBypass: false });
    }
    const policies = run.of("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
    expect(policies.map((p) => [p.inputs.environment, p.inputs.branchPattern]).sort()).toEqual([["prod", "main"], ["staging", "main"]]);
  });

  it("makes prod wait for its reviewers, by GitHub's ids of the configured login and team", () => {
    const prod = run.of("github:index/repositoryEnvironment:RepositoryEnvironment").find((e) => e.inputs.environment === "prod")!;
    expect(prod.inputs.reviewers).toEqual([{ users: [1000 + "octocat".length], teams: [5000 + "platform".length] }]);
    expect(prod.inputs.preventSelfReview).toBe(true);
    const staging = run.of("github:index/repositoryEnvironment:RepositoryEnvironment").find((e) => e.inputs.environment === "staging")!;
    expect(staging.inputs.reviewers).toEqual([]);
  });

  it("sets exactly the variables the workflows read, each environment's deploy role on the environment", () => {
    const repoVars = run.of("github:index/actionsVariable:ActionsVariable").map((v) => v.inputs.variableName).sort();
    const envVars = run.of("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable").map((v) => `${v.inputs.environment}:${v.inputs.variableName}`).sort();
    const dir = path.join(ROOT, ".github", "workflows");
    const text = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
    const read = [...new Set([...text.matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1]))].filter((v) => !v.startsWith("APP_") && v !== "PLAN_COST_THRESHOLD_PERCENT");
    expect([...repoVars, "AWS_DEPLOY_ROLE_ARN"].sort()).toEqual(read.sort());
    expect(envVars).toEqual(["prod:AWS_DEPLOY_ROLE_ARN", "staging:AWS_DEPLOY_ROLE_ARN"]);
  });
});

describe("bad bootstrap config about environments", () => {
  const problemsFor = async (config: Record<string, string>) => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "ai-platform-bootstrap", "main", false);
    pulumi.runtime.setAllConfig({ ...CONFIG, ...config });
    try {
      readBootstrapConfig();
      return "";
    } catch (e) {
      return String((e as Error).message);
    }
  };

  it("refuses a protected environment without a reviewer", async () => {
    expect(await problemsFor({ "ai-platform-bootstrap:environmentReviewers": "{}" })).toContain(
      "ai-platform-bootstrap:environmentReviewers: prod is protected and has no reviewer; run `pulumi config set --path 'environmentReviewers.prod[0]' <login or team:slug>`",
    );
  });

  it("refuses previewing a protected environment", async () => {
    expect(await problemsFor({ "ai-platform-bootstrap:previewEnvironments": JSON.stringify(["staging", "prod"]) })).toContain(
      "ai-platform-bootstrap:protectedEnvironments: prod is also in previewEnvironments, where pull requests could read its state; remove it from one",
    );
  });
});
