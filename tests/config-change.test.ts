/**
 * Config changes a platform engineer makes to a live stack, applied the way the engine applies them: it
 * creates new resources (and updates changed ones) before it deletes the ones that went away. Where AWS holds a
 * key unique (a listener per port, a rule per priority, a security-group rule per CIDR and port), a new or
 * changed resource must not claim a key that a resource of the previous run still holds, or `pulumi up` stops
 * half-applied (DuplicateListener, PriorityInUse, InvalidPermission.Duplicate).
 */
import { Captured, ProgramRun, runProgram } from "./support/harness";
import { availabilityZoneCidrMask } from "../components/shared/defaults";
import { ALB_SMALLEST_SUBNET_PREFIX, REPLACEMENT_SAFE_KEYS } from "../config-constraints";
import { configSchema } from "../config-schema";

const LISTENER = "aws:lb/listener:Listener";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const MOUNT_TARGET = "aws:efs/mountTarget:MountTarget";
const VPC = "awsx:ec2:Vpc";

/** What AWS keeps unique, per resource type. */
const UNIQUE_KEYS: Record<string, (r: Captured) => string> = {
  [LISTENER]: (r) => `${r.inputs.loadBalancerArn} port ${r.inputs.port}`,
  [LISTENER_RULE]: (r) => `${r.inputs.listenerArn} priority ${r.inputs.priority}`,
  [INGRESS]: (r) => ruleKey(r),
  [EGRESS]: (r) => ruleKey(r),
};

function ruleKey(r: Captured): string {
  const i = r.inputs;
  return `${i.securityGroupId} ${i.ipProtocol} ${i.fromPort}-${i.toPort} ${i.cidrIpv4 ?? i.referencedSecurityGroupId}`;
}

/** Resources of the second run that claim a key another resource of the first run holds while they are made. */
function collisions(before: ProgramRun, after: ProgramRun): string[] {
  const found: string[] = [];
  for (const [type, key] of Object.entries(UNIQUE_KEYS)) {
    const previous = new Map(before.ofType(type).map((r) => [r.urn, key(r)]));
    for (const r of after.ofType(type)) {
      const k = key(r);
      if (previous.get(r.urn) === k) continue;
      for (const [urn, held] of previous) {
        if (urn !== r.urn && held === k) found.push(`${type} ${r.name} claims "${k}" still held by ${urn.split("::").pop()}`);
      }
    }
  }
  return found;
}

const run = (config: Record<string, unknown>) => runProgram({ stack: "staging", config });

describe("turning the domain on and off", () => {
  let plain: ProgramRun;
  let withDomain: ProgramRun;
  beforeAll(async () => {
    // Staging's stack file has a domain: the committed stack, and the same stack without it.
    withDomain = await run({});
    plain = await run({ domain: "" });
  });

  it("changes the stack's listeners (the scenario is real)", () => {
    expect(withDomain.config["ai-platform:domain"]).toBe("staging.tupl.example.com");
    const ports = (r: ProgramRun) => r.ofType(LISTENER).map((l) => l.inputs.port as number);
    expect(ports(withDomain).sort((a, b) => a - b)).toEqual([80, 443]);
    // Without a domain, HTTPS goes and each system gets a listener of its own port instead.
    expect(ports(plain)).toContain(80);
    expect(ports(plain)).not.toContain(443);
    expect(ports(plain).length).toBeGreaterThan(ports(withDomain).length);
  });

  it("keeps the port-80 listener as one resource, updated in place either way", () => {
    const port80 = (r: ProgramRun) => r.ofType(LISTENER).find((l) => l.inputs.port === 80)!.urn;
    expect(port80(withDomain)).toBe(port80(plain));
  });

  it("claims no listener port, rule priority or security-group rule still held, in either direction", () => {
    expect(collisions(plain, withDomain)).toEqual([]);
    expect(collisions(withDomain, plain)).toEqual([]);
  });
});

describe("removing one of two ingress CIDRs", () => {
  let two: ProgramRun;
  let one: ProgramRun;
  beforeAll(async () => {
    two = await run({ allowedIngressCidrs: ["203.0.113.0/24", "198.51.100.0/24"] });
    one = await run({ allowedIngressCidrs: ["198.51.100.0/24"] });
  });

  it("deletes the removed CIDR's rules and leaves the other CIDR's rules untouched", () => {
    const cidrRules = (r: ProgramRun) => Object.fromEntries(r.ofType(INGRESS).filter((x) => x.inputs.cidrIpv4).map((x) => [x.urn, x.inputs.cidrIpv4]));
    const kept = Object.entries(cidrRules(two)).filter(([, cidr]) => cidr === "198.51.100.0/24");
    expect(kept.length).toBeGreaterThan(0);
    for (const [urn, cidr] of kept) expect(cidrRules(one)[urn]).toBe(cidr);
  });

  it("claims no rule key still held", () => {
    expect(collisions(two, one)).toEqual([]);
  });
});

describe("the detector", () => {
  it("finds a rule rewritten into a CIDR another rule still holds", async () => {
    const before = await run({ allowedIngressCidrs: ["203.0.113.0/24", "198.51.100.0/24"] });
    const after = { ...before, ofType: (t: string) => before.ofType(t).map((r) => ({ ...r, inputs: { ...r.inputs } })) } as ProgramRun;
    const rewritten = after.ofType(INGRESS);
    const first = rewritten.find((r) => r.inputs.cidrIpv4 === "203.0.113.0/24")!;
    first.inputs.cidrIpv4 = "198.51.100.0/24";
    const view = { ...after, ofType: (t: string) => (t === INGRESS ? rewritten : before.ofType(t)) } as ProgramRun;
    expect(collisions(before, view)).toEqual([expect.stringContaining(`${first.name} claims`)]);
  });
});

describe("adding an availability zone", () => {
  let two: ProgramRun;
  let three: ProgramRun;
  beforeAll(async () => {
    two = await run({ availabilityZones: 2 });
    three = await run({ availabilityZones: 3 });
  });

  it("keeps each AZ's address block, so the existing subnets stay where they are and new ones are added", () => {
    const mask = (r: ProgramRun) => r.get(VPC, "network").inputs.availabilityZoneCidrMask;
    expect(mask(two)).toBe(mask(three));
    expect(mask(two)).toBe(availabilityZoneCidrMask(two.get(VPC, "network").inputs.cidrBlock));
  });

  it("leaves room in the VPC for six AZ blocks, each halved into a public and a private subnet of at least the /27 an ALB needs", () => {
    for (const cidr of ["10.0.0.0/16", "10.0.0.0/23"]) {
      const prefix = Number(cidr.split("/")[1]);
      const mask = availabilityZoneCidrMask(cidr);
      expect(2 ** (mask - prefix)).toBeGreaterThanOrEqual(6);
      expect(mask + 1).toBeLessThanOrEqual(ALB_SMALLEST_SUBNET_PREFIX);
    }
  });

  it("adds a mount target per file system for the new AZ, and replaces a mount target by deleting it first (one per AZ)", () => {
    const perFs = (r: ProgramRun) => r.ofType(MOUNT_TARGET).length;
    expect(perFs(three)).toBe((perFs(two) / 2) * 3);
    for (const m of three.ofType(MOUNT_TARGET)) expect([m.name, m.deleteBeforeReplace]).toEqual([m.name, true]);
  });
});

/**
 * Moving a secondary region replaces what lives there (region is ForceNew in @pulumi/aws 7). Each such key must
 * neither hit a protected resource (which refuses replacement) nor create a second replication of one file system
 * (EFS refuses: ReplicationAlreadyExists), and what the old region holds is retained, not deleted.
 */
describe("moving a secondary region in prod", () => {
  let before: ProgramRun;
  let moved: ProgramRun;
  const REGIONS = { efsReplicationRegion: ["eu-central-1", "eu-north-1"], backupCopyRegion: ["eu-central-1", "eu-north-1"] } as const;
  beforeAll(async () => {
    // With the vault lock on, so that the locks move too (and the run is the recovery-point sweep's prod base).
    const at = (i: 0 | 1) => ({ efsReplicationRegion: REGIONS.efsReplicationRegion[i], backupCopyRegion: REGIONS.backupCopyRegion[i], backupVaultLock: true });
    before = await runProgram({ stack: "prod", config: at(0) });
    moved = await runProgram({ stack: "prod", config: at(1) });
  });

  /** Resources of the first run whose region input the move changes: each is replaced at `up`. */
  const replaced = () => before.resources.filter((r) => r.inputs.region && moved.resources.find((m) => m.urn === r.urn)?.inputs.region !== r.inputs.region);
  const replication = () => before.resources.filter((r) => r.type === "aws:efs/replicationConfiguration:ReplicationConfiguration");

  it("covers every key that names a secondary region", () => {
    expect(Object.keys(REPLACEMENT_SAFE_KEYS).sort()).toEqual(Object.keys(REGIONS).sort());
    expect(replaced().length).toBeGreaterThan(0);
  });

  it("replaces nothing protected: the move is not refused at up", () => {
    expect(replaced().filter((r) => r.protect).map((r) => r.urn)).toEqual([]);
  });

  it("retains what the old region holds (keys, vault, lock) instead of deleting it", () => {
    for (const r of replaced()) expect([r.urn, r.retainOnDelete]).toEqual([r.urn, true]);
  });

  it("deletes each file system's replication before it creates the one to the new region", () => {
    expect(replication().length).toBeGreaterThan(0);
    for (const r of replication()) {
      const after = moved.resources.find((m) => m.urn === r.urn)!;
      expect((after.inputs.destination as { region: string }).region).toBe(REGIONS.efsReplicationRegion[1]);
      expect(after.deleteBeforeReplace).toBe(true);
    }
  });
});

/**
 * Recovery points live in vaults: deleting a vault (with forceDestroy) deletes them, and a lost vault key makes
 * them unreadable. No config change may do either: every vault, vault key and lock a change removes or moves to
 * another region must be retained, so only an explicit destroy ever deletes recovery points.
 */
describe("no config change removes a recovery point", () => {
  const VAULT = "aws:backup/vault:Vault";
  const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
  /**
   * Every key about backups, changed to values the config accepts other than the base's (BASE below). Changes that
   * ask the same question share a run: the copy region moves with the replica (the run of the region move above),
   * the copy and the monthly recovery points stop together (both remove what they held), and the two retentions
   * lengthen together (the run tests/backup.test.ts makes of a longer retention).
   */
  const CHANGES: Record<string, unknown>[] = [
    { backups: false },
    { backupCopyRegion: "eu-north-1", efsReplicationRegion: "eu-north-1" },
    { backupCopyRegion: "", backupMonthlyRetentionMonths: 0 },
    { backupVaultLock: false },
    { backupDailyRetentionDays: 90, backupMonthlyRetentionMonths: 24 },
    { systems: ["gateway"] },
    { systems: ["securityStack"] },
  ];
  /** What holds recovery points, or reads them: the vaults, their locks, and the vaults' keys. */
  const holders = (run: ProgramRun): Captured[] => {
    const vaults = run.ofType(VAULT);
    const keys = run.ofType("aws:kms/key:Key").filter((k) => vaults.some((v) => v.inputs.kmsKeyArn === k.state.arn));
    return [...vaults, ...run.ofType(LOCK), ...keys];
  };
  /** The holders of `before` that `after` no longer has, or has in another region (a replacement): each is deleted at `up` unless retained. */
  const lost = (before: ProgramRun, after: ProgramRun): Captured[] =>
    holders(before).filter((r) => {
      const now = after.resources.find((a) => a.urn === r.urn);
      return !now || (now.inputs.region ?? "") !== (r.inputs.region ?? "");
    });

  it("covers every key that is about backups", () => {
    const changed = new Set(CHANGES.flatMap((c) => Object.keys(c)));
    expect(Object.keys(configSchema).filter((k) => k.startsWith("backup")).sort()).toEqual([...changed].filter((k) => k.startsWith("backup")).sort());
  });

  /**
   * Each change is made to prod, whose recovery points matter, from a base with every kind of holder (a copy region
   * and a lock). Staging builds its vaults with the same code from the same keys, so sweeping it too would prove the
   * same thing again; it gets the one change prod refuses, turning backups off.
   */
  const BASE = { backupCopyRegion: "eu-central-1", efsReplicationRegion: "eu-central-1", backupVaultLock: true };
  const SWEEP = CHANGES.map((change) => ["prod", change] as const);

  /** Runs the change from the stack's base and checks it both ways; a refusal at preview is safe too. */
  async function expectNoneLost(stack: "staging" | "prod", change: Record<string, unknown>): Promise<"applied" | string> {
    const base = await runProgram({ stack, config: BASE });
    const outcome = await runProgram({ stack, config: { ...BASE, ...change } }).then(
      (run) => ({ run }),
      (error: Error) => ({ error }),
    );
    if ("error" in outcome) return outcome.error.message;
    const changed = outcome.run;
    for (const [from, to] of [
      [base, changed],
      [changed, base],
    ]) {
      for (const r of lost(from, to)) expect([r.type, r.name, r.retainOnDelete]).toEqual([r.type, r.name, true]);
    }
    expect(holders(changed).filter((r) => r.type === VAULT).map((r) => r.urn)).toContain(base.get(VAULT, "backup").urn);
    return "applied";
  }

  it.each(SWEEP)("in %s, %j deletes no vault, lock or vault key, either way", async (stack, change) => {
    const outcome = await expectNoneLost(stack, change);
    // Refused outright is safe: a protected stack keeps its backups on. Nothing else is refused.
    if (outcome !== "applied") expect([change, outcome]).toEqual([{ backups: false }, expect.stringContaining("false in a protected stack")]);
  });

  it("in staging, turning backups off deletes no vault, lock or vault key, either way", async () => {
    const base = await runProgram({ stack: "staging", config: BASE });
    expect(holders(base).map((r) => r.type).sort()).toEqual([LOCK, LOCK, "aws:kms/key:Key", "aws:kms/key:Key", VAULT, VAULT].sort());
    expect(await expectNoneLost("staging", { backups: false })).toBe("applied");
  });
});
