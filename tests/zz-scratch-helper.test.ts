import { runProgram } from "./support/harness";
it("dump", async () => {
  for (const stack of ["staging", "prod", "staging", "prod"] as const) {
    const t = Date.now();
    const run = await runProgram({ stack });
    const lines = run.resources.map((r) => `${r.type} ${r.name} protect=${r.protect} parent=${r.parentUrn?.split("::").pop()}`);
    require("fs").writeFileSync(`/tmp/scratch/${stack}.txt`, lines.join("\n") + `\n\nOUTPUTS ${JSON.stringify(run.outputs, null, 1)}\nWARN ${run.warnings}\n`);
    require("fs").writeFileSync(`/tmp/scratch/${stack}.json`, JSON.stringify(run.resources, null, 1));
    console.log(stack, Date.now() - t, run.resources.length);
  }
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    await expect(runProgram({ stack: "staging", config: { gatewayCpu: 300 } })).rejects.toThrow("gatewayCpu");
    console.log("err", Date.now() - t);
  }
});
