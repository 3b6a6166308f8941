/**
 * What the nightly drift check (drift.yml: `pulumi preview --refresh --expect-no-changes`) must not report: values
 * AWS or the stack's own schedules change on purpose. Derived from the graph: whatever a scalable target or a
 * scheduled action can move, the program leaves alone after creation.
 */
import { ProgramRun, StackName, runProgram } from "./support/harness";

const T = {
  service: "aws:ecs/service:Service",
  target: "aws:appautoscaling/target:Target",
  action: "aws:appautoscaling/scheduledAction:ScheduledAction",
  instance: "aws:ec2/instance:Instance",
};

describe.each<StackName>(["staging", "prod"])("%s", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
  });

  it("lets Application Auto Scaling own the desired count of every service it has a target for", () => {
    const targets = run.ofType(T.target);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      const service = run.ofType(T.service).find((s) => t.inputs.resourceId.endsWith(`/${s.state.name}`))!;
      expect([service.name, service.ignoreChanges]).toEqual([service.name, expect.arrayContaining(["desiredCount"])]);
    }
  });

  it("lets the sleep schedule own the bounds of every target it acts on", () => {
    for (const a of run.ofType(T.action)) {
      const target = run.ofType(T.target).find((t) => t.inputs.resourceId === a.inputs.resourceId)!;
      expect([target.name, target.ignoreChanges]).toEqual([target.name, expect.arrayContaining(["minCapacity", "maxCapacity"])]);
    }
    expect(run.ofType(T.action).length > 0).toBe(stack === "staging");
  });

  it("keeps a NAT instance on the AMI it was created with, whatever AWS publishes since", () => {
    for (const i of run.ofType(T.instance)) expect(i.ignoreChanges).toContain("ami");
  });
});
