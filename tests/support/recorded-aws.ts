/**
 * Recorded AWS API responses (tests/fixtures/diagnose/*.json) served through the SDK clients' own `send`, with
 * aws-sdk-client-mock: every ECS, ELBv2, CloudWatch Logs and Application Auto Scaling client the code makes
 * answers from the fixture, and each call is kept so a test can say which API actions were used.
 *
 * A fixture holds, per client and operation, either one response (whatever the input) or a list of
 * `{ input, output }` (the first whose input is part of the call's input answers). The responses are written as
 * the API references show them; the one difference is that timestamps are ISO strings, which the loader turns
 * into the Dates the SDK hands back. An operation a fixture does not list answers `{}`: ECS's "nothing".
 */
import * as fs from "fs";
import * as path from "path";
import * as autoscaling from "@aws-sdk/client-application-auto-scaling";
import * as logs from "@aws-sdk/client-cloudwatch-logs";
import * as ecs from "@aws-sdk/client-ecs";
import * as elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { ROOT } from "./harness";

export const FIXTURES_DIR = path.join(ROOT, "tests", "fixtures", "diagnose");

/** Each client, the module its commands come from, and the IAM prefix of its actions. */
const SERVICES = {
  ecs: { client: ecs.ECSClient, commands: ecs as Record<string, unknown>, iam: "ecs" },
  elbv2: { client: elbv2.ElasticLoadBalancingV2Client, commands: elbv2 as Record<string, unknown>, iam: "elasticloadbalancing" },
  logs: { client: logs.CloudWatchLogsClient, commands: logs as Record<string, unknown>, iam: "logs" },
  autoscaling: { client: autoscaling.ApplicationAutoScalingClient, commands: autoscaling as Record<string, unknown>, iam: "application-autoscaling" },
} as const;
type ServiceKey = keyof typeof SERVICES;

type Recorded = unknown | { input: Record<string, unknown>; output: unknown }[];

export interface Fixture {
  description: string;
  /** What `pulumi stack output --json` prints for the stack. */
  outputs: Record<string, unknown>;
  responses: Partial<Record<ServiceKey, Record<string, Recorded>>>;
}

/** ISO timestamps in fields named like the APIs' timestamps (`stoppedAt`, `CreationTime`) become Dates. */
const reviveTimestamps = (key: string, value: unknown): unknown =>
  typeof value === "string" && /(At|Time)$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(value) ? new Date(value) : value;

export function loadFixture(name: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.json`), "utf8"), reviveTimestamps) as Fixture;
}

/** The mocks of every client, made once per test file (they replace the clients' `send` for every instance). */
export class RecordedAws {
  private readonly stubs: Record<ServiceKey, AwsClientStub<any>>;

  constructor() {
    this.stubs = Object.fromEntries(Object.entries(SERVICES).map(([key, s]) => [key, mockClient(s.client as any)])) as Record<ServiceKey, AwsClientStub<any>>;
  }

  /** Answers from these responses from now on, forgetting earlier calls. */
  serve(responses: Fixture["responses"]): void {
    for (const [key, stub] of Object.entries(this.stubs) as [ServiceKey, AwsClientStub<any>][]) {
      stub.reset();
      stub.onAnyCommand().resolves({});
      for (const [operation, recorded] of Object.entries(responses[key] ?? {})) {
        const command = SERVICES[key].commands[`${operation}Command`];
        if (!command) throw new Error(`fixture names ${key}:${operation}, which the SDK does not have`);
        if (Array.isArray(recorded) && recorded.every((r) => r && typeof r === "object" && "input" in r && "output" in r)) {
          for (const r of recorded) stub.on(command as any, r.input).resolves(r.output);
        } else {
          stub.on(command as any).resolves(recorded as object);
        }
      }
    }
  }

  /** Makes this operation fail as AWS would, with an error of this name. */
  fail(key: ServiceKey, operation: string, name: string, message: string): void {
    this.stubs[key].on(SERVICES[key].commands[`${operation}Command`] as any).rejects(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } }));
  }

  /** The IAM action of every call made since the last `serve`, in order (`ecs:DescribeServices`). */
  actions(): string[] {
    return (Object.entries(this.stubs) as [ServiceKey, AwsClientStub<any>][]).flatMap(([key, stub]) =>
      stub.calls().map((call) => `${SERVICES[key].iam}:${(call.args[0] as object).constructor.name.replace(/Command$/, "")}`),
    );
  }

  /** The inputs of every call of one operation. */
  inputs(key: ServiceKey, operation: string): Record<string, unknown>[] {
    const command = SERVICES[key].commands[`${operation}Command`];
    return this.stubs[key].commandCalls(command as any).map((call) => call.args[0].input as Record<string, unknown>);
  }

  restore(): void {
    for (const stub of Object.values(this.stubs)) stub.restore();
  }
}
