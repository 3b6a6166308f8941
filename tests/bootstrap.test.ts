/**
 * bootstrap/ under Pulumi's mocks: the state bucket and key, GitHub's OIDC provider looked up before it is made,
 * the roles and their trust conditions per role, and outputs that are exactly what the workflows read.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_SESSION_SECONDS } from "../lib/deploy-budget";
import { BootstrapOutputs, CI_ROLE_PATH, CI_SESSION_SECONDS, GITHUB_OIDC, OWNER_TAG, SECRETS_KEY_ALIAS, bootstrap, readBootstrapConfig } from "../bootstrap/bootstrap";
import { DIAGNOSE_ACTIONS } from "../scripts/diagnose/actions";
import { ROOT } from "./support/harness";

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
};

const value = <T>(o: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
const resolveAll = async (o: BootstrapOutputs): Promise<Record<string, unknown>> => ({
  AWS_REGION: o.AWS_REGION,
  PULUMI_BACKEND_URL: await value(o.PULUMI_BACKEND_URL),
  PULUMI_SECRETS_PROVIDER: o.PULUMI_SECRETS_PROVIDER,
  AWS_PREVIEW_ROLE_ARN: await value(o.AWS_PREVIEW_ROLE_ARN),
  AWS_DRIFT_ROLE_ARN: await value(o.AWS_DRIFT_ROLE_ARN),
  AWS_DEPLOY_ROLE_ARN: Object.fromEntries(await Promise.all(Object.entries(o.AWS_DEPLOY_ROLE_ARN).map(async ([k, v]) => [k, await value(v)]))),
});

/** Runs the bootstrap program under mocks; `oidc` says whether the account already has GitHub's provider. */
async function runBootstrap(oidc: "exists" | "ours" | "missing" | "denied", config: Record<string, string> = CONFIG) {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = `${args.name}-id`;
        const arn = args.type === "aws:iam/role:Role" ? `arn:aws:iam::123456789012:role/${args.name}` : `arn:aws:mock::123456789012:${args.name}`;
        const state = { ...args.inputs, arn, ...(args.type === "aws:s3/bucket:Bucket" ? { bucket: `${args.name}-bucket` } : {}), ...(args.type === "aws:kms/key:Key" ? { keyId: "key-id" } : {}) };
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

  it("lets a deploy role pass roles only to ECS tasks and AWS Backup, attach only AWS Backup's policies, and never touch a CI role", () => {
    const iam = JSON.parse(run.get("aws:iam/rolePolicy:RolePolicy", "deploy-prod-iam").inputs.policy).Statement;
    expect(iam.find((s: any) => s.Action === "iam:PassRole").Condition).toEqual({ StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "backup.amazonaws.com"] } });
    const attach = iam.find((s: any) => s.Action === "iam:AttachRolePolicy");
    expect(attach.Condition.ArnEquals["iam:PolicyARN"].every((a: string) => a.includes("AWSBackupServiceRolePolicyFor"))).toBe(true);
    expect(iam.filter((s: any) => s.Action !== "iam:AttachRolePolicy").flatMap((s: any) => [s.Action].flat())).not.toContain("iam:AttachRolePolicy");
    expect(iam).toContainEqual({ Sid: "NotTheCiRoles", Effect: "Deny", Action: "iam:*", Resource: `arn:aws:iam::123456789012:role${CI_ROLE_PATH}*` });
    for (const role of ["preview", "drift", "deploy-staging", "deploy-prod"]) expect(run.get("aws:iam/role:Role", role).inputs.path).toBe(CI_ROLE_PATH);
  });

  it("gives a deploy role a session that outlasts the worst good up (lib/deploy-budget.ts); preview and drift keep an hour", () => {
    for (const env of ["staging", "prod"]) expect(run.get("aws:iam/role:Role", `deploy-${env}`).inputs.maxSessionDuration).toBe(DEPLOY_SESSION_SECONDS);
    for (const role of ["preview", "drift"]) expect(run.get("aws:iam/role:Role", role).inputs.maxSessionDuration).toBe(CI_SESSION_SECONDS);
  });

  it("lets a deploy role write only its own environment's stack in the state", () => {
    const statements = JSON.parse(run.get("aws:iam/rolePolicy:RolePolicy", "deploy-staging-state").inputs.policy).Statement;
    const write = statements.find((s: any) => s.Sid === "WriteOwnStack");
    expect(write.Resource).toEqual(["arn:aws:mock::123456789012:state/.pulumi/*/staging.json*", "arn:aws:mock::123456789012:state/.pulumi/*/staging/*"]);
    const prodWrite = JSON.parse(run.get("aws:iam/rolePolicy:RolePolicy", "deploy-prod-state").inputs.policy).Statement.find((s: any) => s.Sid === "WriteOwnStack");
    expect(prodWrite.Resource.every((r: string) => r.includes("/prod"))).toBe(true);
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

  it("lets the drift role read secret values, which a refresh of the stacks' secret versions does", () => {
    const statements = JSON.parse(run.get("aws:iam/rolePolicy:RolePolicy", "drift-secrets").inputs.policy).Statement;
    expect(statements).toEqual([expect.objectContaining({ Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*" })]);
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
    expect(trustOf(fresh, "preview")[0].Principal).toEqual({ Federated: "arn:aws:mock::123456789012:github" });
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
      applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:mock::123456789012:state" },
      bucketKeyEnabled: true,
    });
    expect(run.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state").inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(run.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "state").inputs.rules[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 45 });
    const policy = JSON.parse(run.get("aws:s3/bucketPolicy:BucketPolicy", "state").inputs.policy).Statement;
    expect(policy).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    expect(run.get("aws:kms/key:Key", "state").inputs.enableKeyRotation).toBe(true);
    expect(run.get("aws:kms/alias:Alias", "state").inputs.name).toBe(SECRETS_KEY_ALIAS);
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

  it("are exactly what the workflows read, plus the secrets provider the stacks are created with", () => {
    expect(Object.keys(run.outputs).filter((k) => k !== "PULUMI_SECRETS_PROVIDER").sort()).toEqual(workflowVars());
    expect(run.outputs).toMatchObject({
      AWS_REGION: "eu-west-1",
      PULUMI_BACKEND_URL: "s3://state-bucket",
      PULUMI_SECRETS_PROVIDER: "awskms://alias/ai-platform-state?region=eu-west-1",
      AWS_DEPLOY_ROLE_ARN: { staging: "arn:aws:iam::123456789012:role/deploy-staging", prod: "arn:aws:iam::123456789012:role/deploy-prod" },
    });
  });

  it.each(["staging", "prod"])("match Pulumi.%s.yaml's secrets provider, so no workflow needs a passphrase", (stack) => {
    const file = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { secretsprovider?: string; config: Record<string, string> };
    expect(file.secretsprovider).toBe(`awskms://${SECRETS_KEY_ALIAS}?region=${file.config["aws:region"]}`);
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
