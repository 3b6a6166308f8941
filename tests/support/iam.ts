/**
 * IAM decisions by an IAM simulator (@cloud-copilot/iam-simulate: identity policies, permissions boundaries, every
 * condition operator), over the policies a role actually has in the captured graph plus the AWS managed policies it
 * attaches. The managed policies are their documents as AWS publishes them (AWS Managed Policy Reference Guide); for
 * ReadOnlyAccess, whose document lists hundreds of services, the statements that touch what these tests ask about.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

export type PolicyDocument = { Version: string; Statement: unknown[] };

/** AWS managed policies by name, as their documents read (the parts these tests touch, for ReadOnlyAccess). */
export const MANAGED_POLICIES: Record<string, PolicyDocument> = {
  // PowerUserAccess (version 5): everything but IAM, Organizations and Account, and a few of their reads.
  PowerUserAccess: {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
      {
        Effect: "Allow",
        Action: [
          "account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions", "iam:CreateServiceLinkedRole",
          "iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization",
        ],
        Resource: "*",
      },
    ],
  },
  // ReadOnlyAccess: its S3, KMS, Secrets Manager and IAM reads (it grants no GetSecretValue and no kms:Decrypt).
  ReadOnlyAccess: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "s3:Get*", "s3:List*", "kms:Describe*", "kms:Get*", "kms:List*", "secretsmanager:Describe*", "secretsmanager:GetResourcePolicy",
          "secretsmanager:List*", "iam:Get*", "iam:List*",
        ],
        Resource: "*",
      },
    ],
  },
};

export interface Principal {
  arn: string;
  /** Identity policies: inline and attached. */
  policies: PolicyDocument[];
  /** A permissions boundary, for a role that has one. */
  boundary?: PolicyDocument;
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** What IAM decides for a principal's request; throws on a request the simulator finds malformed. */
export async function decide(
  who: Principal,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
  /** The resource's own policy, for a service that always reads one (a KMS key's key policy). */
  resourcePolicy?: PolicyDocument,
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: { principal: who.arn, action, resource: { resource, accountId: "123456789012" }, contextVariables: context },
      identityPolicies: who.policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      permissionBoundaryPolicies: who.boundary ? [{ name: "boundary", policy: who.boundary }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (result.resultType === "error") throw new Error(`simulation of ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}
