/**
 * Every IAM role a stack creates, found in the captured graph whatever component made it, lives under its stack's
 * path and carries bootstrap's permissions boundary (components/shared/iam-scope.ts): the only roles the deploy roles may
 * create (tests/bootstrap.test.ts proves that side with an IAM simulator). Every service trust is this account's only.
 */
import { STACK_BOUNDARY, stackIamPath } from "../components/shared/iam-scope";
import { ProgramRun, STACKS, runProgram } from "./support/harness";

const ROLE = "aws:iam/role:Role";

describe.each(STACKS)("%s", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack });
  });

  it("creates roles (the scenario is real): tasks, executions, AWS Backup's, and the NAT instance's where it has one", () => {
    const names = run.ofType(ROLE).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["gateway-task", "gateway-execution", "backup"]));
    if (stack === "staging") expect(names).toContain("network-nat");
  });

  it("puts every role and instance profile under /ai-platform/<stack>/ with the boundary bootstrap makes", () => {
    const boundary = `arn:aws:iam::123456789012:policy${STACK_BOUNDARY.path}${run.config["ai-platform:iamPermissionsBoundary"]}`;
    for (const role of run.ofType(ROLE)) {
      expect({ role: role.name, path: role.inputs.path, boundary: role.inputs.permissionsBoundary }).toEqual({ role: role.name, path: stackIamPath(stack), boundary });
    }
    for (const profile of run.ofType("aws:iam/instanceProfile:InstanceProfile")) expect(profile.inputs.path).toBe(stackIamPath(stack));
  });

  it("lets each AWS service assume a role only for this account (aws:SourceAccount)", () => {
    for (const role of run.ofType(ROLE)) {
      for (const statement of JSON.parse(role.inputs.assumeRolePolicy).Statement) {
        expect({ role: role.name, condition: statement.Condition }).toEqual({ role: role.name, condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } });
      }
    }
  });
});

it("refuses a stack without the boundary at preview, naming the key and the value bootstrap makes", async () => {
  const error = await runProgram({ stack: "staging", unset: ["iamPermissionsBoundary"] }).then(() => undefined, (e: Error & { problems?: string[] }) => e);
  expect(error?.problems).toEqual([
    "ai-platform:iamPermissionsBoundary: is not set; every role the stack creates carries bootstrap's permissions boundary, without which the deploy roles may not create it: run `pulumi config set iamPermissionsBoundary ai-platform-stack-boundary`",
  ]);
});
