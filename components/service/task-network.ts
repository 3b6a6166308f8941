/**
 * A service's task security group and every rule its tasks need: in from the load balancer on the exposed
 * ports (and the load balancer's matching egress), out to HTTPS or any TCP, and NFS to each volume's mount
 * targets (with the volume admitting it). The service waits for all of these before its first task starts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PORTS } from "../shared/defaults";
import { Volume } from "../resources/volume";

export interface TaskNetworkArgs {
  vpcId: pulumi.Input<string>;
  albSecurityGroupId: pulumi.Input<string>;
  /** Container ports the load balancer reaches (each once). */
  exposedPorts: number[];
  /** `https`: 443 only; `any`: every TCP port (a proxy to arbitrary upstreams). */
  egress: "https" | "any";
  volumes: Volume[];
}

export interface TaskNetwork {
  securityGroup: aws.ec2.SecurityGroup;
  /** Every rule of the group, and the rules of other groups that admit it. */
  rules: pulumi.Resource[];
}

export function createTaskNetwork(name: string, args: TaskNetworkArgs, parent: pulumi.Resource): TaskNetwork {
  const opts = { parent };
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-tasks`,
    // No inline `egress` (the provider revokes AWS's default allow-all on create): it would be authoritative
    // and revoke the separate egress rules below on the next refresh.
    { vpcId: args.vpcId, description: `${name} tasks: in from the load balancer on exposed ports only`, tags: { Name: `${name}-tasks` } },
    opts,
  );
  const rules: pulumi.Resource[] = [];
  for (const port of args.exposedPorts) {
    rules.push(
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-${port}`,
        {
          securityGroupId: securityGroup.id,
          referencedSecurityGroupId: args.albSecurityGroupId,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Port ${port} from the load balancer`,
        },
        opts,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-alb-out-${port}`,
        {
          securityGroupId: args.albSecurityGroupId,
          referencedSecurityGroupId: securityGroup.id,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: `Load balancer to ${name} tasks on ${port}`,
        },
        opts,
      ),
    );
  }
  const anyEgress = args.egress === "any";
  rules.push(
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-${anyEgress ? "tcp" : "https"}`,
      {
        securityGroupId: securityGroup.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: anyEgress ? 1 : PORTS.https,
        toPort: anyEgress ? 65535 : PORTS.https,
        description: anyEgress ? "Any TCP: upstream servers on arbitrary ports" : "HTTPS: ECR, Secrets Manager, CloudWatch Logs, third-party APIs",
      },
      opts,
    ),
  );
  for (const [i, volume] of args.volumes.entries()) {
    rules.push(
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-out-nfs-${i}`,
        {
          securityGroupId: securityGroup.id,
          referencedSecurityGroupId: volume.securityGroup.id,
          ipProtocol: "tcp",
          fromPort: PORTS.nfs,
          toPort: PORTS.nfs,
          // EC2 allows only a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in descriptions (no apostrophe).
          description: "NFS to the EFS mount targets",
        },
        opts,
      ),
      volume.allowClient(name, securityGroup.id),
    );
  }
  return { securityGroup, rules };
}
