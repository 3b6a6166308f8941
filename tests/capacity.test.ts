/**
 * Capacity per stack and system: Fargate Spot in staging, on demand in prod, through the cluster's capacity
 * providers; the Spot warning's two minutes; and what a switch between on demand and Spot does to a live service
 * (tests/support/ecs-service-diff.ts, the provider's and ECS's rules).
 */
import { CONTAINER_STOP_SECONDS, FARGATE_MAX_STOP_TIMEOUT_SECONDS, SPOT_WARNING_SECONDS } from "../components/shared/defaults";
import { Captured, ProgramRun, StackName, containerDefinitions, runProgram } from "./support/harness";
import { planServiceChange } from "./support/ecs-service-diff";

const T = {
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  capacityProviders: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  cluster: "aws:ecs/cluster:Cluster",
};
const SERVICES = ["gateway", "security", "console"];

const runs = {} as Record<StackName | "mixed" | "onDemand", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
  // Staging with every service back on demand: the same stack, one config change away.
  runs.onDemand = await runProgram({ stack: "staging", config: { gatewayCapacity: "onDemand", securityStackCapacity: "onDemand", uiConsoleCapacity: "onDemand" } });
  runs.mixed = await runProgram({ stack: "staging", config: { uiConsoleCapacity: "mixed", capacityOnDemandBase: 1, capacitySpotWeight: 4 } });
});

const strategies = (run: ProgramRun) => Object.fromEntries(SERVICES.map((s) => [s, run.get(T.service, s).inputs.capacityProviderStrategies]));

describe("capacity per stack and system", () => {
  it("puts every staging service on Fargate Spot", () => {
    for (const s of Object.values(strategies(runs.staging))) expect(s).toEqual([{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
  });

  it("keeps every prod service on demand", () => {
    for (const s of Object.values(strategies(runs.prod))) expect(s).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
  });

  it("mixes the console as configured: a base on demand, the rest 1 : weight on Spot", () => {
    expect(strategies(runs.mixed).console).toEqual([
      { capacityProvider: "FARGATE", weight: 1, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 4 },
    ]);
  });

  it.each<StackName>(["staging", "prod"])("offers FARGATE and FARGATE_SPOT on the %s cluster, and every service waits for them", (stack) => {
    const run = runs[stack];
    const [providers] = run.ofType(T.capacityProviders);
    expect(providers.inputs.clusterName).toBe(run.get(T.cluster, "platform").state.name);
    expect(providers.inputs.capacityProviders).toEqual(["FARGATE", "FARGATE_SPOT"]);
    const named = new Set(run.ofType(T.service).flatMap((s) => s.inputs.capacityProviderStrategies.map((c: any) => c.capacityProvider)));
    for (const p of named) expect(providers.inputs.capacityProviders).toContain(p);
    for (const s of run.ofType(T.service)) expect(s.dependencies).toContain(providers.urn);
  });

  it.each<StackName>(["staging", "prod"])("names no launch type in %s and forces the new deployment a strategy change needs", (stack) => {
    for (const s of runs[stack].ofType(T.service)) {
      expect([s.name, s.inputs.launchType, s.inputs.forceNewDeployment]).toEqual([s.name, undefined, true]);
    }
  });
});

describe("Spot's two-minute warning", () => {
  it.each<StackName>(["staging", "prod"])("gives every container of %s a stop timeout Fargate accepts", (stack) => {
    for (const td of runs[stack].ofType(T.taskDefinition)) {
      for (const c of containerDefinitions(td)) {
        expect([c.name, c.stopTimeout]).toEqual([c.name, CONTAINER_STOP_SECONDS]);
        expect(c.stopTimeout).toBeLessThanOrEqual(FARGATE_MAX_STOP_TIMEOUT_SECONDS);
      }
    }
  });

  it("fits draining and the stop timeout of every Spot service into the warning", () => {
    const run = runs.staging;
    for (const s of run.ofType(T.service)) {
      const td = run.ofType(T.taskDefinition).find((t) => t.state.arn === s.inputs.taskDefinition)!;
      const stop = Math.max(...containerDefinitions(td).map((c: any) => c.stopTimeout));
      for (const lb of s.inputs.loadBalancers) {
        const tg = run.ofType(T.targetGroup).find((t) => t.state.arn === lb.targetGroupArn)!;
        expect(tg.inputs.deregistrationDelay + stop).toBeLessThanOrEqual(SPOT_WARNING_SECONDS);
        expect(tg.inputs.deregistrationDelay).toBeLessThan(SPOT_WARNING_SECONDS);
      }
    }
  });
});

describe("switching a live service between on demand and Spot", () => {
  const service = (run: ProgramRun, name: string): Record<string, any> => run.get(T.service, name).inputs;
  /** The service as the code before capacity providers registered it: a launch type, no strategy. */
  const launchTypeEra = (s: Captured): Record<string, any> => {
    const { capacityProviderStrategies: _, forceNewDeployment: __, ...rest } = s.inputs;
    return { ...rest, launchType: "FARGATE" };
  };

  it.each(SERVICES)("%s: on demand → Spot and Spot → on demand are updates in place", (name) => {
    expect(service(runs.onDemand, name).capacityProviderStrategies).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
    expect(planServiceChange(service(runs.onDemand, name), service(runs.staging, name))).toEqual({ kind: "update" });
    expect(planServiceChange(service(runs.staging, name), service(runs.onDemand, name))).toEqual({ kind: "update" });
  });

  it.each(SERVICES)("%s: a service registered with launchType FARGATE moves onto a strategy in place", (name) => {
    for (const stack of ["staging", "prod"] as const) {
      expect(planServiceChange(launchTypeEra(runs[stack].get(T.service, name)), service(runs[stack], name))).toEqual({ kind: "update" });
    }
  });

  it("would be refused without the forced deployment, and replaced by a launch type: why the program sets neither otherwise", () => {
    const before = service(runs.onDemand, "console");
    const spot = service(runs.staging, "console");
    expect(planServiceChange(before, { ...spot, forceNewDeployment: false }).kind).toBe("refused");
    expect(planServiceChange({ ...before, launchType: "FARGATE" }, { ...spot, launchType: "EC2" })).toEqual({ kind: "replace", because: ["launchType"] });
  });
});
