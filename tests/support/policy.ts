/**
 * Runs the policy pack's rules (policy/rules.ts) on resources the harness captured, shaped the way the
 * Pulumi analyzer hands them to @pulumi/policy: resource rules get each resource's inputs and options,
 * stack rules get every resource with its parent and dependencies as objects. Config works as
 * `--policy-pack-config` does: per policy name, over the defaults of the policy's config schema.
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { Captured } from "./harness";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

export interface Violation {
  policy: string;
  message: string;
  /** The resource reported against (stack rules may omit it). */
  urn?: string;
}

/** Per policy name, the config `--policy-pack-config` would pass. */
export type PolicyConfig = Record<string, Record<string, unknown>>;

class NotApplicable extends Error {}

function optionsOf(r: Captured): PolicyResourceOptions {
  return {
    protect: r.protect,
    ignoreChanges: r.ignoreChanges,
    deleteBeforeReplace: r.deleteBeforeReplace,
    aliases: r.aliases,
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parentUrn ? { parent: r.parentUrn } : {}),
  };
}

const isTypeOf = (type: string) => (resourceClass: unknown): boolean => (resourceClass as { __pulumiType?: string }).__pulumiType === type;

function configOf(rule: Rule, config: PolicyConfig): () => any {
  const schema: PolicyConfigSchema | undefined = rule.configSchema;
  const defaults = Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([k, v]) => [k, v.default]).filter(([, v]) => v !== undefined));
  return () => ({ ...defaults, ...(config[rule.name] ?? {}) });
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/**
 * The properties the analyzer hands a rule: the inputs the program sent over what the provider returned (a test
 * that breaks a resource edits its inputs).
 */
export const propsOf = (r: Captured): Record<string, any> => ({ ...r.state, ...r.inputs });

/** The stack as stack rules see it: one object per resource, parents and dependencies linked. */
export function stackResources(resources: Captured[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const r of resources) {
    byUrn.set(r.urn, {
      type: r.type,
      // A bridged provider's outputs carry the resource's `id`, and stack rules read it (AWSGuard's ACM check).
      props: r.custom && r.id ? { id: r.id, ...propsOf(r) } : propsOf(r),
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: isTypeOf(r.type),
      asType: () => undefined,
    });
  }
  for (const r of resources) {
    const resource = byUrn.get(r.urn)!;
    resource.parent = r.parentUrn ? byUrn.get(r.parentUrn) : undefined;
    resource.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
  }
  return [...byUrn.values()];
}

async function runRule(rule: Rule, resources: Captured[], config: PolicyConfig): Promise<Violation[]> {
  const violations: Violation[] = [];
  const getConfig = configOf(rule, config);
  const stackTags = new Map<string, string>();
  try {
    if ("validateStack" in rule) {
      await rule.validateStack({ resources: stackResources(resources), getConfig, stackTags, notApplicable }, (message, urn) =>
        violations.push({ policy: rule.name, message, ...(urn ? { urn } : {}) }),
      );
      return violations;
    }
    const validations = [rule.validateResource ?? []].flat();
    for (const r of resources.filter((x) => x.custom)) {
      const args: ResourceValidationArgs = {
        type: r.type,
        props: propsOf(r),
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        stackTags,
        isType: isTypeOf(r.type),
        asType: () => undefined,
        getConfig,
        notApplicable,
      };
      for (const validate of validations) {
        // The analyzer reports against the resource under validation, whatever urn the rule passes. A rule that
        // does not apply to this resource (a rule of another type calls notApplicable) still sees the next one.
        try {
          await validate(args, (message) => violations.push({ policy: rule.name, message, urn: r.urn }));
        } catch (err) {
          if (!(err instanceof NotApplicable)) throw err;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof NotApplicable)) throw err;
  }
  return violations;
}

/** Every violation the rules report for these resources. */
export async function runPolicies(rules: Rule[], resources: Captured[], config: PolicyConfig = {}): Promise<Violation[]> {
  const all = await Promise.all(rules.map((rule) => runRule(rule, resources, config)));
  return all.flat();
}

/** A deep copy of captured resources, to break one of them without touching the shared run. */
export function copyResources(resources: Captured[]): Captured[] {
  return structuredClone(resources);
}

/** The resource of a type and logical name in a copy; throws with the names that exist when absent. */
export function resourceIn(resources: Captured[], type: string, name: string): Captured {
  const r = resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have: ${resources.filter((x) => x.type === type).map((x) => x.name).join(", ") || "none"}`);
  return r;
}
