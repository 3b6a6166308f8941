import { runProgram } from "../tests/support/harness";
(async () => {
  const t0 = Date.now();
  setTimeout(() => { console.log("still waiting"); process.exit(1); }, 15000).unref();
  const run = await runProgram({ stack: "staging" }); console.log(JSON.stringify(run.outputs,null,1)); for (const r of run.resources) if (JSON.stringify(r.inputs).includes('Calling [toString]')) console.log('TOSTRING', r.type, r.name);
  console.log(Date.now() - t0, run.resources.length);
})().catch((e) => { console.error("ERR", e); process.exit(1); });
