import { readFileSync } from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { describeWithTool } from "./support/tools";
import {
  FIXTURE_SPA,
  NGINX_INSTALL_HINT,
  Origins,
  RawResponse,
  RunningNginx,
  SERVER_TEMPLATE,
  locationsWithAddHeader,
  renderServerConfig,
  renderedServerConfig,
  request,
  securityHeaderProblems,
  startNginx,
  testConfig,
} from "./support/nginx";

const origins: Origins = {
  API_ORIGIN: "http://127.0.0.1:18081",
  GATEWAY_ORIGIN: "http://127.0.0.1:18082",
  SUPABASE_ORIGIN: "https://project.supabase.co",
};

const indexHtml = readFileSync(path.join(FIXTURE_SPA, "index.html"), "utf8");
const assetJs = readFileSync(path.join(FIXTURE_SPA, "assets/index-abc123.js"));

describe("the UI console's render script", () => {
  const describeEnvsubst = describeWithTool("envsubst", "apt-get install -y gettext-base");

  describeEnvsubst("with all three origins set", () => {
    let config: string;
    beforeAll(() => {
      config = renderedServerConfig(origins);
    });

    it("puts the three origins, and only them, into connect-src", () => {
      expect(config).toContain(
        "connect-src 'self' http://127.0.0.1:18081 http://127.0.0.1:18082 https://project.supabase.co;",
      );
    });

    it("leaves nginx's own variables alone and no placeholder behind", () => {
      expect(config).toContain("try_files $uri $uri/ /index.html;");
      expect(config).toContain("map $uri $ui_console_cache_control");
      expect(config).not.toContain("${");
    });

    it("keeps every add_header at server level, where all locations inherit it", () => {
      expect(locationsWithAddHeader(config)).toEqual([]);
    });
  });

  describeEnvsubst("refusing to render", () => {
    it("names every missing origin at once and writes nothing", () => {
      const result = renderServerConfig({ API_ORIGIN: origins.API_ORIGIN });
      expect(result.status).not.toBe(0);
      expect(result.config).toBeUndefined();
      expect(result.stderr).toContain("GATEWAY_ORIGIN is not set");
      expect(result.stderr).toContain("SUPABASE_ORIGIN is not set");
      expect(result.stderr).not.toContain("API_ORIGIN is not set");
    });

    it("treats an empty value as missing", () => {
      const result = renderServerConfig({ ...origins, SUPABASE_ORIGIN: "" });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("SUPABASE_ORIGIN is not set");
    });

    it.each([
      ["a path", "https://api.example.com/v1"],
      ["a second source", "https://api.example.com https://evil.example"],
      ["an nginx directive break", 'https://api.example.com"; add_header X 1;'],
      ["no scheme", "api.example.com"],
    ])("rejects an origin with %s", (_, value) => {
      const result = renderServerConfig({ ...origins, API_ORIGIN: value });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("API_ORIGIN=");
    });
  });
});

describeWithTool("nginx", NGINX_INSTALL_HINT)("the UI console's nginx config, served by nginx", () => {
  let nginx: RunningNginx;
  const responses: Record<string, RawResponse> = {};
  const get = (urlPath: string, headers = {}) => request(`${nginx.origin}${urlPath}`, headers);

  beforeAll(async () => {
    nginx = await startNginx(renderedServerConfig(origins));
    const paths = ["/health", "/", "/policies/42", "/assets/index-abc123.js", "/assets/missing-deadbeef.js"];
    for (const urlPath of paths) responses[urlPath] = await get(urlPath);
  });

  afterAll(async () => {
    await nginx?.stop();
  });

  it("passes nginx -t", async () => {
    const result = await testConfig(renderedServerConfig(origins));
    expect(result.output).toContain("test is successful");
    expect(result.ok).toBe(true);
  });

  it("answers /health with 200 healthy", () => {
    expect(responses["/health"].status).toBe(200);
    expect(responses["/health"].body.toString().trim()).toBe("healthy");
    expect(responses["/health"].headers["content-type"]).toMatch(/^text\/plain/);
  });

  it("serves index.html for a deep link, never cached without revalidation", () => {
    for (const urlPath of ["/", "/policies/42"]) {
      expect(responses[urlPath].status).toBe(200);
      expect(responses[urlPath].body.toString()).toBe(indexHtml);
      expect(responses[urlPath].headers["cache-control"]).toBe("no-cache");
    }
  });

  it("serves a hashed asset as immutable for a year", () => {
    const asset = responses["/assets/index-abc123.js"];
    expect(asset.status).toBe(200);
    expect(asset.body.equals(assetJs)).toBe(true);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("answers a missing asset with 404, not index.html, and does not cache it", () => {
    const missing = responses["/assets/missing-deadbeef.js"];
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).not.toContain("Console fixture");
    expect(missing.headers["cache-control"]).toBeUndefined();
  });

  it("gzips JavaScript for clients that accept it, and only for them", async () => {
    expect(assetJs.length).toBeGreaterThan(1024);
    const gzipped = await get("/assets/index-abc123.js", { "accept-encoding": "gzip" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gunzipSync(gzipped.body).equals(assetJs)).toBe(true);
    expect(responses["/assets/index-abc123.js"].headers["content-encoding"]).toBeUndefined();
  });

  it("puts every security header on every kind of response", () => {
    const problems = Object.entries(responses).flatMap(([urlPath, response]) =>
      securityHeaderProblems(response.headers).map((problem) => `${urlPath}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it("allows the configured origins, and no others, in connect-src", () => {
    expect(responses["/"].headers["content-security-policy"]).toContain(
      "connect-src 'self' http://127.0.0.1:18081 http://127.0.0.1:18082 https://project.supabase.co;",
    );
  });

  it("does not reveal its version", () => {
    expect(responses["/health"].headers.server).toBe("nginx");
  });

  describe("a variant where one location declares its own add_header", () => {
    let broken: string;
    beforeAll(() => {
      expect(readFileSync(SERVER_TEMPLATE, "utf8")).toContain("location /assets/ {");
      broken = renderedServerConfig(origins).replace("location /assets/ {", 'location /assets/ {\n        add_header X-Debug "1";');
    });

    it("is flagged statically", () => {
      expect(locationsWithAddHeader(broken)).toEqual(["location /assets/"]);
    });

    it("loses every security header in that location, and the header check says so", async () => {
      const variant = await startNginx(broken);
      try {
        const asset = await request(`${variant.origin}/assets/index-abc123.js`);
        expect(asset.headers["x-debug"]).toBe("1");
        expect(securityHeaderProblems(asset.headers)).toEqual([
          "content-security-policy is missing",
          "x-content-type-options is missing",
          "x-frame-options is missing",
          "referrer-policy is missing",
          "strict-transport-security is missing",
          "permissions-policy is missing",
        ]);
        expect(securityHeaderProblems((await request(`${variant.origin}/health`)).headers)).toEqual([]);
      } finally {
        await variant.stop();
      }
    });
  });
});
