/**
 * The deploy job and its AWS session outlast the worst good `pulumi up` of every stack (lib/deploy-budget.ts),
 * computed from the services' own timeouts in the captured graph: a run is never killed, nor its credentials
 * expired, in the middle of an update that would have succeeded.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { load } from "js-yaml";
import { timeoutMinutes } from "../components/service/deploy-time";
import {
  COLD_IMAGE_BUILD_SECONDS,
  DEPLOY_SESSION_SECONDS,
  PLATFORM_READY_SECONDS,
  PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES,
  worstGoodUpSeconds,
} from "../lib/deploy-budget";
import { STACKS, runProgram } from "./support/harness";

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
const deploy = load(readFileSync(join(__dirname, "..", ".github", "workflows", "deploy.yml"), "utf8")) as {
  jobs: Record<string, { "timeout-minutes": number; steps: Step[] }>;
};
const up = deploy.jobs.up;
const credentials = up.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!;

describe.each(STACKS)("%s", (stack) => {
  let worst: number;
  beforeAll(async () => {
    const run = await runProgram({ stack });
    const services = run.ofType("aws:ecs/service:Service");
    expect(services.length).toBeGreaterThan(0);
    worst = worstGoodUpSeconds(services.map((s) => Math.max(timeoutMinutes(s.customTimeouts!.create), timeoutMinutes(s.customTimeouts!.update))));
  });

  it("has a worst good up of the platform, a cold build and its slowest service's timeout", () => {
    expect(worst).toBeGreaterThan(PLATFORM_READY_SECONDS + COLD_IMAGE_BUILD_SECONDS);
  });

  it("fits the deploy job's timeout", () => {
    expect(up["timeout-minutes"] * 60).toBeGreaterThanOrEqual(worst);
  });

  it("fits the AWS session the job asks for, which is the deploy role's session", () => {
    expect(Number(credentials.with!["role-duration-seconds"])).toBe(DEPLOY_SESSION_SECONDS);
    expect(DEPLOY_SESSION_SECONDS).toBeGreaterThanOrEqual(worst);
  });
});

it("gives the recovery point before the deploy no longer than the budget allows for it", () => {
  const backup = up.steps.find((s) => s.run?.includes("pre-migration-backup.sh"))!;
  expect(Number(backup.env!.BACKUP_TIMEOUT_MINUTES)).toBe(PRE_MIGRATION_BACKUP_TIMEOUT_MINUTES);
});

it("asks for no longer a session than IAM allows a role (12 hours)", () => {
  expect(DEPLOY_SESSION_SECONDS).toBeLessThanOrEqual(12 * 3600);
});
