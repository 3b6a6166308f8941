import { runProgram } from "./support/harness";
it("probe", async () => {
  const t = Date.now();
  const b = await runProgram({ stack: process.env.PROBE_STACK as any, config: JSON.parse(process.env.PROBE_CONFIG ?? "{}") });
  console.log(b.resources.length, Date.now() - t);
  require("fs").writeFileSync(process.env.PROBE_OUT!, JSON.stringify({ resources: b.resources, outputs: b.outputs }, null, 1));
});
