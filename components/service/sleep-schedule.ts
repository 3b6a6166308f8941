/**
 * Off-hours sleep: two Application Auto Scaling scheduled actions per service. At the wake time the service's
 * scalable target gets its configured bounds back; at the sleep time both bounds go to 0, so ECS stops every task.
 * The schedules are cron expressions in the configured time zone, so they follow daylight saving time.
 *
 * The schedule owns the target's bounds and the service's desired count from then on: the program ignores them
 * after creation (`ignoreChanges`), so a `pulumi up` at night neither wakes the stack nor fights the schedule.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwakeSchedule } from "../../config";

/** The cron expression (Application Auto Scaling's six fields) of a time on the schedule's days. */
export function scheduleCron(schedule: AwakeSchedule, at: { hour: number; minute: number }): string {
  const [from, to] = schedule.days;
  const days = from === to ? from : `${from}-${to}`;
  return `cron(${at.minute} ${at.hour} ? * ${days} *)`;
}

export function createSleepSchedule(
  name: string,
  args: { target: aws.appautoscaling.Target; schedule: AwakeSchedule; awake: { min: number; max: number } },
  parent: pulumi.Resource,
): aws.appautoscaling.ScheduledAction[] {
  const { target, schedule } = args;
  const action = (suffix: string, at: { hour: number; minute: number }, bounds: { min: number; max: number }) =>
    new aws.appautoscaling.ScheduledAction(
      `${name}-${suffix}`,
      {
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        schedule: scheduleCron(schedule, at),
        timezone: schedule.timezone,
        scalableTargetAction: { minCapacity: bounds.min, maxCapacity: bounds.max },
      },
      { parent, dependsOn: [target] },
    );
  return [action("wake", schedule.wake, args.awake), action("sleep", schedule.sleep, { min: 0, max: 0 })];
}
