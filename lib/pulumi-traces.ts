/**
 * The two things Pulumi's SDK does for every promise and every resource that nothing under mocks reads: it wraps each
 * promise it makes as "debuggable" (an id, a context and a stack trace as properties, tracked in a set for a leak
 * report when the process exits), and reads each resource's source position from the whole stack at its
 * construction (for the engine's display). Together they were most of a program run's time, more so where every
 * trace is formatted through source maps (under jest). Both are turned off here for one copy of the SDK, the one
 * `load` requires: the runner's, for the length of a run (lib/program-runner.ts), or a test file's own
 * (tests/support/quiet-pulumi.ts).
 */
type Debuggable = { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
type ResourceClass = { callsites: () => unknown[] };

/** Turns both off in the SDK that `load` loads; returns what turns them back on. */
export function withoutPulumiTraces(load: (id: string) => unknown): () => void {
  const debuggable = load("@pulumi/pulumi/runtime/debuggable") as Debuggable;
  const { Resource } = load("@pulumi/pulumi/resource") as { Resource: ResourceClass };
  const [wrap, callsites] = [debuggable.debuggablePromise, Resource.callsites];
  debuggable.debuggablePromise = (p) => p;
  Resource.callsites = () => [];
  return () => {
    debuggable.debuggablePromise = wrap;
    Resource.callsites = callsites;
  };
}
