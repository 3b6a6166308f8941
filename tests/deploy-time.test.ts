/**
 * The deploy-time model on its own (components/service/deploy-time.ts): the phases of a later deploy and of a first start,
 * what a deploy waits for by configuration, a single writer's cutover, the circuit breaker's threshold and the
 * timeouts. The graph-side figures of the real stacks are tests/first-up.test.ts's and tests/plan.test.ts's.
 */
import { TASK_START_SECONDS } from "../components/shared/defaults";
import { DeployTimeInputs, circuitBreakerThreshold, deployTime, rollbackTimes, serviceTimeouts } from "../components/service/deploy-time";

const check = { intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 30 };
const inputs = (patch: Partial<DeployTimeInputs> = {}): DeployTimeInputs => ({
  containers: [
    { name: "db", ...check, waitsForHealthy: [] },
    { name: "app", ...check, waitsForHealthy: ["db"] },
  ],
  gracePeriodSeconds: 60,
  targets: { intervalSeconds: 5, healthyThreshold: 2, deregistrationDelaySeconds: 20 },
  bakeSeconds: 60,
  stopSeconds: 30,
  singleWriter: true,
  desiredCount: 1,
  ...patch,
});

describe("a single writer's deploy", () => {
  const t = deployTime(inputs());

  it("waits for the containers along their dependencies (65 s each), the target checks, the old task and the bake", () => {
    expect(t).toMatchObject({ taskStartSeconds: TASK_START_SECONDS, healthySeconds: 130, targetHealthySeconds: 10, replaceOldSeconds: 50, bakeSeconds: 60 });
    expect(t.totalSeconds).toBe(TASK_START_SECONDS + 130 + 10 + 50 + 60);
  });

  it("waits out the bake, draining and its old task's stop by configuration alone, and is down for draining, stop and checks", () => {
    expect(t.configuredWaitSeconds).toBe(60 + 20 + 30);
    expect(t.cutoverSeconds).toBe(20 + 30 + 10);
    expect(t.restartSeconds).toBe(50 + TASK_START_SECONDS + 130);
  });

  it("gives a first start the grace period where it is longer than the containers' checks, and only then", () => {
    expect(t.firstStart).toEqual({ healthySeconds: 130, totalSeconds: t.totalSeconds });
    const cold = deployTime(inputs({ gracePeriodSeconds: 900 }));
    expect(cold.healthySeconds).toBe(130);
    expect(cold.firstStart).toEqual({ healthySeconds: 900, totalSeconds: t.totalSeconds - 130 + 900 });
    expect(cold.configuredWaitSeconds).toBe(t.configuredWaitSeconds);
  });

  it("times create and update out on the first start with the margin, delete on the old task, never under 10 minutes", () => {
    expect(serviceTimeouts(deployTime(inputs({ gracePeriodSeconds: 900 })))).toEqual({ create: "25m", update: "25m", delete: "10m" });
    expect(serviceTimeouts(t)).toEqual({ create: "10m", update: "10m", delete: "10m" });
  });
});

describe("a stateless service's deploy", () => {
  it("starts its new tasks first: no stop in the configured wait, no cutover", () => {
    const t = deployTime(inputs({ singleWriter: false, desiredCount: 2 }));
    expect(t.configuredWaitSeconds).toBe(60 + 20);
    expect(t.cutoverSeconds).toBeUndefined();
    expect(t.restartSeconds).toBeUndefined();
  });

  it("refuses containers that wait for each other in a cycle", () => {
    const cycle = inputs({ containers: [{ name: "a", ...check, waitsForHealthy: ["b"] }, { name: "b", ...check, waitsForHealthy: ["a"] }] });
    expect(() => deployTime(cycle)).toThrow("containers a -> b -> a wait for each other in a cycle");
  });
});

describe("the rollback of a bad image", () => {
  it("takes the circuit breaker three failed tasks up to six desired, half of them above, at most 200", () => {
    expect([1, 2, 6, 7, 25, 400, 1000].map(circuitBreakerThreshold)).toEqual([3, 3, 3, 4, 13, 200, 200]);
  });

  it("comes after three task starts for a crash, three starts and allowances for a task never healthy, the alarm's window for 5xx", () => {
    const i = inputs({ gracePeriodSeconds: 900 });
    expect(rollbackTimes(i, deployTime(i))).toEqual({
      circuitBreakerThreshold: 3,
      crashSeconds: 3 * TASK_START_SECONDS,
      neverHealthySeconds: 3 * (TASK_START_SECONDS + 900),
      serverErrorSeconds: 60,
    });
  });
});
