/**
 * The GitHub side of the delivery, as code (@pulumi/github): the repository's environments, each deployable from
 * the default branch only, the protected ones waiting for their reviewers, and the variables the workflows read.
 *
 * GitHub's OIDC subject of a job that names an environment is `repo:<owner>/<repo>:environment:<env>`, whatever
 * branch started it, so the deploy roles' trust alone would let any branch deploy; the environments' deployment
 * branch policy is what keeps every environment to the default branch. Needs a token with admin rights on the
 * repository in GITHUB_TOKEN when bootstrap runs (README, "Bootstrap an account").
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { BootstrapConfig } from "./config";

/** Repository variables the workflows read, by name, and each environment's deploy role. */
export interface WorkflowVariables {
  repository: Record<string, pulumi.Input<string>>;
  /** By environment: AWS_DEPLOY_ROLE_ARN. */
  deployRoleArns: Record<string, pulumi.Input<string>>;
}

/** A reviewer in config: a GitHub login, or `team:<slug>`, as GitHub's numeric id. */
function reviewerIds(reviewers: string[], opts: pulumi.InvokeOptions): { users: pulumi.Output<number>[]; teams: pulumi.Output<number>[] } {
  const id = (found: Promise<{ id: string }>) => pulumi.output(found).apply((f) => Number(f.id));
  return {
    users: reviewers.filter((r) => !r.startsWith("team:")).map((username) => id(github.getUser({ username }, opts))),
    teams: reviewers.filter((r) => r.startsWith("team:")).map((r) => id(github.getTeam({ slug: r.slice("team:".length), summaryOnly: true }, opts))),
  };
}

export function repositorySettings(cfg: BootstrapConfig, variables: WorkflowVariables): void {
  const [owner, repository] = cfg.githubRepository.split("/");
  const provider = new github.Provider("github", { owner });
  const opts = { provider };

  for (const env of cfg.environments) {
    const reviewers = cfg.environmentReviewers[env] ?? [];
    const environment = new github.RepositoryEnvironment(
      env,
      {
        repository,
        environment: env,
        // Only branches matching a policy below may deploy: the default branch.
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        reviewers: reviewers.length ? [reviewerIds(reviewers, opts)] : [],
        preventSelfReview: cfg.protectedEnvironments.includes(env),
        canAdminsBypass: false,
      },
      opts,
    );
    new github.RepositoryEnvironmentDeploymentPolicy(env, { repository, environment: environment.environment, branchPattern: cfg.defaultBranch }, opts);
    new github.ActionsEnvironmentVariable(
      `${env}-AWS_DEPLOY_ROLE_ARN`,
      { repository, environment: environment.environment, variableName: "AWS_DEPLOY_ROLE_ARN", value: variables.deployRoleArns[env] },
      opts,
    );
  }
  for (const [variableName, value] of Object.entries(variables.repository)) {
    new github.ActionsVariable(variableName, { repository, variableName, value }, opts);
  }
}
