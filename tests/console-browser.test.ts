import * as http from "http";
import { AddressInfo } from "net";
import { Browser, chromium } from "playwright-core";
import { releaseAsyncContextAfterAll } from "./support/async-context";
import { testsAtOnce } from "./support/processes";
import { describeWithTool } from "./support/tools";
import { NGINX_INSTALL_HINT, Origins, RunningNginx, renderedServerConfig, startNginx } from "./support/nginx";

/**
 * The console in a real browser: the fixture SPA served by nginx with the rendered config, loaded
 * by headless Chromium on a deep link, calling backends on other loopback origins. Whether a call is
 * allowed is decided by Chromium's own Content-Security-Policy enforcement, read back from the
 * `securitypolicyviolation` events it fires.
 */

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type BackendName = "api" | "gateway" | "supabase" | "unlisted";

/** A loopback HTTP server standing in for a backend; counts the requests that reach it. */
interface Backend {
  name: BackendName;
  origin: string;
  requests: number;
  close(): Promise<void>;
}

async function startBackend(name: BackendName): Promise<Backend> {
  const server = http.createServer((_request, response) => {
    backend.requests++;
    response.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
    response.end(JSON.stringify({ backend: name }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const backend: Backend = {
    name,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return backend;
}

interface Violation {
  blockedURI: string;
  effectiveDirective: string;
}

/** What the page reports after loading `url` and calling every backend. */
interface PageOutcome {
  route: string | null;
  heading: string | null;
  calls: Record<string, string>;
  blockedOrigins: string[];
  directives: string[];
}

/**
 * Loads a page with the backends to call injected before its scripts run (the real bundle has them
 * baked in at build time), and collects the CSP violations Chromium reports.
 */
async function load(browser: Browser, url: string, backends: Backend[], expectedViolations: number): Promise<PageOutcome> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const targets = backends.map((backend) => ({ name: backend.name, url: `${backend.origin}/probe` }));
    await page.addInitScript((fixtureTargets) => {
      const fixtureWindow = window as unknown as {
        __consoleFixture: { targets: typeof fixtureTargets };
        __cspViolations: Violation[];
      };
      fixtureWindow.__consoleFixture = { targets: fixtureTargets };
      fixtureWindow.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) => {
        fixtureWindow.__cspViolations.push({ blockedURI: event.blockedURI, effectiveDirective: event.effectiveDirective });
      });
    }, targets);
    await page.goto(url);
    await page.waitForSelector('body[data-calls-done="true"]', { timeout: 5000 });
    // Violation events are queued as their own tasks; give the expected ones time to arrive. Not
    // arriving is not an error here: the assertions then show what the browser did instead.
    await page
      .waitForFunction(
        (count) => (window as unknown as { __cspViolations: Violation[] }).__cspViolations.length >= count,
        expectedViolations,
        { timeout: 2000 },
      )
      .catch(() => undefined);
    // What the page shows and the violations, read in one round trip to the browser.
    const shown = await page.evaluate(() => ({
      violations: (window as unknown as { __cspViolations: Violation[] }).__cspViolations,
      calls: [...document.querySelectorAll("#backend-calls li")].map((item) => [item.getAttribute("data-target") ?? "", item.textContent ?? ""]),
      route: document.querySelector("#console")?.getAttribute("data-route") ?? null,
      heading: document.querySelector("#console h1")?.textContent ?? null,
    }));
    return {
      route: shown.route,
      heading: shown.heading,
      calls: Object.fromEntries(shown.calls),
      blockedOrigins: shown.violations.map((violation) => new URL(violation.blockedURI).origin).sort(),
      directives: [...new Set(shown.violations.map((violation) => violation.effectiveDirective))],
    };
  } finally {
    await context.close();
  }
}

/** Backends of the given names, and their closing. */
async function startBackends<Name extends BackendName>(names: readonly Name[]): Promise<{ backends: Record<Name, Backend>; close: () => Promise<void> }> {
  const started = await Promise.all(names.map(startBackend));
  return {
    backends: Object.fromEntries(started.map((backend) => [backend.name, backend])) as Record<Name, Backend>,
    close: async () => void (await Promise.all(started.map((backend) => backend.close()))),
  };
}

releaseAsyncContextAfterAll();

describeWithTool("nginx", NGINX_INSTALL_HINT)("the console in a browser", () => {
  describeWithTool("chromium", "apt-get install -y chromium")("under the rendered Content-Security-Policy", () => {
    // Chromium starts while each test starts its backends and its nginx: the tests run at once (itAtOnce), each
    // with backends of its own, so that the requests each counts are its page's alone.
    let browser: Promise<Browser>;
    const running: RunningNginx[] = [];
    beforeAll(() => {
      browser = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      browser.catch(() => undefined); // reported by the tests that use it
    });
    const itAtOnce = testsAtOnce();

    const serve = async (origins: Origins): Promise<RunningNginx> => {
      const nginx = await startNginx(renderedServerConfig(origins));
      running.push(nginx);
      return nginx;
    };

    afterAll(async () => {
      await Promise.all(running.map((nginx) => nginx.stop()));
      await (await browser.catch(() => undefined))?.close();
    });

    itAtOnce("renders a deep link and reaches the three configured backends, and only them", async () => {
      const { backends, close } = await startBackends(["api", "gateway", "supabase", "unlisted"] as const);
      try {
        const nginx = await serve({
          API_ORIGIN: backends.api.origin,
          GATEWAY_ORIGIN: backends.gateway.origin,
          SUPABASE_ORIGIN: backends.supabase.origin,
        });

        const outcome = await load(await browser, `${nginx.origin}/policies/42`, Object.values(backends), 1);

        expect(outcome.route).toBe("/policies/42");
        expect(outcome.heading).toBe("Policy");
        expect(outcome.blockedOrigins).toEqual([backends.unlisted.origin]);
        expect(outcome.directives).toEqual(["connect-src"]);
        expect(outcome.calls).toEqual({
          api: "api: status 200",
          gateway: "gateway: status 200",
          supabase: "supabase: status 200",
          unlisted: expect.stringMatching(/^unlisted: failed/),
        });
        expect([backends.api, backends.gateway, backends.supabase].map((backend) => backend.requests)).toEqual([1, 1, 1]);
        expect(backends.unlisted.requests).toBe(0);
      } finally {
        await close();
      }
    });

    itAtOnce("blocks the API when the policy omits its origin", async () => {
      const { backends, close } = await startBackends(["api", "gateway", "supabase"] as const);
      try {
        const nginx = await serve({
          API_ORIGIN: "https://api.elsewhere.example",
          GATEWAY_ORIGIN: backends.gateway.origin,
          SUPABASE_ORIGIN: backends.supabase.origin,
        });

        const outcome = await load(await browser, `${nginx.origin}/policies/42`, [backends.api, backends.gateway], 1);

        expect(outcome.route).toBe("/policies/42");
        expect(outcome.blockedOrigins).toEqual([backends.api.origin]);
        expect(outcome.calls.api).toMatch(/^api: failed/);
        expect(outcome.calls.gateway).toBe("gateway: status 200");
        expect(backends.api.requests).toBe(0);
        expect(backends.gateway.requests).toBe(1);
      } finally {
        await close();
      }
    });
  });
});
