import { AsyncLocalStorage } from "async_hooks";

/**
 * Turns off, after the calling test file, the async context that a library it uses turned on. Playwright runs each
 * of its API calls in an AsyncLocalStorage; the first `run` turns on Node's promise hooks for the whole jest worker,
 * and they stay on for every test file the worker goes on to run: each program run then pays for a hook call on
 * every promise, about a tenth of its time. Call it at the top of the file, before the library's first call.
 */
export function releaseAsyncContextAfterAll(): void {
  const prototype = AsyncLocalStorage.prototype as AsyncLocalStorage<unknown> & { run: (...args: unknown[]) => unknown };
  const run = prototype.run;
  const used = new Set<AsyncLocalStorage<unknown>>();
  prototype.run = function (this: AsyncLocalStorage<unknown>, ...args: unknown[]) {
    used.add(this);
    return run.apply(this, args as Parameters<typeof run>);
  };
  afterAll(() => {
    prototype.run = run;
    // With no store left enabled, Node turns its promise hooks off again; a later `run` would turn them back on.
    for (const storage of used) storage.disable();
  });
}
