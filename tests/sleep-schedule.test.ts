/**
 * Off-hours sleep (awakeHours, awakeTimezone): two scheduled actions per service on its scalable target, the
 * values the schedule owns left to it, and nothing that would fight it on the next `pulumi up`.
 */
import { ProgramRun, runProgram } from "./support/harness";

const T = {
  service: "aws:ecs/service:Service",
  target: "aws:appautoscaling/target:Target",
  action: "aws:appautoscaling/scheduledAction:ScheduledAction",
  policy: "aws:appautoscaling/policy:Policy",
};
/** Each service and the task count it has awake: the console's autoscaling bounds, one task for a single writer. */
const AWAKE = { gateway: { min: 1, max: 1 }, security: { min: 1, max: 1 }, console: { min: 1, max: 2 } };

let staging: ProgramRun;
let prod: ProgramRun;
let weekend: ProgramRun;
beforeAll(async () => {
  staging = await runProgram({ stack: "staging" });
  prod = await runProgram({ stack: "prod" });
  weekend = await runProgram({ stack: "staging", config: { awakeHours: "Sat 09:30-12:15", awakeTimezone: "America/New_York" } });
});

const targetOf = (run: ProgramRun, service: string) =>
  run.ofType(T.target).find((t) => t.inputs.resourceId.endsWith(`/${run.get(T.service, service).state.name}`))!;
const actionsOf = (run: ProgramRun, service: string) => {
  const target = targetOf(run, service);
  return Object.fromEntries(
    run
      .ofType(T.action)
      .filter((a) => a.inputs.resourceId === target.inputs.resourceId)
      .map((a) => [a.name.slice(service.length + 1), a.inputs]),
  );
};

describe.each(Object.entries(AWAKE))("staging's %s service", (service, awake) => {
  it("wakes at 07:00 and sleeps at 20:00, Monday to Friday, in Berlin time", () => {
    const actions = actionsOf(staging, service);
    expect(Object.keys(actions).sort()).toEqual(["sleep", "wake"]);
    expect(actions.wake).toMatchObject({ schedule: "cron(0 7 ? * MON-FRI *)", timezone: "Europe/Berlin", scalableTargetAction: { minCapacity: awake.min, maxCapacity: awake.max } });
    expect(actions.sleep).toMatchObject({ schedule: "cron(0 20 ? * MON-FRI *)", timezone: "Europe/Berlin", scalableTargetAction: { minCapacity: 0, maxCapacity: 0 } });
    for (const a of Object.values(actions)) expect(a).toMatchObject({ serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount" });
  });

  it("leaves what the schedule owns to it: the service's desired count and the target's bounds", () => {
    expect(staging.get(T.service, service).ignoreChanges).toContain("desiredCount");
    expect(targetOf(staging, service).ignoreChanges).toEqual(expect.arrayContaining(["minCapacity", "maxCapacity"]));
  });

  it("never lets the schedule (or anything) give a single writer a second task", () => {
    const target = targetOf(staging, service);
    const ceiling = Math.max(target.inputs.maxCapacity, ...Object.values(actionsOf(staging, service)).map((a: any) => a.scalableTargetAction.maxCapacity));
    expect(ceiling).toBe(awake.max);
  });
});

describe("the schedule's other settings", () => {
  it("writes a single day and minutes, in the time zone given", () => {
    const actions = actionsOf(weekend, "gateway");
    expect(actions.wake).toMatchObject({ schedule: "cron(30 9 ? * SAT *)", timezone: "America/New_York" });
    expect(actions.sleep).toMatchObject({ schedule: "cron(15 12 ? * SAT *)", timezone: "America/New_York" });
  });

  it("leaves prod awake: no scheduled action, and no target for its single writers", () => {
    expect(prod.ofType(T.action)).toEqual([]);
    expect(prod.ofType(T.target).map((t) => t.name)).toEqual(["console"]);
    expect(prod.get(T.target, "console").ignoreChanges).toEqual([]);
  });
});
