/**
 * Pulumi as a test file loads it itself (jest's registry, not the runner's): the two costs the runner turns off for
 * its runs (lib/program-runner.ts) are turned off here too. Pulumi takes a stack trace for every promise it makes
 * ("debuggable", for a leak report at exit) and the whole stack of every resource's construction (its source
 * position, for the engine's display), and under jest each trace is formatted through source maps: a third of such a
 * test file's time. Nothing under mocks reads either; the tests' own failures keep their stack traces.
 *
 * Import it before the test file makes its first resource.
 */
// The modules' own export objects (an ES import would give a namespace copy on some settings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites: () => unknown[] } };

debuggable.debuggablePromise = (p) => p;
Resource.callsites = () => [];
