/**
 * `node -r lib/ts-loader.js run-child.ts <RunOptions as JSON> <output file>`: runs one program under
 * mocks in this process and writes the run's data as JSON. Started by scripts/plan/base.ts for a checkout with its
 * own node_modules, with AI_PLATFORM_PACKAGES_ROOT set to it so the runner loads that checkout's Pulumi.
 */
import * as fs from "fs";
import { RunOptions, runProgram } from "../../lib/program-runner";

const [options, output] = process.argv.slice(2);
runProgram(JSON.parse(options) as RunOptions).then(
  ({ ofType: _o, get: _g, find: _f, ...data }) => fs.writeFileSync(output, JSON.stringify(data)),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
