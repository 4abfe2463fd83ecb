import { env } from "cloudflare:test";
import { describe, expect, inject, it, vi } from "vitest";
import { call, countRoundTrips, expectProblem, testEnv } from "../helpers/api";
import { createUser } from "../helpers/factories";

describe("health", () => {
  it("reports the database up in exactly one round trip", async () => {
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("GET", "/health");
    });
    expect(res?.status).toBe(200);
    expect(await res?.json()).toEqual({ status: "ok", database: "up" });
    expect(trips).toBe(1);
  });

  it("answers 503 problem+json with Retry-After when the database is unreachable", async () => {
    const env = { ...testEnv, NEON_FETCH_ENDPOINT: inject("downEndpoint"), DB_TIMEOUT_MS: "1000" };
    const res = await call("GET", "/health", { env });
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toBeTruthy();
  });
});

describe("HTTP conventions", () => {
  it("is tolerant of a trailing slash", async () => {
    expect((await call("GET", "/health/")).status).toBe(200);
  });

  it("answers unknown routes with a 404 problem", async () => {
    const body = await expectProblem(await call("GET", "/nope"), 404);
    expect(body.code).toBe("not_found");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await call("DELETE", "/health");
    await expectProblem(res, 405);
    expect(res.headers.get("allow")).toContain("GET");
  });

  it("refuses an oversized body with 413", async () => {
    const res = await call("POST", "/health", {
      body: "x".repeat(70 * 1024),
      headers: { "content-type": "text/plain" },
    });
    await expectProblem(res, 413);
  });

  it("echoes a sane X-Request-Id and makes one otherwise", async () => {
    const echoed = await call("GET", "/health", { headers: { "x-request-id": "abc-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("abc-123");
    const made = await call("GET", "/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(made.headers.get("x-request-id")).toMatch(/^[\w-]+$/);
    expect(made.headers.get("x-request-id")).not.toBe("bad id with spaces");
    // Only a plain form is kept (it ends up in audit events): no '=', no 65th character, no leading '-'.
    for (const odd of ["a=b", "x".repeat(65), "-leading", "_x"]) {
      const res = await call("GET", "/health", { headers: { "x-request-id": odd } });
      expect(res.headers.get("x-request-id")).not.toBe(odd);
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("puts the request id into problems", async () => {
    const res = await call("GET", "/nope", { headers: { "x-request-id": "trace-1" } });
    expect((await expectProblem(res, 404)).request_id).toBe("trace-1");
  });

  it("sends secure headers", async () => {
    const res = await call("GET", "/health");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toBeTruthy();
  });

  it("answers CORS preflight for listed origins only, with credentials", async () => {
    const preflight = { "access-control-request-method": "POST", "access-control-request-headers": "content-type" };
    const ok = await call("OPTIONS", "/health", { headers: { origin: "https://app.example.com", ...preflight } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await call("OPTIONS", "/health", { headers: { origin: "https://evil.example", ...preflight } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("fails clearly on a malformed setting", async () => {
    // The log line says which setting (captured here, so the run's output carries no error line).
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await call("GET", "/health", { env: { ...testEnv, DATABASE_URL: "mysql://nope" } });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("invalid settings: DATABASE_URL"));
    logged.mockRestore();
    const body = await expectProblem(res, 500);
    expect(body.detail).toContain("DATABASE_URL");
  });
});

describe("API description", () => {
  it("serves an OpenAPI 3.1 document and a docs page", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    const docs = await call("GET", "/docs");
    expect(docs.status).toBe(200);
    const page = await docs.text();
    // Nothing from another origin: the page loads only our own pinned files, under a strict CSP.
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toContain('src="/docs/swagger-ui-bundle.js"');
    expect(docs.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
  });

  it("serves the docs page's assets from the deployment itself (Workers Static Assets)", async () => {
    const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS;
    for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "init.js"]) {
      const res = await assets.fetch(`http://api.test/docs/${file}`);
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(10);
    }
    const init = await (await assets.fetch("http://api.test/docs/init.js")).text();
    expect(init).toContain('url: "/openapi.json"');
  });

  it("401s say how to authenticate; answers are not cached; CORS exposes what clients read", async () => {
    const user = await createUser();
    // RFC 6750 §3.1: a request without any credential gets the bare challenge, no error code.
    const bare = await call("GET", "/users/me");
    expect(bare.status).toBe(401);
    // With where the API's OAuth resource metadata is (RFC 9728 §5.1, issue 25 §2).
    const realm = 'Bearer realm="timelog", resource_metadata="http://api.test/.well-known/oauth-protected-resource"';
    expect(bare.headers.get("www-authenticate")).toBe(realm);
    for (const token of ["a.b.c", "tl_pat_1_short"]) {
      const res = await call("GET", "/users/me", { token });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(`${realm}, error="invalid_token"`);
    }
    const cookie = await call("GET", "/users/me", { headers: { cookie: "auth_cookie=a.b.c" } });
    expect(cookie.headers.get("www-authenticate")).toBe(`${realm}, error="invalid_token"`);
    await call("POST", "/users/logout", { token: user.token });
    expect((await call("GET", "/users/me", { token: user.token })).headers.get("www-authenticate")).toMatch(/^Bearer /);
    const login = await call("POST", "/users/login", { body: { email: user.email, password: user.password } });
    expect(login.headers.get("cache-control")).toBe("no-store");
    const fresh = ((await login.json()) as { access_token: string }).access_token;
    // Issue 24 §3: a successful GET may be kept by the client only, revalidated with If-None-Match.
    expect((await call("GET", "/users/me", { token: fresh })).headers.get("cache-control")).toBe("private, no-cache");
    expect((await call("GET", "/.well-known/jwks.json")).headers.get("cache-control")).toBe("public, max-age=300");
    const cors = await call("GET", "/health", { headers: { origin: "https://app.example.com" } });
    const exposed = cors.headers.get("access-control-expose-headers") ?? "";
    for (const h of ["X-Request-Id", "Retry-After", "Idempotent-Replayed", "Content-Disposition", "WWW-Authenticate"]) {
      expect(exposed).toContain(h);
    }
  });
});
