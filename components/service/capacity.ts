/**
 * Where a service's tasks run, as ECS capacity-provider strategies on the cluster's FARGATE and FARGATE_SPOT.
 *
 * Every service names a strategy, on demand included, and none names a launch type: ECS moves a service from a
 * launch type to a strategy, or from one strategy to another, in place with a forced new deployment, but never
 * from a strategy back to a launch type, and the provider replaces a service whose launch type changes. With a
 * strategy always, switching between on demand and Spot is an update in both directions.
 */
import { Capacity } from "../../config";

export interface CapacityProviderStrategy {
  capacityProvider: "FARGATE" | "FARGATE_SPOT";
  weight: number;
  base?: number;
}

/** The capacity providers every cluster offers its services. */
export const CLUSTER_CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;

/** What a service gets when it names no capacity. */
export const ON_DEMAND: Capacity = { mode: "onDemand", onDemandBase: 0, spotWeight: 1 };

export function capacityProviderStrategies(capacity: Capacity): CapacityProviderStrategy[] {
  switch (capacity.mode) {
    case "onDemand":
      return [{ capacityProvider: "FARGATE", weight: 1 }];
    case "spot":
      return [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
    case "mixed":
      return [
        { capacityProvider: "FARGATE", weight: 1, base: capacity.onDemandBase },
        { capacityProvider: "FARGATE_SPOT", weight: capacity.spotWeight },
      ];
  }
}

