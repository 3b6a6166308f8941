/**
 * `npm run diagnose` against recorded ECS, ELBv2, CloudWatch Logs and Application Auto Scaling responses
 * (tests/fixtures/diagnose/, one per cause, served through the SDK clients by aws-sdk-client-mock): each cause is
 * named with its fix and runbook entry, what no rule knows is shown as AWS said it, a healthy stack exits 0, and a
 * stack without outputs fails in one line. No program run and no network: the whole file takes about a second.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { USAGE, main } from "../scripts/diagnose";
import { CAUSES, DIAGNOSE_ACTIONS, diagnose, runbookAnchor } from "../scripts/diagnose/index";
import { parseOutputs } from "../scripts/diagnose/outputs";
import { ROOT } from "./support/harness";
import { Finished, run } from "./support/processes";
import { FIXTURES_DIR, RecordedAws, loadFixture } from "./support/recorded-aws";

/** The fixtures were recorded minutes after the failed deploys they show. */
const NOW = new Date("2026-03-10T10:30:00Z");
const aws = new RecordedAws();
let dir: string;

/**
 * `npm run diagnose -- --help`, started with the file: its second of npm and ts-node starting runs beside the
 * in-process tests instead of after them.
 */
let npmRunHelp: Promise<Finished>;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "diagnose-"));
  npmRunHelp = run("npm", ["run", "--silent", "diagnose", "--", "--help"], { cwd: ROOT });
  npmRunHelp.catch(() => undefined); // reported by its test
});
afterAll(() => {
  aws.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run diagnose -- <args>` in process, with an outputs file and the fixture's responses. */
async function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const run: Run = { code: -1, stdout: "", stderr: "" };
  run.code = await main(args, { stdout: (t) => (run.stdout += t), stderr: (t) => (run.stderr += t), now: NOW, ...(env ? { env } : {}) });
  return run;
}

function outputsFile(name: string, outputs: unknown): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(outputs));
  return file;
}

/** Serves a fixture and runs the command on it. */
async function runFixture(name: string): Promise<Run> {
  const fixture = loadFixture(name);
  aws.serve(fixture.responses);
  return runCli(["--stack", "staging", "--outputs", outputsFile(name, fixture.outputs)]);
}

/** The library's findings for a fixture: [system, cause, line, fix] in report order. */
async function findingsOf(name: string): Promise<string[][]> {
  const fixture = loadFixture(name);
  aws.serve(fixture.responses);
  const diagnosis = await diagnose({ stack: "staging", outputs: parseOutputs(fixture.outputs, name), now: NOW });
  return diagnosis.services.flatMap((s) => s.findings.map((g) => [s.system, g.finding.cause, g.finding.line, g.finding.fix]));
}

/** Each cause's fixture, whether the stack it shows is healthy, and the findings in it: [system, cause, line, fix]. */
const CASES: [string, { healthy: boolean; findings: string[][] }][] = [
  [
    "image-pull",
    {
      healthy: false,
      findings: [
        [
          "gateway",
          "image-pull",
          "Image pull failed: the image is gone from ECR",
          "the task definition names an image ECR no longer holds (expired or deleted): `pulumi up` rebuilds and pushes it; `ecrKeepImages` keeps more images",
        ],
        [
          "gateway",
          "image-pull",
          "Image pull failed: no route to ECR",
          "the private subnets need a way out on 443: a running NAT (gateway or instance, `natGateways`) and a 0.0.0.0/0 route in their route tables, or ECR and S3 VPC endpoints",
        ],
        [
          "gateway",
          "image-pull",
          "Image pull failed: ECR refused the task's execution role",
          "the execution role needs ecr:GetAuthorizationToken and pull rights on this repository (components/service/task-roles.ts grants them by repository ARN): an image from another repository or account is refused",
        ],
      ],
    },
  ],
  [
    "secrets",
    {
      healthy: false,
      findings: [
        [
          "securityStack",
          "secrets",
          "Secrets could not be read: the execution role may not read the secret",
          "the execution role needs secretsmanager:GetSecretValue on the secret's exact ARN (components/service/task-roles.ts); a secret recreated outside Pulumi has a new ARN: `pulumi up` again",
        ],
        [
          "securityStack",
          "secrets",
          "Secrets could not be read: KMS refused to decrypt the secret",
          "the key that encrypts the secret must let the execution role decrypt through Secrets Manager (kms:Decrypt): check that key's policy and the role's grants",
        ],
        [
          "securityStack",
          "secrets",
          "Secrets could not be read: no route to Secrets Manager",
          "the private subnets need a way out on 443 to Secrets Manager (a running NAT and its route, or a secretsmanager VPC endpoint that admits the tasks' security group)",
        ],
      ],
    },
  ],
  [
    "efs-mount",
    {
      healthy: false,
      findings: [
        [
          "gateway",
          "efs-mount",
          "EFS mount failed: NFS (port 2049) timed out",
          "the mount targets' security group must admit TCP 2049 from the task's security group (components/service/task-network.ts), and every mount target must be available",
        ],
        [
          "gateway",
          "efs-mount",
          "EFS mount failed: access denied",
          "the task role needs elasticfilesystem:ClientMount (and ClientWrite) through the access point, the file system policy must allow it, and the volume must use IAM and transit encryption",
        ],
        [
          "gateway",
          "efs-mount",
          "EFS mount failed: no mount target in the task's availability zone",
          "the file system needs an available mount target in each private subnet's zone (`aws efs describe-mount-targets --file-system-id <fs>`); `pulumi up` creates a missing one",
        ],
        [
          "gateway",
          "efs-mount",
          "EFS mount failed: the access point's directory is missing",
          "the access point's root directory must exist or carry creation info (owner, group, permissions) so EFS makes it: `aws efs describe-access-points --file-system-id <fs>`",
        ],
      ],
    },
  ],
  [
    "target-health",
    {
      healthy: false,
      findings: [
        [
          "securityStack",
          "target-health",
          "Failed the load balancer's health checks: HTTP /health on port 8000, expecting 200 (target group security-8000)",
          "the container must answer 200 on /health at port 8000, listening on 0.0.0.0, within the check's timeout; if it only needs longer to start, raise the 900 s grace period",
        ],
        [
          "securityStack",
          "target-health",
          "Health check answered with the wrong status: target 10.0.141.27:8000 in security-8000 (Health checks failed with these codes: [404]; the check is HTTP /health on port 8000, expecting 200)",
          "serve 200 on /health, or point the check at a path that does (the port's `healthCheckPath` where its system is defined in components/)",
        ],
        [
          "securityStack",
          "target-health",
          "Health check timed out: target 10.0.141.27:8001 in security-8001 (the check is HTTP /health on port 8001, expecting 200)",
          "the container must listen on 0.0.0.0:8001, the task's security group admit the load balancer on 8001, and /health answer within the check's timeout; a slow start needs more than the 900 s grace period",
        ],
      ],
    },
  ],
  [
    "container-unhealthy",
    {
      healthy: false,
      findings: [
        [
          "gateway",
          "container-unhealthy",
          "Container chromadb turned unhealthy: its own health check failed",
          "run its check `timeout 4 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8000 && printf \"GET /api/v2/heartbeat HTTP/1.1\\r\\nHos…` inside the container (ECS Exec) " +
            "and read its last log lines; if it is only slow to start, raise its `startPeriodSeconds` (30 s now) where its system defines the container in components/",
        ],
      ],
    },
  ],
  [
    "container-exited",
    {
      healthy: false,
      findings: [
        ["securityStack", "container-exited", "Container management-plane exited with code 1 (the app failed)", "its last log lines below say why: fix the app or its settings and deploy again"],
        [
          "securityStack",
          "container-exited",
          "Container data-plane exited with code 127 (the command was not found)",
          "the container's command names a program the image lacks: check the Dockerfile's ENTRYPOINT and CMD against the task definition's command",
        ],
      ],
    },
  ],
  [
    "out-of-memory",
    {
      healthy: false,
      findings: [
        [
          "securityStack",
          "out-of-memory",
          "Container management-plane ran out of memory (exit code 137)",
          "the task has 8192 MiB: raise `securityStackMemory` (a Fargate size with `securityStackCpu`), or find what grows in its last log lines",
        ],
      ],
    },
  ],
  [
    "spot-interruption",
    {
      healthy: true,
      findings: [
        [
          "gateway",
          "spot-interruption",
          "Fargate Spot took the task back (a Spot interruption, not a failure)",
          "ECS starts a replacement by itself, but a single writer is down until it is healthy; if that outage matters, `pulumi config set gatewayCapacity onDemand && pulumi up`",
        ],
      ],
    },
  ],
  [
    "sleeping",
    {
      healthy: true,
      findings: [
        [
          "gateway",
          "sleeping",
          "Asleep: scaled to 0 by its sleep schedule `cron(0 20 ? * MON-FRI *)` Europe/Berlin, a scheduled scale-in, not a failure; it wakes `cron(0 7 ? * MON-FRI *)` Europe/Berlin",
          "nothing to fix; to wake it now, `scripts/wake-stack.sh staging`",
        ],
        ["gateway", "sleeping", "Stopped by the stack's sleep schedule: a scheduled scale-in to 0, not a failure", "nothing to fix: it wakes at its wake time; to wake it now, `scripts/wake-stack.sh staging`"],
      ],
    },
  ],
  [
    "unclassified",
    {
      healthy: false,
      findings: [["gateway", "unclassified", "Unclassified (TaskFailedToStart): ECS's own words below", "not one of the known causes: read the words below and the service's events, then the runbook"]],
    },
  ],
];

describe("each cause, from its recorded API responses", () => {
  it.each(CASES)("%s: names the cause and the fix of every record", async (name, expected) => {
    expect(await findingsOf(name)).toEqual(expected.findings);
  });

  it.each(CASES)("%s: prints each line, its fix and its runbook entry, and exits by the stack's health", async (name, expected) => {
    const run = await runFixture(name);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(expected.healthy ? 0 : 1);
    for (const [, cause, line, fix] of expected.findings) {
      expect(run.stdout).toContain(`**${line}**`);
      expect(run.stdout).toContain(`Fix: ${fix}. Runbook: [docs/runbook.md#diagnose-${cause}](docs/runbook.md#diagnose-${cause})`);
    }
  });

  it("covers every cause it knows, each with a fixture (a task a deployment replaced is in the healthy stack's)", async () => {
    const fromFixtures = [...CASES.flatMap(([, c]) => c.findings), ...(await findingsOf("healthy"))].map(([, cause]) => cause);
    expect([...new Set(fromFixtures)].sort()).toEqual(Object.keys(CAUSES).sort());
    expect(fs.readdirSync(FIXTURES_DIR).sort()).toEqual([...CASES.map(([name]) => `${name}.json`), "healthy.json"].sort());
  });
});

describe("what the report says beside the causes", () => {
  it("says the circuit breaker rolled the deploy back, and what runs now", async () => {
    const run = await runFixture("image-pull");
    expect(run.stdout).toContain(
      "- latest deployment (started 2026-03-10T10:02:11Z): ROLLBACK_SUCCESSFUL, triggered by the circuit breaker (3 of 3 tasks failed) — " +
        "Service deployment rolled back because the circuit breaker threshold was exceeded; rolled back at 2026-03-10T10:15:03Z",
    );
    expect(run.stdout).toContain("- primary ecs-svc/4829115627310946153 (staging-gateway:12): COMPLETED");
    expect(run.stdout).toContain("- the latest deployment ended ROLLBACK_SUCCESSFUL: what `pulumi up` asked for is not what runs");
    expect(run.stdout).toContain("| gateway | `gateway-7178987` | **unhealthy** | 1 of 1 running | image pull |");
  });

  it("says how far the circuit breaker has counted while a rollout still runs, and running against desired", async () => {
    const run = await runFixture("secrets");
    expect(run.stdout).toContain("IN_PROGRESS, the circuit breaker counts 3 of 10 failed tasks so far");
    expect(run.stdout).toContain("Service `security-8b37110`: 0 of 1 running.");
    expect(run.stdout).toContain("- 0 of 1 tasks running");
  });

  it("shows an exited container's last log lines, read from its awslogs stream", async () => {
    const run = await runFixture("container-exited");
    expect(run.stdout).toContain("Last 9 log lines of `management-plane`:");
    expect(run.stdout).toContain("     pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings");
    expect(run.stdout).toContain("     /bin/sh: 1: exec: bridge-server: not found");
    expect(aws.inputs("logs", "GetLogEvents")).toEqual(
      expect.arrayContaining([
        {
          logGroupName: "/ecs/staging/security",
          logStreamName: "management-plane/management-plane/a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0",
          startFromHead: false,
          limit: 20,
        },
      ]),
    );
  });

  it("shows what it cannot classify as ECS said it, never dropping it", async () => {
    const run = await runFixture("unclassified");
    expect(run.stdout).toContain("     Timeout waiting for network interface provisioning to complete. [TaskFailedToStart]");
  });

  it("lists the service's latest events, newest first", async () => {
    const run = await runFixture("image-pull");
    const events = run.stdout.slice(run.stdout.indexOf("### Latest events"));
    expect(events.indexOf("rolling back to deployment")).toBeLessThan(events.indexOf("deployment failed: tasks failed to start"));
  });

  it("asks ECS only for the deployments of the last day, and for the stopped tasks of each service", async () => {
    await runFixture("image-pull");
    expect(aws.inputs("ecs", "ListServiceDeployments")).toEqual([
      { cluster: "platform-f7a2fe3", service: "gateway-7178987", createdAt: { after: new Date("2026-03-09T10:30:00Z") } },
    ]);
    expect(aws.inputs("ecs", "ListTasks")).toEqual([{ cluster: "platform-f7a2fe3", serviceName: "gateway-7178987", desiredStatus: "STOPPED", maxResults: 100 }]);
  });
});

describe("a stack whose every service is healthy", () => {
  it("says so, lists each service with its tasks, and exits 0", async () => {
    const run = await runFixture("healthy");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("**Every service is healthy** (3 of 3). Cluster `platform-f7a2fe3`.");
    expect(run.stdout).toContain("| gateway | `gateway-7178987` | healthy | 1 of 1 running | — |");
    expect(run.stdout).toContain("| securityStack | `security-8b37110` | healthy | 1 of 1 running | — |");
    expect(run.stdout).toContain("| uiConsole | `console-42c9d4f` | healthy | 2 of 2 running | stopped on purpose |");
    expect(run.stdout).not.toMatch(/unhealthy/);
  });
});

describe("a service or an API that is not there", () => {
  const outputs = { clusterName: "platform-f7a2fe3", clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-f7a2fe3", serviceNames: { gateway: "gateway-7178987" } };

  it("reports a service ECS does not know as unhealthy, saying pulumi up creates it", async () => {
    aws.serve({
      ecs: { DescribeServices: { services: [], failures: [{ arn: "arn:aws:ecs:eu-west-1:123456789012:service/platform-f7a2fe3/gateway-7178987", reason: "MISSING" }] } },
    });
    const run = await runCli(["--stack", "staging", "--outputs", outputsFile("missing-service", outputs)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("- ECS has no service gateway-7178987 in the cluster (MISSING): the deploy never created it, or it was deleted; `pulumi up` creates it");
  });

  it("stops in one line, exit 2, when AWS refuses a call", async () => {
    aws.serve({});
    aws.fail("ecs", "DescribeServices", "AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: ecs:DescribeServices");
    const run = await runCli(["--stack", "staging", "--outputs", outputsFile("refused", outputs)]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: ecs:DescribeServices failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: ecs:DescribeServices\n",
    });
  });

  it("names the stack's region when the environment has none", async () => {
    aws.serve({});
    aws.fail("ecs", "DescribeServices", "Error", "Region is missing");
    const run = await runCli(["--stack", "staging", "--outputs", outputsFile("no-region", outputs)]);
    expect(run.stderr).toBe("error: ecs:DescribeServices failed: no AWS region: set AWS_REGION (or AWS_PROFILE with a region); this stack's cluster is in eu-west-1\n");
  });
});

describe("a stack without outputs", () => {
  it.each([
    [
      "has none (never deployed)",
      {},
      "outputs file <file> has no outputs: the stack has not been deployed (run `pulumi up`), or its first `pulumi up` failed (then run without --outputs: its state names the services)",
    ],
    ["has no cluster", { serviceNames: { gateway: "gateway-7178987" } }, 'outputs file <file> has no clusterName output: is it a stack of this program (docs/outputs.md)?'],
    ["has no services", { clusterName: "platform-f7a2fe3" }, "outputs file <file> has no serviceNames output (a map of system to ECS service name): is it a stack of this program?"],
  ])("fails in one line, exit 2, when the stack %s", async (_what, outputs, message) => {
    aws.serve({});
    const file = outputsFile("no-outputs", outputs);
    const run = await runCli(["--stack", "staging", "--outputs", file]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error: ${message.replace("<file>", file)}\n` });
    expect(aws.actions()).toEqual([]);
  });

  it("fails in one line when the outputs file is not there", async () => {
    const run = await runCli(["--stack", "staging", "--outputs", path.join(dir, "absent.json")]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error: cannot read outputs file ${path.join(dir, "absent.json")}: ENOENT\n` });
  });

  describe("read through the Pulumi CLI", () => {
    /** A security-stack service in the state of a stack whose first `pulumi up` failed: `pulumi stack export`'s shape. */
    const FIRST_UP_STATE = {
      version: 3,
      deployment: {
        manifest: { time: "2026-03-10T10:24:58Z", magic: "", version: "v3.248.0" },
        resources: [
          { urn: "urn:pulumi:first::ai-platform::pulumi:pulumi:Stack::ai-platform-first", custom: false, type: "pulumi:pulumi:Stack" },
          {
            urn: "urn:pulumi:first::ai-platform::ai-platform:system:SecurityStack::security-stack",
            custom: false,
            type: "ai-platform:system:SecurityStack",
            parent: "urn:pulumi:first::ai-platform::pulumi:pulumi:Stack::ai-platform-first",
          },
          {
            urn: "urn:pulumi:first::ai-platform::ai-platform:system:SecurityStack$ai-platform:service:FargateService::security",
            custom: false,
            type: "ai-platform:service:FargateService",
            parent: "urn:pulumi:first::ai-platform::ai-platform:system:SecurityStack::security-stack",
          },
          {
            urn: "urn:pulumi:first::ai-platform::ai-platform:service:FargateService$aws:ecs/service:Service::security",
            custom: true,
            parent: "urn:pulumi:first::ai-platform::ai-platform:system:SecurityStack$ai-platform:service:FargateService::security",
            id: "arn:aws:ecs:eu-west-1:123456789012:service/platform-f7a2fe3/security-8b37110",
            type: "aws:ecs/service:Service",
            outputs: { name: "security-8b37110", cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-f7a2fe3", desiredCount: 1 },
          },
        ],
      },
    };

    /**
     * A stand-in `pulumi` that knows three stacks: staging, with the healthy fixture's outputs; first, whose first
     * `pulumi up` failed (no outputs, a service in its state); and empty, with nothing deployed.
     */
    const pulumiEnv = (): NodeJS.ProcessEnv => {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin, { recursive: true });
      const outputs = outputsFile("pulumi-staging", loadFixture("healthy").outputs);
      const state = outputsFile("pulumi-first-state", FIRST_UP_STATE);
      const emptyState = outputsFile("pulumi-empty-state", { version: 3, deployment: { resources: [] } });
      fs.writeFileSync(
        path.join(bin, "pulumi"),
        [
          "#!/bin/bash",
          'case "$*" in',
          `  "stack output --json --stack staging") cat ${JSON.stringify(outputs)} ;;`,
          `  "stack output --json --stack first" | "stack output --json --stack empty") echo '{}' ;;`,
          `  "stack export --stack first") cat ${JSON.stringify(state)} ;;`,
          `  "stack export --stack empty") cat ${JSON.stringify(emptyState)} ;;`,
          `  *) echo "error: no stack named '\${*: -1}' found" >&2; exit 255 ;;`,
          "esac",
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    };

    it("finds the services of a stack whose first `pulumi up` failed in its state, by system key, and says so", async () => {
      aws.serve(loadFixture("out-of-memory").responses);
      const run = await runCli(["--stack", "first"], pulumiEnv());
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("The stack has no outputs yet (its first `pulumi up` failed), so its services were read from its state.");
      expect(run.stdout).toContain("| securityStack | `security-8b37110` | **unhealthy** |");
      expect(run.stdout).toContain("raise `securityStackMemory`");
    });

    it("fails in one line, exit 2, when neither the outputs nor the state name a service", async () => {
      const run = await runCli(["--stack", "empty"], pulumiEnv());
      expect(run).toEqual({ code: 2, stdout: "", stderr: 'error: stack "empty" has no outputs and no ECS service in its state: none has been deployed yet (run `pulumi up`)\n' });
    });

    it("asks `pulumi stack output --json --stack <name>` for them", async () => {
      aws.serve(loadFixture("healthy").responses);
      const run = await runCli(["--stack", "staging"], pulumiEnv());
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("**Every service is healthy**");
    });

    it("fails in one line, exit 2, with the CLI's own words for a stack it does not have", async () => {
      const run = await runCli(["--stack", "nope"], pulumiEnv());
      expect(run).toEqual({ code: 2, stdout: "", stderr: "error: `pulumi stack output --json --stack nope` failed: no stack named 'nope' found\n" });
    });

    it("says to pass --outputs when the Pulumi CLI is not installed", async () => {
      const run = await runCli(["--stack", "staging"], { PATH: path.join(dir, "empty") });
      expect(run.stderr).toBe("error: the Pulumi CLI is not on PATH: install it, or pass --outputs <file> with what `pulumi stack output --json` prints\n");
      expect(run.code).toBe(2);
    });
  });
});

describe("the command line", () => {
  it("explains itself with --help, on stdout, exit 0", async () => {
    const run = await runCli(["--help"]);
    expect(run).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
    for (const words of ["--stack", "--outputs", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL_*", "Exit status: 0", "1 a service is unhealthy"]) {
      expect(USAGE).toContain(words);
    }
    const listed = [...USAGE.matchAll(/^ {2}([a-z-]+): (.+)$/gm)].flatMap(([, service, names]) => names.split(", ").map((n) => `${service}:${n}`));
    expect(listed).toEqual([...DIAGNOSE_ACTIONS]);
  });

  it("is `npm run diagnose`", async () => {
    const result = await npmRunHelp;
    expect(result.stdout).toBe(`${USAGE}\n`);
    expect(result.status).toBe(0);
  });

  it.each([
    [[], "--stack is required"],
    [["--stack"], "--stack needs a value"],
    [["--stack", "staging", "--verbose"], 'unknown argument "--verbose"'],
  ])("refuses %j with the usage, exit 2", async (args, message) => {
    const run = await runCli(args);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error: ${message}\n\n${USAGE}\n` });
  });
});

describe("the permissions it needs", () => {
  it("are read-only", () => {
    for (const action of DIAGNOSE_ACTIONS) expect(action).toMatch(/^[a-z-]+:(Describe|List|Get)[A-Za-z]+$/);
  });

  it("are exactly the actions the diagnosis calls, over every fixture", async () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(FIXTURES_DIR)) {
      await runFixture(file.replace(/\.json$/, ""));
      for (const action of aws.actions()) used.add(action);
    }
    expect([...used].sort()).toEqual([...DIAGNOSE_ACTIONS].sort());
  });
});

describe("the runbook", () => {
  it("has an entry for every cause, where the report points", () => {
    const runbook = fs.readFileSync(path.join(ROOT, "docs", "runbook.md"), "utf8");
    const anchors = [...runbook.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]);
    expect(anchors).toEqual(expect.arrayContaining(Object.keys(CAUSES).map((c) => runbookAnchor(c as keyof typeof CAUSES))));
  });

  it("starts from the diagnosis", () => {
    const runbook = fs.readFileSync(path.join(ROOT, "docs", "runbook.md"), "utf8");
    expect(runbook.startsWith("# Runbook\n")).toBe(true);
    expect(runbook.split("\n").find((l) => l.startsWith("## ") || l.startsWith("**"))).toBe("## Diagnose a failed deploy");
    expect(runbook).toContain("npm run diagnose -- --stack $STACK");
  });
});
