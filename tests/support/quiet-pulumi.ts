/**
 * Pulumi as a test file loads it itself (jest's registry, not the runner's): the per-promise and per-resource stack
 * traces the runner turns off for its runs are turned off here too (lib/pulumi-traces.ts), for the rest of the file.
 * Under jest each trace is formatted through source maps: a third of such a test file's time. The tests' own
 * failures keep their stack traces.
 *
 * Import it before the test file makes its first resource.
 */
import { withoutPulumiTraces } from "../../lib/pulumi-traces";

// jest's require: this test file's copy of the SDK, its modules' own export objects.
withoutPulumiTraces(require);
