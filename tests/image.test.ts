import { runProgram } from "./support/harness";
it("two runs", async () => {
  const a = await runProgram({ stack: "staging" });
  const b = await runProgram({ stack: "prod" });
  console.log(a.resources.length, b.resources.length, b.outputs.dashboardUrl);
});
