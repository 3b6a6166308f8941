import * as pulumi from "@pulumi/pulumi";
import * as awsx from "@pulumi/awsx";
import { availabilityZoneCidrMask } from "./defaults";

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
  /** `single`: one shared NAT gateway (staging); `onePerAz`: no AZ depends on another's NAT (prod). */
  natGateways: "single" | "onePerAz";
}

/**
 * The VPC the stack runs in: public subnets for the load balancer, private subnets (egress through NAT)
 * for tasks and EFS. A new VPC comes from awsx, whose subnet layout and NAT strategy are worth reusing.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;

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
          natGateways: {
            strategy: args.natGateways === "single" ? awsx.ec2.NatGatewayStrategy.Single : awsx.ec2.NatGatewayStrategy.OnePerAz,
          },
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
    }

    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
