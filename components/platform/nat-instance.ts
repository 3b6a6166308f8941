/**
 * One small EC2 instance as the private subnets' way out (`natGateways: instance`): a fraction of a NAT gateway's
 * hourly price and no per-GB processing charge, for a stack that can live with one instance of failure. It
 * masquerades the VPC's traffic (nat-instance.sh), recovers itself on a failed system status check, and alarms
 * the stack's topic when its own checks fail.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ALARM_PERIOD_SECONDS, NAT_INSTANCE } from "../shared/defaults";
import { StackRoleScope, trustedBy } from "../shared/iam-scope";
import { stackScoped } from "../shared/naming";

export interface NatInstanceArgs {
  vpcId: pulumi.Input<string>;
  /** The VPC's CIDR: the only sources the instance forwards for. */
  vpcCidr: string;
  /** The public subnet it runs in. */
  subnetId: pulumi.Input<string>;
  /** The private subnets' route tables, which get their default route through it. */
  privateRouteTableIds: pulumi.Input<string>[];
  /** SNS topic of its status-check alarm. */
  alarmTopicArn?: pulumi.Input<string>;
  /** Path and permissions boundary of its role and instance profile. */
  roleScope: StackRoleScope;
}

/** The user-data script, shipped beside this file and checked by shellcheck (tests/shell-scripts.test.ts). */
export const NAT_USER_DATA_SCRIPT = fs.readFileSync(path.join(__dirname, "nat-instance.sh"), "utf8");

/** The user data: the script with the name of the stack whose wait condition it signals set above it. */
export function natUserData(readyStack: string): string {
  const [shebang, ...rest] = NAT_USER_DATA_SCRIPT.split("\n");
  return [shebang, `READY_STACK='${readyStack}'`, ...rest].join("\n");
}

/** CloudFormation's logical ids are alphanumeric: the instance id without its dash. */
export const waitConditionSuffix = (instanceId: string): string => instanceId.replace(/[^A-Za-z0-9]/g, "");

/**
 * A CloudFormation template of one wait condition for this instance, signalled by its user data. Its names carry the
 * instance id: a replacement instance changes the template, and the stack's update waits for the new one's signal.
 */
export function readinessTemplate(instanceId: string): string {
  const suffix = waitConditionSuffix(instanceId);
  return JSON.stringify({
    Description: `The NAT instance ${instanceId} forwards the VPC's traffic (signalled by its user data)`,
    Resources: {
      [`Handle${suffix}`]: { Type: "AWS::CloudFormation::WaitConditionHandle" },
      [`Ready${suffix}`]: {
        Type: "AWS::CloudFormation::WaitCondition",
        Properties: { Handle: { Ref: `Handle${suffix}` }, Timeout: String(NAT_INSTANCE.readySeconds), Count: 1 },
      },
    },
    Outputs: { Ready: { Value: { "Fn::GetAtt": [`Ready${suffix}`, "Data"] } } },
  });
}

export class NatInstance extends pulumi.ComponentResource {
  public readonly instance: aws.ec2.Instance;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** Created once the instance's user data has set up forwarding and signalled: the routes wait for it. */
  public readonly ready: aws.cloudformation.Stack;
  public readonly routes: aws.ec2.Route[];

  constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:network:NatInstance", name, {}, opts);
    const parent = { parent: this };

    this.securityGroup = new aws.ec2.SecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: "NAT instance: TCP from the VPC in, anything out to the internet",
        // TCP only: what the tasks open outside is HTTPS (ECR, Secrets Manager, Supabase, model hubs) and the
        // gateway's upstream MCP servers on their own ports. DNS and time are the VPC's own (never through NAT).
        ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: [args.vpcCidr], description: "TCP of the private subnets to forward" }],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "Forwarded traffic to the internet" }],
        tags: { Name: name },
      },
      parent,
    );

    const ami = aws.ssm.getParameterOutput({ name: NAT_INSTANCE.amiParameter }, parent).value;
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const readyStackName = stackScoped(`${name}-ready`);

    const profile = this.createInstanceProfile(name, args.roleScope, readyStackName, { region, account });

    this.instance = new aws.ec2.Instance(
      name,
      {
        ami,
        instanceType: NAT_INSTANCE.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [this.securityGroup.id],
        associatePublicIpAddress: true,
        // A NAT forwards packets that are neither from nor to itself.
        sourceDestCheck: false,
        iamInstanceProfile: profile.name,
        userData: natUserData(readyStackName),
        userDataReplaceOnChange: true,
        monitoring: true,
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: NAT_INSTANCE.rootVolumeGb, encrypted: true, deleteOnTermination: true },
        tags: { Name: stackScoped(name) },
      },
      // A new AMI release would replace the instance (a minute without egress) on an unrelated `pulumi up`;
      // patching is a deliberate `pulumi up --replace` of it (docs/runbook.md).
      { parent: this, ignoreChanges: ["ami"] },
    );

    // EC2 calls an instance running before its user data has run: a task placed then could not pull its image
    // (and three such failures trip a first deployment's circuit breaker). The routes, which every service waits
    // for, are made only once the user data has signalled this wait condition; a failed step signals FAILURE.
    this.ready = new aws.cloudformation.Stack(
      `${name}-ready`,
      { name: readyStackName, templateBody: this.instance.id.apply(readinessTemplate), timeoutInMinutes: Math.ceil(NAT_INSTANCE.readySeconds / 60) + 5 },
      parent,
    );

    this.routes = args.privateRouteTableIds.map(
      (routeTableId, i) =>
        new aws.ec2.Route(
          `${name}-${i}`,
          { routeTableId, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: this.instance.primaryNetworkInterfaceId },
          { parent: this, dependsOn: [this.ready] },
        ),
    );

    this.createStatusAlarms(name, region, args.alarmTopicArn);

    this.registerOutputs({ instanceId: this.instance.id });
  }

  /** The instance's role and profile: it reads its wait condition's URL from the stack, and nothing else. */
  private createInstanceProfile(
    name: string,
    roleScope: StackRoleScope,
    readyStackName: string,
    { region, account }: { region: pulumi.Output<string>; account: pulumi.Output<string> },
  ): aws.iam.InstanceProfile {
    const parent = { parent: this };
    const role = new aws.iam.Role(
      name,
      {
        ...roleScope,
        assumeRolePolicy: pulumi.jsonStringify(trustedBy("ec2.amazonaws.com", account)),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-ready`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "cloudformation:DescribeStackResource",
              Resource: pulumi.interpolate`arn:aws:cloudformation:${region}:${account}:stack/${readyStackName}/*`,
            },
          ],
        }),
      },
      parent,
    );
    return new aws.iam.InstanceProfile(name, { role: role.name, path: roleScope.path }, parent);
  }

  /**
   * EC2's status checks, one alarm each: the host's (EC2 recovers the instance onto healthy hardware) and the
   * instance's own (nothing but a reboot or a new instance helps; the topic hears of it).
   */
  private createStatusAlarms(name: string, region: pulumi.Output<string>, alarmTopicArn?: pulumi.Input<string>): void {
    const parent = { parent: this };
    const topic = alarmTopicArn ? [alarmTopicArn] : [];
    const statusAlarm = (
      suffix: string,
      check: "system" | "instance",
      description: string,
      extra: { actions: pulumi.Input<string>[]; periods: number; missing: string },
    ) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          name: stackScoped(`${name}-${check}-check-failed`),
          alarmDescription: description,
          namespace: "AWS/EC2",
          metricName: check === "system" ? "StatusCheckFailed_System" : "StatusCheckFailed_Instance",
          dimensions: { InstanceId: this.instance.id },
          statistic: "Maximum",
          period: ALARM_PERIOD_SECONDS,
          evaluationPeriods: extra.periods,
          threshold: 0,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: extra.missing,
          alarmActions: extra.actions,
          okActions: topic,
        },
        parent,
      );
    statusAlarm("recover", "system", "NAT instance: the host failed its system status check; EC2 recovers the instance onto healthy hardware", {
      actions: [pulumi.interpolate`arn:aws:automate:${region}:ec2:recover`, ...topic],
      periods: 2,
      missing: "missing",
    });
    if (alarmTopicArn) {
      statusAlarm("instance-check", "instance", "NAT instance: its own status check fails; the private subnets have no way out (reboot it, or replace it)", {
        actions: topic,
        periods: 3,
        missing: "breaching",
      });
    }

  }
}
