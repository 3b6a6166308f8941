import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RUN_CACHE_ENV } from "./harness";

/** A fresh run cache for this jest session (see RUN_CACHE_ENV); workers inherit the variable. */
export default function setup(): void {
  process.env[RUN_CACHE_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), "ai-platform-runs-"));
}
