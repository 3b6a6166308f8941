/**
 * A volume's throughput alarm: burst credits running low in bursting mode, throughput near what is permitted in
 * the other modes.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ALARM_PERIOD_SECONDS, BURST_CREDIT_ALARM_BYTES, EFS_ALARM, THROUGHPUT_ALARM_PERCENT } from "../shared/defaults";
import { stackScoped } from "../shared/naming";

export function createThroughputAlarm({ fileSystemId, name, mode, topicArn, options }: {
fileSystemId: pulumi.Input<string>;
name: string;
mode: "bursting" | "elastic" | "provisioned";
topicArn: pulumi.Input<string>;
/** The child's options under its volume (its former names, for aliases). */
options: (child: string) => pulumi.CustomResourceOptions;
}): void {
  const dimensions = { FileSystemId: fileSystemId };
  const common = { evaluationPeriods: EFS_ALARM.evaluationPeriods, alarmActions: [topicArn], okActions: [topicArn], treatMissingData: "notBreaching" };
  if (mode === "bursting") {
    new aws.cloudwatch.MetricAlarm(
      `${name}-burst-credits`,
      {
        ...common,
        name: stackScoped(`${name}-efs-burst-credits-low`),
        alarmDescription: `EFS ${name}: burst credits low; throughput will drop to the baseline`,
        namespace: "AWS/EFS",
        metricName: "BurstCreditBalance",
        dimensions,
        statistic: "Minimum",
        period: EFS_ALARM.burstCreditPeriodSeconds,
        threshold: BURST_CREDIT_ALARM_BYTES,
        comparisonOperator: "LessThanThreshold",
      },
      options(`${name}-burst-credits`),
    );
    return;
  }
  // Throughput use in percent: metered bytes per second over the permitted throughput (AWS's formula).
  new aws.cloudwatch.MetricAlarm(
    `${name}-throughput`,
    {
      ...common,
      name: stackScoped(`${name}-efs-throughput-high`),
      alarmDescription: `EFS ${name}: above ${THROUGHPUT_ALARM_PERCENT}% of permitted throughput`,
      threshold: THROUGHPUT_ALARM_PERCENT,
      comparisonOperator: "GreaterThanThreshold",
      metricQueries: [
        {
          id: "metered",
          metric: { namespace: "AWS/EFS", metricName: "MeteredIOBytes", dimensions, stat: "Sum", period: ALARM_PERIOD_SECONDS },
        },
        {
          id: "permitted",
          metric: { namespace: "AWS/EFS", metricName: "PermittedThroughput", dimensions, stat: "Average", period: ALARM_PERIOD_SECONDS },
        },
        { id: "usage", expression: `(metered / ${ALARM_PERIOD_SECONDS}) * 100 / permitted`, label: "Throughput use (%)", returnData: true },
      ],
    },
    options(`${name}-throughput`),
  );
}
