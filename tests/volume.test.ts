/**
 * The EFS volumes of the gateway and the security stack: encrypted, backed up, reachable only on NFS from the
 * tasks that mount them, entered through access points with a POSIX owner, TLS enforced by the file-system
 * policy, and writable only by the task role of their own service — never as root.
 */
import { Captured, ProgramRun, efsVolumes, policyDocument, runProgram } from "./support/harness";

const FILE_SYSTEM = "aws:efs/fileSystem:FileSystem";
const ACCESS_POINT = "aws:efs/accessPoint:AccessPoint";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** Each volume, the service that mounts it, and its access points (name → directory). */
const VOLUMES = [
  {
    volume: "gateway",
    output: "gateway",
    service: "gateway",
    accessPoints: { tenants: "/gateway/tenants", workspace: "/gateway/workspace", chroma: "/gateway/chroma", writer: "/gateway/writer" },
  },
  {
    volume: "security",
    output: "securityStack",
    service: "security",
    accessPoints: { data: "/security-stack/data", "hf-cache": "/security-stack/hf-cache", writer: "/security-stack/writer" },
  },
] as const;

const runs = {} as Record<"staging" | "prod", ProgramRun>;
beforeAll(async () => {
  runs.staging = await runProgram({ stack: "staging" });
  runs.prod = await runProgram({ stack: "prod" });
});

const accessPointsOf = (run: ProgramRun, fileSystem: Captured): Captured[] =>
  run.ofType(ACCESS_POINT).filter((ap) => ap.inputs.fileSystemId === run.outputs.efsFileSystemIds[outputOf(fileSystem)]);
const outputOf = (fileSystem: Captured): string => VOLUMES.find((v) => v.volume === fileSystem.name)!.output;
const taskSecurityGroupId = (run: ProgramRun, service: string): string =>
  run.get("aws:ecs/service:Service", service).inputs.networkConfiguration.securityGroups[0];
const efsSecurityGroupId = (run: ProgramRun, volume: string): string => run.get(MOUNT_TARGET, `${volume}-0`).inputs.securityGroups[0];
const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

describe.each(["staging", "prod"] as const)("EFS volumes in the %s stack", (stack) => {
  let run: ProgramRun;
  beforeAll(() => {
    run = runs[stack];
  });

  describe.each(VOLUMES)("the $volume volume", ({ volume, output, service, accessPoints }) => {
    let fileSystem: Captured;
    beforeAll(() => {
      fileSystem = run.get(FILE_SYSTEM, volume);
    });

    it("is encrypted, moves cold files to Infrequent Access, and uses the stack's throughput mode", () => {
      expect(fileSystem.inputs.encrypted).toBe(true);
      expect(fileSystem.inputs.lifecyclePolicies).toContainEqual({ transitionToIa: run.config["ai-platform:efsTransitionToIa"] });
      expect(fileSystem.inputs.throughputMode).toBe(run.config["ai-platform:efsThroughputMode"]);
      expect(run.outputs.efsFileSystemIds[output]).toMatch(/^fs-/);
    });

    it("is backed up once: by the stack's backup plan, with EFS's own default backups off", () => {
      const backup = run.get("aws:efs/backupPolicy:BackupPolicy", volume);
      expect(backup.inputs).toMatchObject({ fileSystemId: run.outputs.efsFileSystemIds[output], backupPolicy: { status: "DISABLED" } });
      const fs = run.get(FILE_SYSTEM, volume);
      const selections = run.ofType("aws:backup/selection:Selection").filter((sel) => sel.inputs.resources.includes(fs.state.arn));
      expect(selections).toHaveLength(1);
    });

    if (stack === "staging") {
      it("keeps EFS's default backups when the stack has no backup plan of its own (backups: false), and keeps the vault", async () => {
        const without = await runProgram({ stack: run.stack, config: { backups: false } });
        expect(without.get("aws:efs/backupPolicy:BackupPolicy", volume).inputs.backupPolicy).toEqual({ status: "ENABLED" });
        expect(without.ofType("aws:backup/plan:Plan")).toEqual([]);
        expect(without.get("aws:backup/vault:Vault", "backup").urn).toBe(run.get("aws:backup/vault:Vault", "backup").urn);
      });
    } else {
      it("refuses backups: false in a protected stack: its plan outlives destroy, and no config change turns it off", async () => {
        await expect(runProgram({ stack: run.stack, config: { backups: false } })).rejects.toThrow(/ai-platform:backups: false in a protected stack \(protectState\)/);
      });
    }

    it("has a mount target in every private subnet, behind its own security group", () => {
      const targets = run.ofType(MOUNT_TARGET).filter((m) => m.inputs.fileSystemId === run.outputs.efsFileSystemIds[output]);
      expect(targets.map((t) => t.inputs.subnetId).sort()).toEqual([...run.outputs.privateSubnetIds].sort());
      for (const t of targets) expect(t.inputs.securityGroups).toEqual([efsSecurityGroupId(run, volume)]);
    });

    it(`admits NFS (2049) only from the ${service} tasks' security group, never from a CIDR`, () => {
      const sgId = efsSecurityGroupId(run, volume);
      const group = run.get("aws:ec2/securityGroup:SecurityGroup", `${volume}-efs`);
      expect(group.inputs.ingress ?? []).toEqual([]);
      const rules = run.ofType(INGRESS_RULE).filter((r) => r.inputs.securityGroupId === sgId);
      expect(rules.map((r) => r.inputs)).toEqual([
        expect.objectContaining({ ipProtocol: "tcp", fromPort: 2049, toPort: 2049, referencedSecurityGroupId: taskSecurityGroupId(run, service) }),
      ]);
      expect(rules.some((r) => r.inputs.cidrIpv4 || r.inputs.cidrIpv6 || r.inputs.prefixListId)).toBe(false);
    });

    it("lets the tasks reach it: their security group has an NFS egress rule to the volume's", () => {
      const egress = run
        .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        .filter((r) => r.inputs.securityGroupId === taskSecurityGroupId(run, service) && r.inputs.referencedSecurityGroupId === efsSecurityGroupId(run, volume));
      expect(egress.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort])).toEqual([["tcp", 2049, 2049]]);
    });

    it("has one access point per named volume, each with a POSIX user that owns its root directory", () => {
      const aps = accessPointsOf(run, fileSystem);
      expect(Object.fromEntries(aps.map((ap) => [ap.name.slice(volume.length + 1), ap.inputs.rootDirectory.path]))).toEqual(accessPoints);
      for (const ap of aps) {
        const { uid, gid } = ap.inputs.posixUser;
        expect(uid).toBeGreaterThan(0); // not root
        expect(ap.inputs.rootDirectory.creationInfo).toMatchObject({ ownerUid: uid, ownerGid: gid, permissions: expect.stringMatching(/^0?[0-7]{3}$/) });
      }
    });

    it("mounts in the task definition through exactly those access points", () => {
      const aps = accessPointsOf(run, fileSystem);
      const taskVolumes = efsVolumes(run.get("aws:ecs/taskDefinition:TaskDefinition", service));
      expect(taskVolumes.map((v) => v.efsVolumeConfiguration.authorizationConfig.accessPointId).sort()).toEqual(
        aps.map((ap) => ap.state.arn.split("/").pop()).sort(),
      );
    });

    it("refuses any request that does not use TLS", () => {
      const policy = policyDocument(run.get("aws:efs/fileSystemPolicy:FileSystemPolicy", volume));
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "*",
          Resource: fileSystem.state.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
      expect(policy.Statement.filter((s: { Effect: string }) => s.Effect === "Allow")).toEqual([]);
    });

    it(`lets only the ${service} task role mount and write, and only through its own access points`, () => {
      const grants = run
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .flatMap((p) => policyDocument(p).Statement.map((s: any) => ({ policy: p.name, ...s })))
        .filter((s: any) => asList(s.Resource).includes(fileSystem.state.arn));
      expect(grants).toEqual([
        {
          policy: `${service}-task`,
          Effect: "Allow",
          Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
          Resource: fileSystem.state.arn,
          Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": expect.any(Array) } },
        },
      ]);
      expect([...grants[0].Condition.StringEquals["elasticfilesystem:AccessPointArn"]].sort()).toEqual(
        accessPointsOf(run, fileSystem).map((ap) => ap.state.arn).sort(),
      );
    });
  });

  it("grants root access to no file system in any policy", () => {
    const actions = run.ofType("aws:iam/rolePolicy:RolePolicy").flatMap((p) => policyDocument(p).Statement.flatMap((s: any) => asList(s.Action)));
    expect(actions.filter((a: string) => /ClientRootAccess|elasticfilesystem:\*|^\*$/.test(a))).toEqual([]);
  });
});

describe("stack differences", () => {
  it("staging uses bursting throughput, prod elastic", () => {
    expect(runs.staging.ofType(FILE_SYSTEM).map((f) => f.inputs.throughputMode)).toEqual(["bursting", "bursting"]);
    expect(runs.prod.ofType(FILE_SYSTEM).map((f) => f.inputs.throughputMode)).toEqual(["elastic", "elastic"]);
  });

  it("prod's file systems are protected from deletion and kept on destroy", () => {
    for (const fs of runs.prod.ofType(FILE_SYSTEM)) expect([fs.name, fs.protect, fs.retainOnDelete]).toEqual([fs.name, true, true]);
  });

  it("staging's are not, so a staging stack can be torn down", () => {
    for (const fs of runs.staging.ofType(FILE_SYSTEM)) expect([fs.name, fs.protect, fs.retainOnDelete]).toEqual([fs.name, false, false]);
  });

  it("prod has a mount target in each of its three AZs, staging in each of its two", () => {
    expect(runs.prod.ofType(MOUNT_TARGET).filter((m) => m.name.startsWith("gateway-"))).toHaveLength(3);
    expect(runs.staging.ofType(MOUNT_TARGET).filter((m) => m.name.startsWith("gateway-"))).toHaveLength(2);
  });
});

describe.each(["staging", "prod"] as const)("the file data keys of %s", (stack) => {
  const run = () => runs[stack];
  const key = (volume: string) => run().get("aws:kms/key:Key", volume);

  it.each(VOLUMES.map((v) => [v.volume, v.service] as const))("%s: its own key, rotating, protected with the data in prod and never deleted", (volume) => {
    const fs = run().get(FILE_SYSTEM, volume);
    expect(fs.inputs.kmsKeyId).toBe(key(volume).state.arn);
    expect(key(volume).inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    // Losing the key loses the data, irreversibly: a replaced or destroyed key would be scheduled for deletion, and
    // a retained file system (or a restored one, on the same key) stops working when it goes.
    expect([key(volume).protect, key(volume).retainOnDelete]).toEqual([fs.protect, true]);
  });

  it("puts every file system on its own volume's key: the key of the Volume component it belongs to", () => {
    const fileSystems = run().ofType(FILE_SYSTEM);
    expect(fileSystems.length).toBeGreaterThan(0);
    for (const fs of fileSystems) {
      const keys = run().ofType("aws:kms/key:Key").filter((k) => k.parentUrn === fs.parentUrn && k.name === fs.name);
      expect({ fileSystem: fs.name, keys: keys.map((k) => k.state.arn) }).toEqual({ fileSystem: fs.name, keys: [fs.inputs.kmsKeyId] });
      expect(keys[0].retainOnDelete).toBe(true);
    }
  });

  it.each(VOLUMES.map((v) => [v.volume, v.service] as const))(
    "%s: its policy keeps the account as administrator and admits the %s task role through EFS only",
    (volume, service) => {
      const policy = run().ofType("aws:kms/keyPolicy:KeyPolicy").find((p) => p.inputs.keyId === key(volume).id)!;
      const statements = policyDocument(policy).Statement;
      expect(statements[0]).toMatchObject({ Effect: "Allow", Principal: { AWS: expect.stringMatching(/^arn:aws:iam::\d{12}:root$/) }, Action: "kms:*" });
      const taskRoleArn = run().get("aws:ecs/taskDefinition:TaskDefinition", service).inputs.taskRoleArn;
      const tasks = statements.filter((s: any) => s.Principal.AWS !== statements[0].Principal.AWS);
      expect(tasks).toHaveLength(1);
      expect(tasks[0].Principal).toEqual({ AWS: taskRoleArn });
      expect(tasks[0].Condition.StringEquals["kms:ViaService"]).toBe("elasticfilesystem.eu-west-1.amazonaws.com");
      expect(tasks[0].Action).not.toContain("kms:*");
      expect(tasks[0].Sid).toMatch(/^[A-Za-z0-9]+$/);
    },
  );
});
