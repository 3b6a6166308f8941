import * as fs from "fs";
import * as path from "path";
import { Captured, ProgramRun, ROOT, RunOptions, StackName, runProgram } from "./support/harness";
import { spawnSync } from "child_process";
import { NAT_INSTANCE } from "../components/shared/defaults";
import { waitConditionSuffix } from "../components/platform/nat-instance";

/**
 * The network: a new VPC from awsx (public subnets for the load balancer, private ones with NAT for tasks and
 * EFS), or an existing VPC given by id. Either way, everything that runs lands in the private subnets and every
 * security group in the stack's VPC.
 */

const T = {
  vpc: "awsx:ec2:Vpc",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  service: "aws:ecs/service:Service",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  fileSystem: "aws:efs/fileSystem:FileSystem",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
};

/** Each task and each EFS mount target sits in one of the private subnets, and only there. */
function expectWorkloadsInPrivateSubnets(run: ProgramRun, privateSubnetIds: string[]): void {
  const services = run.ofType(T.service);
  expect(services).toHaveLength(3);
  for (const s of services) {
    expect({ service: s.name, ...s.inputs.networkConfiguration }).toEqual({
      service: s.name,
      subnets: privateSubnetIds,
      securityGroups: [expect.stringMatching(/^sg-/)],
      assignPublicIp: false,
    });
  }
  // EFS takes one mount target per AZ: one in each private subnet, for each file system.
  const mountTargets = run.ofType(T.mountTarget);
  expect(mountTargets).toHaveLength(run.ofType(T.fileSystem).length * privateSubnetIds.length);
  for (const fs of run.ofType(T.fileSystem)) {
    const own = mountTargets.filter((m) => m.parentUrn === fs.parentUrn);
    expect(own.map((m) => m.inputs.subnetId).sort()).toEqual([...privateSubnetIds].sort());
  }
}

describe.each<[string, StackName, { cidr: string; azs: number; nat: string; config?: Record<string, unknown> }]>([
  // Staging's own NAT is an instance (awsx makes none; see "the NAT instance" below).
  ["staging", "staging", { cidr: "10.20.0.0/16", azs: 2, nat: "None" }],
  ["staging with one NAT gateway", "staging", { cidr: "10.20.0.0/16", azs: 2, nat: "Single", config: { natGateways: "single" } }],
  ["prod", "prod", { cidr: "10.30.0.0/16", azs: 3, nat: "OnePerAz" }],
])("a new VPC (%s)", (_label, stack, expected) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack, config: expected.config });
  });

  it(`is one awsx VPC on ${expected.cidr} over ${expected.azs} AZs with NAT strategy ${expected.nat}`, () => {
    expect(run.ofType(T.vpc)).toHaveLength(1);
    expect(run.get(T.vpc, "network").inputs).toMatchObject({
      cidrBlock: expected.cidr,
      numberOfAvailabilityZones: expected.azs,
      natGateways: { strategy: expected.nat },
    });
  });

  it("has a public and a private subnet in each AZ, sized by awsx", () => {
    expect(run.get(T.vpc, "network").inputs).toMatchObject({
      subnetStrategy: "Auto",
      subnetSpecs: [
        { type: "Public", name: "public" },
        { type: "Private", name: "private" },
      ],
    });
    expect(run.outputs.publicSubnetIds).toHaveLength(expected.azs);
    expect(run.outputs.privateSubnetIds).toHaveLength(expected.azs);
  });

  it("resolves DNS names inside the VPC (EFS mount targets and AWS endpoints are reached by name)", () => {
    expect(run.get(T.vpc, "network").inputs).toMatchObject({ enableDnsHostnames: true, enableDnsSupport: true });
  });

  it("exports the VPC's own ids", () => {
    const vpc = run.get(T.vpc, "network").state;
    expect([run.outputs.vpcId, run.outputs.publicSubnetIds, run.outputs.privateSubnetIds]).toEqual([
      vpc.vpcId,
      vpc.publicSubnetIds,
      vpc.privateSubnetIds,
    ]);
  });

  it("runs tasks and EFS mount targets in the private subnets, without public IPs", () => {
    expectWorkloadsInPrivateSubnets(run, run.outputs.privateSubnetIds);
  });

  it("puts every security group in this VPC", () => {
    const vpcs = new Set(run.ofType(T.securityGroup).map((sg) => sg.state.vpcId));
    expect([...vpcs]).toEqual([run.outputs.vpcId]);
  });
});

describe("an existing VPC", () => {
  const existing = {
    vpcId: "vpc-0a1b2c3d4e5f67890",
    publicSubnetIds: ["subnet-0aaa1111bbbb22220", "subnet-0aaa1111bbbb22221"],
    privateSubnetIds: ["subnet-0ccc3333dddd44440", "subnet-0ccc3333dddd44441", "subnet-0ccc3333dddd44442"],
  };
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging", config: existing });
  });

  it("creates no VPC", () => {
    expect(run.ofType(T.vpc)).toEqual([]);
  });

  it("exports the ids it was given", () => {
    expect({ vpcId: run.outputs.vpcId, publicSubnetIds: run.outputs.publicSubnetIds, privateSubnetIds: run.outputs.privateSubnetIds }).toEqual(existing);
  });

  it("puts the load balancer in the given public subnets", () => {
    expect(run.get(T.loadBalancer, "platform").inputs.subnets).toEqual(existing.publicSubnetIds);
  });

  it("runs tasks and one EFS mount target per given private subnet there", () => {
    expectWorkloadsInPrivateSubnets(run, existing.privateSubnetIds);
  });

  it("puts every security group in the given VPC", () => {
    const vpcs = new Set(run.ofType(T.securityGroup).map((sg) => sg.state.vpcId));
    expect([...vpcs]).toEqual([existing.vpcId]);
  });
});

describe("network config errors", () => {
  const problems = async (config: RunOptions["config"]): Promise<string[]> => {
    const error = await runProgram({ stack: "staging", config }).then(
      () => undefined,
      (err) => err,
    );
    expect(error?.name).toBe("ConfigError");
    return error.problems;
  };
  const publicSubnetIds = ["subnet-0aaa1111bbbb22220", "subnet-0aaa1111bbbb22221"];
  const privateSubnetIds = ["subnet-0ccc3333dddd44440", "subnet-0ccc3333dddd44441"];

  it.each<[string, Record<string, unknown>, string[]]>([
    [
      "a VPC id that is not one",
      { vpcId: "vpc-123", publicSubnetIds, privateSubnetIds },
      ['ai-platform:vpcId: "vpc-123" is not a VPC id (vpc-0123abcd...)'],
    ],
    [
      "a VPC id without any subnet",
      { vpcId: "vpc-0a1b2c3d" },
      [
        "ai-platform:publicSubnetIds: with vpcId, give at least 2 public subnets in different AZs for the load balancer",
        "ai-platform:privateSubnetIds: with vpcId, give the private subnets (with a NAT route) the tasks run in",
      ],
    ],
    [
      "one public subnet (an ALB needs two AZs)",
      { vpcId: "vpc-0a1b2c3d", publicSubnetIds: publicSubnetIds.slice(0, 1), privateSubnetIds },
      ["ai-platform:publicSubnetIds: with vpcId, give at least 2 public subnets in different AZs for the load balancer"],
    ],
    [
      "subnet ids that are not ones",
      { vpcId: "vpc-0a1b2c3d", publicSubnetIds: [publicSubnetIds[0], "sn-1"], privateSubnetIds: ["private-a", privateSubnetIds[1]] },
      ['ai-platform:publicSubnetIds: "sn-1" is not a subnet id', 'ai-platform:privateSubnetIds: "private-a" is not a subnet id'],
    ],
    [
      "subnet ids without a VPC id",
      { publicSubnetIds, privateSubnetIds },
      ["ai-platform:vpcId: subnet ids are given but vpcId is empty; set vpcId to use an existing VPC, or remove the subnet ids"],
    ],
    ["a NAT strategy awsx has not", { natGateways: "none" }, ['ai-platform:natGateways: "none" is not a NAT strategy; use onePerAz, single or instance']],
  ])("%s", async (_what, config, expected) => {
    expect(await problems(config)).toEqual(expected);
  });
});

describe("the NAT instance (natGateways: instance, staging)", () => {
  const I = {
    instance: "aws:ec2/instance:Instance",
    route: "aws:ec2/route:Route",
    stack: "aws:cloudformation/stack:Stack",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  };
  let run: ProgramRun;
  let instance: Captured;
  beforeAll(async () => {
    run = await runProgram({ stack: "staging" });
    instance = run.get(I.instance, "network-nat");
  });

  it("gives every private subnet's route table a default route through the instance, and nothing else one", () => {
    const vpc = run.get(T.vpc, "network").state;
    const privateTables = vpc.routeTables.filter((t: any) => t.tags.SubnetType === "Private").map((t: any) => t.id);
    const routes = run.ofType(I.route);
    expect(routes.map((r) => r.inputs.routeTableId).sort()).toEqual([...privateTables].sort());
    for (const r of routes) {
      expect(r.inputs).toMatchObject({ destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: instance.state.primaryNetworkInterfaceId });
    }
  });

  it("forwards: source/destination check off, a public address, in a public subnet, the VPC admitted in", () => {
    expect(instance.inputs).toMatchObject({ sourceDestCheck: false, associatePublicIpAddress: true, instanceType: "t4g.nano" });
    expect(run.outputs.publicSubnetIds).toContain(instance.inputs.subnetId);
    const sg = run.ofType(T.securityGroup).find((g) => instance.inputs.vpcSecurityGroupIds.includes(g.id))!;
    expect(sg.inputs.ingress).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.20.0.0/16"] })]);
  });

  it("runs the checked-in user data (AWS's NAT AMI steps), with IMDSv2 only and an encrypted root volume", () => {
    const script = fs.readFileSync(path.join(ROOT, "components", "platform", "nat-instance.sh"), "utf8").split("\n");
    const ready = run.get(I.stack, "network-nat-ready");
    expect(instance.inputs.userData).toBe([script[0], `READY_STACK='${ready.inputs.name}'`, ...script.slice(1)].join("\n"));
    expect(instance.inputs.userData).toContain("MASQUERADE");
    expect(instance.inputs.metadataOptions).toMatchObject({ httpTokens: "required" });
    expect(instance.inputs.rootBlockDevice).toMatchObject({ encrypted: true, deleteOnTermination: true });
    // A new AMI in the SSM parameter must not replace the instance on an unrelated `pulumi up`.
    expect(instance.ignoreChanges).toContain("ami");
  });

  it("recovers itself on a failed system check and tells the topic; an instance check failure also alarms", () => {
    const alarms = run.ofType(I.alarm).filter((a) => a.inputs.dimensions?.InstanceId === instance.id);
    expect(alarms.map((a) => a.inputs.metricName).sort()).toEqual(["StatusCheckFailed_Instance", "StatusCheckFailed_System"]);
    const system = alarms.find((a) => a.inputs.metricName === "StatusCheckFailed_System")!;
    expect(system.inputs.alarmActions).toEqual(["arn:aws:automate:eu-west-1:ec2:recover", run.outputs.alarmTopicArn]);
  });

  it("is waited for by every service: its first task pulls its image through it", () => {
    const routes = run.ofType(I.route).map((r) => r.urn);
    for (const s of run.ofType(T.service)) expect(s.dependencies).toEqual(expect.arrayContaining(routes));
  });

  describe("readiness: the routes exist only once the user data has set up forwarding", () => {
    let ready: Captured;
    let template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs: Record<string, unknown> };
    beforeAll(() => {
      ready = run.get(I.stack, "network-nat-ready");
      template = JSON.parse(ready.inputs.templateBody);
    });

    it("makes every route wait for the instance's wait condition", () => {
      for (const r of run.ofType(I.route)) expect(r.dependencies).toContain(ready.urn);
    });

    it("holds one wait condition named after the instance, on a handle the user data looks up by that name", () => {
      const suffix = waitConditionSuffix(instance.id!);
      expect(Object.keys(template.Resources).sort()).toEqual([`Handle${suffix}`, `Ready${suffix}`]);
      expect(template.Resources[`Ready${suffix}`]).toEqual({
        Type: "AWS::CloudFormation::WaitCondition",
        Properties: { Handle: { Ref: `Handle${suffix}` }, Timeout: String(NAT_INSTANCE.readySeconds), Count: 1 },
      });
      const userData = instance.inputs.userData as string;
      expect(userData).toContain('suffix="${instance_id//-/}"');
      expect(userData).toContain('--logical-resource-id "Handle${suffix}"');
      // The suffix the script computes (bash's ${id//-/}) is the one the template uses.
      const bash = spawnSync("bash", ["-c", `instance_id=${instance.id}; printf %s "\${instance_id//-/}"`], { encoding: "utf8" });
      expect(bash.stdout).toBe(suffix);
    });

    it("waits within CloudFormation's limits, and the stack's own timeout outlasts the condition's", () => {
      expect(NAT_INSTANCE.readySeconds).toBeLessThanOrEqual(43200);
      expect(ready.inputs.timeoutInMinutes * 60).toBeGreaterThan(NAT_INSTANCE.readySeconds);
      expect(ready.inputs.name).toMatch(/^[A-Za-z][-A-Za-z0-9]{0,127}$/);
    });

    it("lets the instance read that stack's handle and nothing else", () => {
      const policies = run.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name === "network-nat-ready");
      expect(policies).toHaveLength(1);
      expect(JSON.parse(policies[0].inputs.policy).Statement).toEqual([
        { Effect: "Allow", Action: "cloudformation:DescribeStackResource", Resource: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${ready.inputs.name}/*` },
      ]);
    });
  });
});
