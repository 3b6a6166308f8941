import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accountAdministersKey } from "../shared/key-policy";

export interface AlarmTopicArgs {
  /** Addresses subscribed by e-mail; each receives a confirmation mail from AWS. @default [] */
  emails: string[];
}

/** The one SNS topic every alarm of the stack notifies; other teams subscribe to its ARN (an output). */
export class AlarmTopic extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:monitoring:AlarmTopic", name, {}, opts);
    // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy
    // cannot admit them), so the topic gets a key of its own whose policy does.
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const key = new aws.kms.Key(
      name,
      {
        description: "Encrypts the stack's alarm topic",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            accountAdministersKey(account.accountId),
            {
              Sid: "CloudWatchPublishes",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            },
            // EventBridge rules (AWS Backup's job failures) publish encrypted messages too.
            {
              Sid: "EventBridgePublishes",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            },
          ],
        }),
      },
      { parent: this },
    );
    this.topic = new aws.sns.Topic(name, { kmsMasterKeyId: key.id }, { parent: this });
    new aws.sns.TopicPolicy(
      name,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudWatchAlarms",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              // Only this account's alarms (CloudWatch User Guide, "Confused deputy prevention" for SNS actions).
              Condition: {
                StringEquals: { "aws:SourceAccount": account.accountId },
                ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:cloudwatch:${region}:${account.accountId}:alarm:*` },
              },
            },
            // Only this account's EventBridge rules: the rules are created after the topic, so they are admitted by
            // account rather than by ARN.
            {
              Sid: "EventBridgeRules",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sns:Publish",
              Resource: this.topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
            },
          ],
        }),
      },
      { parent: this },
    );
    args.emails.forEach(
      (email, i) => new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, { parent: this }),
    );
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}
