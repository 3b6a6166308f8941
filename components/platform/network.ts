import * as pulumi from "@pulumi/pulumi";
import * as awsx from "@pulumi/awsx";
import { availabilityZoneCidrMask } from "../shared/defaults";
import { StackRoleScope } from "../shared/iam-scope";
import { NatInstance } from "./nat-instance";

export interface NetworkArgs {
  /** Use this VPC instead of creating one. */
  existing?: {
    /** @example "vpc-0a1b2c3d4e5f67890" */
    vpcId: string;
    /** Public subnets (at least 2 AZs) for the load balancer. */
    publicSubnetIds: string[];
    /** Private subnets with a NAT route for tasks and EFS mount targets. */
    privateSubnetIds: string[];
  };
  /** CIDR of a new VPC. @default "10.0.0.0/16" */
  cidr: string;
  /** Availability zones of a new VPC. @default 3 */
  availabilityZones: number;
  /**
   * `onePerAz`: a NAT gateway per AZ, so no AZ depends on another's (prod); `single`: one shared NAT gateway;
   * `instance`: one small EC2 NAT instance (the cheapest way out, one instance of failure).
   */
  natGateways: "single" | "onePerAz" | "instance";
  /** SNS topic of the NAT instance's status-check alarms. */
  alarmTopicArn?: pulumi.Input<string>;
  /** Path and permissions boundary of the NAT instance's role. */
  roleScope: StackRoleScope;
}

/**
 * The VPC the stack runs in: public subnets for the load balancer, private subnets (egress through NAT)
 * for tasks and EFS. A new VPC comes from awsx, whose subnet layout and NAT strategy are worth reusing.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /**
   * What the private subnets' way out consists of: a task that starts before it exists cannot pull its image.
   * Services wait for these (their reference to the subnets does not wait for the routes).
   */
  public readonly egress: pulumi.Resource[] = [];
  public natInstance?: NatInstance;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:network:Network", name, {}, opts);

    if (args.existing) {
      this.vpcId = pulumi.output(args.existing.vpcId);
      this.publicSubnetIds = pulumi.output(args.existing.publicSubnetIds);
      this.privateSubnetIds = pulumi.output(args.existing.privateSubnetIds);
    } else {
      const vpc = new awsx.ec2.Vpc(
        name,
        {
          cidrBlock: args.cidr,
          numberOfAvailabilityZones: args.availabilityZones,
          availabilityZoneCidrMask: availabilityZoneCidrMask(args.cidr),
          enableDnsHostnames: true,
          enableDnsSupport: true,
          natGateways: { strategy: NAT_STRATEGY[args.natGateways] },
          subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
          subnetSpecs: [
            { type: awsx.ec2.SubnetType.Public, name: "public" },
            { type: awsx.ec2.SubnetType.Private, name: "private" },
          ],
        },
        { parent: this },
      );
      this.vpcId = vpc.vpcId;
      this.publicSubnetIds = vpc.publicSubnetIds;
      this.privateSubnetIds = vpc.privateSubnetIds;
      this.egress.push(vpc);
      if (args.natGateways === "instance") {
        this.natInstance = new NatInstance(
          `${name}-nat`,
          {
            vpcId: vpc.vpcId,
            vpcCidr: args.cidr,
            subnetId: vpc.publicSubnetIds.apply((ids) => ids[0]),
            privateRouteTableIds: Array.from({ length: args.availabilityZones }, (_, i) => privateRouteTableId(vpc, i)),
            alarmTopicArn: args.alarmTopicArn,
            roleScope: args.roleScope,
          },
          { parent: this },
        );
        this.egress.push(...this.natInstance.routes);
      }
    }

    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}

/** awsx's NAT strategy for ours: with a NAT instance awsx makes none, and the instance adds the routes. */
const NAT_STRATEGY = {
  onePerAz: awsx.ec2.NatGatewayStrategy.OnePerAz,
  single: awsx.ec2.NatGatewayStrategy.Single,
  instance: awsx.ec2.NatGatewayStrategy.None,
} as const;

/**
 * The route table of the i-th private subnet. awsx makes one route table per subnet and tags it with the
 * subnet's type (`SubnetType`), in the order of the subnets: public before private within each AZ.
 */
function privateRouteTableId(vpc: awsx.ec2.Vpc, i: number): pulumi.Output<string> {
  return vpc.routeTables.apply((tables) =>
    pulumi
      .all(tables.map((t) => pulumi.all([t.id, t.tags])))
      .apply((pairs) => {
        const privateIds = pairs.filter(([, tags]) => tags?.SubnetType === "Private").map(([id]) => id);
        if (!privateIds[i]) throw new Error(`awsx gave ${privateIds.length} private route tables; expected one per AZ`);
        return privateIds[i];
      }),
  );
}
