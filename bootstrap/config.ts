/**
 * bootstrap/'s config: every key read once and validated before any resource, each problem naming its key.
 */
import * as pulumi from "@pulumi/pulumi";

export interface BootstrapConfig {
  region: string;
  /** owner/name */
  githubRepository: string;
  defaultBranch: string;
  /** GitHub environments, one deploy role and one secrets key each (one per stack deployed from this account). */
  environments: string[];
  /** Environments whose stacks a pull request's preview may read and decrypt; the others get the offline plan. */
  previewEnvironments: string[];
  /** Reviewers a deployment to each environment waits for: GitHub logins, or `team:<slug>`. */
  environmentReviewers: Record<string, string[]>;
  /** Environments that may not deploy without a reviewer's approval. */
  protectedEnvironments: string[];
  stateNoncurrentVersionDays: number;
}

/** Raised for bad config: every problem, naming its key, without a stack trace. */
export class BootstrapConfigError extends pulumi.RunError {}

/** GitHub allows up to 6 required reviewers per environment (users and teams each). */
export const MAX_REVIEWERS = 6;

const NAME = /^[A-Za-z0-9_.-]+$/;

export function readBootstrapConfig(): BootstrapConfig {
  const cfg = new pulumi.Config();
  const key = (k: string) => `${pulumi.getProject()}:${k}`;
  const problems: string[] = [];
  const region = new pulumi.Config("aws").get("region") ?? "";
  if (!region) problems.push("aws:region: is not set; run `pulumi config set aws:region <region of the stacks>`");
  const githubRepository = cfg.get("githubRepository") ?? "";
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(githubRepository)) {
    problems.push(`${key("githubRepository")}: "${githubRepository}" is not owner/name; run \`pulumi config set githubRepository <owner>/<repo>\``);
  }
  const defaultBranch = cfg.get("defaultBranch") ?? "main";
  const environments = cfg.getObject<string[]>("environments") ?? ["staging", "prod"];
  if (!environments.length || environments.some((e) => !NAME.test(e))) {
    problems.push(`${key("environments")}: ${JSON.stringify(environments)} must list GitHub environment names such as staging`);
  }
  const previewEnvironments = cfg.getObject<string[]>("previewEnvironments") ?? ["staging"];
  for (const e of previewEnvironments.filter((p) => !environments.includes(p))) {
    problems.push(`${key("previewEnvironments")}: ${e} is not one of environments (${environments.join(", ")})`);
  }
  const protectedEnvironments = cfg.getObject<string[]>("protectedEnvironments") ?? environments.filter((e) => e === "prod");
  for (const e of protectedEnvironments.filter((p) => previewEnvironments.includes(p))) {
    problems.push(`${key("protectedEnvironments")}: ${e} is also in previewEnvironments, where pull requests could read its state; remove it from one`);
  }
  const environmentReviewers = cfg.getObject<Record<string, string[]>>("environmentReviewers") ?? {};
  for (const e of protectedEnvironments) {
    const reviewers = environmentReviewers[e] ?? [];
    if (!reviewers.length) {
      problems.push(`${key("environmentReviewers")}: ${e} is protected and has no reviewer; run \`pulumi config set --path 'environmentReviewers.${e}[0]' <login or team:slug>\``);
    }
  }
  for (const [e, reviewers] of Object.entries(environmentReviewers)) {
    if (!environments.includes(e)) problems.push(`${key("environmentReviewers")}: ${e} is not one of environments (${environments.join(", ")})`);
    for (const kind of ["user", "team"] as const) {
      const count = reviewers.filter((r) => r.startsWith("team:") === (kind === "team")).length;
      if (count > MAX_REVIEWERS) problems.push(`${key("environmentReviewers")}: ${e} has ${count} ${kind}s; GitHub allows ${MAX_REVIEWERS}`);
    }
  }
  const stateNoncurrentVersionDays = cfg.getNumber("stateNoncurrentVersionDays") ?? 90;
  if (!Number.isInteger(stateNoncurrentVersionDays) || stateNoncurrentVersionDays < 1 || stateNoncurrentVersionDays > 3650) {
    problems.push(`${key("stateNoncurrentVersionDays")}: ${stateNoncurrentVersionDays} is out of range; use 1 to 3650 days`);
  }
  if (problems.length) throw new BootstrapConfigError(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return { region, githubRepository, defaultBranch, environments, previewEnvironments, environmentReviewers, protectedEnvironments, stateNoncurrentVersionDays };
}
