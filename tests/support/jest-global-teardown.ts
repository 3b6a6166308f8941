import * as fs from "fs";
import { RUN_CACHE_ENV } from "./harness";

/** Removes the session's run cache: nothing of one session's runs outlives it. */
export default function teardown(): void {
  const dir = process.env[RUN_CACHE_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
