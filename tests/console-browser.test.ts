import * as http from "http";
import { AddressInfo } from "net";
import { Browser, chromium } from "playwright-core";
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
    const violations = await page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations);
    const calls: Record<string, string> = {};
    for (const item of await page.locator("#backend-calls li").all()) {
      calls[(await item.getAttribute("data-target")) ?? ""] = (await item.textContent()) ?? "";
    }
    return {
      route: await page.locator("#console").getAttribute("data-route"),
      heading: await page.locator("#console h1").textContent(),
      calls,
      blockedOrigins: violations.map((violation) => new URL(violation.blockedURI).origin).sort(),
      directives: [...new Set(violations.map((violation) => violation.effectiveDirective))],
    };
  } finally {
    await context.close();
  }
}

describeWithTool("nginx", NGINX_INSTALL_HINT)("the console in a browser", () => {
  describeWithTool("chromium", "apt-get install -y chromium")("under the rendered Content-Security-Policy", () => {
    let browser: Browser;
    let backends: Record<BackendName, Backend>;
    const running: RunningNginx[] = [];

    const serve = async (origins: Origins): Promise<RunningNginx> => {
      const nginx = await startNginx(renderedServerConfig(origins));
      running.push(nginx);
      return nginx;
    };
    const all = () => Object.values(backends);

    beforeAll(async () => {
      const [api, gateway, supabase, unlisted] = await Promise.all(
        (["api", "gateway", "supabase", "unlisted"] as const).map(startBackend),
      );
      backends = { api, gateway, supabase, unlisted };
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    beforeEach(() => {
      for (const backend of all()) backend.requests = 0;
    });

    afterAll(async () => {
      await Promise.all(running.map((nginx) => nginx.stop()));
      await browser?.close();
      await Promise.all(Object.values(backends ?? {}).map((backend) => backend.close()));
    });

    it("renders a deep link and reaches the three configured backends, and only them", async () => {
      const nginx = await serve({
        API_ORIGIN: backends.api.origin,
        GATEWAY_ORIGIN: backends.gateway.origin,
        SUPABASE_ORIGIN: backends.supabase.origin,
      });

      const outcome = await load(browser, `${nginx.origin}/policies/42`, all(), 1);

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
    });

    it("blocks the API when the policy omits its origin", async () => {
      const nginx = await serve({
        API_ORIGIN: "https://api.elsewhere.example",
        GATEWAY_ORIGIN: backends.gateway.origin,
        SUPABASE_ORIGIN: backends.supabase.origin,
      });

      const outcome = await load(browser, `${nginx.origin}/policies/42`, [backends.api, backends.gateway], 1);

      expect(outcome.route).toBe("/policies/42");
      expect(outcome.blockedOrigins).toEqual([backends.api.origin]);
      expect(outcome.calls.api).toMatch(/^api: failed/);
      expect(outcome.calls.gateway).toBe("gateway: status 200");
      expect(backends.api.requests).toBe(0);
      expect(backends.gateway.requests).toBe(1);
    });
  });
});
