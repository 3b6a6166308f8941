/**
 * Third-party keys (Gemini, Google AI, Supabase's JWT secret) live in Secrets Manager only. An operator puts each
 * value with `scripts/stack-secrets.sh <stack> <key>` (read from stdin, never an argument), which also creates the
 * secret under its fixed name the first time; a rotation may put the next one. The program never sees a value: it
 * finds each secret by name, checks that it has a current version, and hands the containers its ARN (`valueFrom`)
 * and the version's id (a new value rolls the services on the next `up`). So no key passes through Pulumi config,
 * the state, a preview or a CI log, and the committed stack files are all a workflow needs.
 *
 * The check runs before any resource is registered: a stack whose secret is missing or empty is refused at preview
 * with the command that fixes it, instead of starting tasks that cannot read their secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ConfigError } from "../../config";

/** A value a system needs that an operator keeps in Secrets Manager. */
export interface OperatorSecretSpec {
  /** Its key: the last part of its name and how the problems name it. @example "geminiApiKey" */
  key: string;
  /** What it is, for the problems and the docs. @example "Gemini API key of the MCP Gateway (GEMINI_API_KEY)" */
  description: string;
}

/** Such a secret as found in Secrets Manager. */
export interface OperatorSecretRef {
  key: string;
  /** Its name: `<project>/<stack>/<key>`. */
  name: string;
  arn: string;
  /** The id of the version labelled AWSCURRENT: changes with every value put. */
  versionId: string;
}

/** The fixed name of an operator secret in this stack: `<project>/<stack>/<key>`, as scripts/stack-secrets.sh makes it. */
export function operatorSecretName(key: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${key}`;
}

/** Where a secret's value is missing, and what to do about it. */
function problem(spec: OperatorSecretSpec, neededBy: string, name: string, what: string): string {
  return (
    `${pulumi.getProject()}:${spec.key}: ${spec.description}, needed by ${neededBy}, ${what} in Secrets Manager (${name}); ` +
    `put it with \`scripts/stack-secrets.sh ${pulumi.getStack()} ${spec.key}\` (the value is read from stdin)`
  );
}

/**
 * Finds every operator secret the enabled systems need (ListSecretVersionIds: metadata only, never a value) and
 * throws a ConfigError naming each one that does not exist or has no current value.
 */
export async function readOperatorSecrets(needs: { neededBy: string; spec: OperatorSecretSpec }[]): Promise<Record<string, OperatorSecretRef>> {
  const found: Record<string, OperatorSecretRef> = {};
  const problems: string[] = [];
  await Promise.all(
    needs.map(async ({ neededBy, spec }) => {
      const name = operatorSecretName(spec.key);
      let versions: aws.secretsmanager.GetSecretVersionsResult;
      try {
        versions = await aws.secretsmanager.getSecretVersions({ secretId: name });
      } catch {
        problems.push(problem(spec, neededBy, name, "does not exist"));
        return;
      }
      const current = versions.versions.find((v) => v.versionStages.includes("AWSCURRENT"));
      if (!current) {
        problems.push(problem(spec, neededBy, name, "has no value"));
        return;
      }
      found[spec.key] = { key: spec.key, name, arn: versions.secretArn || versions.arn, versionId: current.versionId };
    }),
  );
  if (problems.length) throw new ConfigError(problems.sort());
  return found;
}
