/**
 * What the provider and ECS make of a change to an ECS service, ported from terraform-provider-aws
 * `internal/service/ecs/service.go` (the schema's ForceNew attributes and `capacityProviderStrategyCustomizeDiff`)
 * and ECS's UpdateService rules, for the attributes this program sets.
 *
 * - `launch_type` is ForceNew and Optional+Computed: leaving it out keeps what the state holds (no change), setting
 *   it to another value replaces the service.
 * - A changed `capacity_provider_strategy` on an existing service is refused at plan time unless
 *   `force_new_deployment` is true ("force_new_deployment should be true when capacity_provider_strategy is being
 *   updated").
 * - ECS moves a service from a launch type to a capacity provider strategy, or between strategies, only with a
 *   forced new deployment, and never from a strategy back to a launch type ("When switching from launch type to
 *   capacity provider strategy on an existing service, or making a change to a capacity provider strategy on a
 *   service that is already using one, you must force a new deployment").
 */
export type ServiceChange = { kind: "update" } | { kind: "replace"; because: string[] } | { kind: "refused"; because: string };

/** ForceNew attributes of the service, by input name. */
const FORCE_NEW = ["name", "cluster", "iamRole", "schedulingStrategy"] as const;

const strategyKey = (s: any[] | undefined): string =>
  JSON.stringify((s ?? []).map((x) => [x.capacityProvider, x.weight ?? 0, x.base ?? 0]).sort());

/** The outcome of going from the service's state (`before`, as registered) to new inputs (`after`). */
export function planServiceChange(before: Record<string, any>, after: Record<string, any>): ServiceChange {
  const replaced: string[] = FORCE_NEW.filter((k) => after[k] !== undefined && JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  // Optional+Computed: absent in the new inputs means "keep the state's value".
  if (after.launchType !== undefined && after.launchType !== before.launchType) replaced.push("launchType");
  if (replaced.length) return { kind: "replace", because: replaced };

  const strategyChanged = strategyKey(before.capacityProviderStrategies) !== strategyKey(after.capacityProviderStrategies);
  if (strategyChanged && !after.forceNewDeployment) {
    return { kind: "refused", because: "force_new_deployment should be true when capacity_provider_strategy is being updated" };
  }
  const toLaunchType = (before.capacityProviderStrategies ?? []).length > 0 && (after.capacityProviderStrategies ?? []).length === 0;
  if (toLaunchType) return { kind: "refused", because: "ECS cannot move a service from a capacity provider strategy back to a launch type" };
  return { kind: "update" };
}
