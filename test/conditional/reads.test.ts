// Conditional reads (issue 24 §3): every successful GET carries an ETag; If-None-Match with the
// current one is a 304 without a body that keeps the other headers, in the same one round trip.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, minutesAgo } from "../helpers/factories";

const ORIGIN = "https://app.example.com";

describe("GET /timelog/{id} (one resource: the database's tag)", () => {
  it("answers 304 to its own ETag, 200 with a new ETag after a change", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60), "first");
    const first = await call("GET", `/timelog/${log.id}`, { token: alice.token });
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get("cache-control")).toBe("private, no-cache");

    const again = await call("GET", `/timelog/${log.id}`, { token: alice.token, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect(again.headers.get("cache-control")).toBe("private, no-cache");
    expect(again.headers.get("vary")).toContain("Authorization");
    expect(again.headers.get("content-type")).toBeNull();

    const patched = await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { note: "second" } });
    expect(patched.status).toBe(200);
    const after = await call("GET", `/timelog/${log.id}`, { token: alice.token, headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { note: string }).note).toBe("second");
    const newTag = after.headers.get("etag");
    expect(newTag).not.toBe(etag);
    // The write answered with the version the read now shows.
    expect(patched.headers.get("etag")).toBe(newTag);
  });

  it("a 304 costs the same one round trip as the 200", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60));
    const first = await call("GET", `/timelog/${log.id}`, { token: alice.token });
    const etag = first.headers.get("etag") ?? "";
    let status = 0;
    const trips = await countRoundTrips(async () => {
      status = (await call("GET", `/timelog/${log.id}`, { token: alice.token, headers: { "if-none-match": etag } }))
        .status;
    });
    expect(status).toBe(304);
    expect(trips).toBe(1);
    const listTrips = await countRoundTrips(async () => {
      const list = await call("GET", "/timelog/", { token: alice.token });
      const tag = list.headers.get("etag") ?? "";
      status = (await call("GET", "/timelog/", { token: alice.token, headers: { "if-none-match": tag } })).status;
    });
    expect(status).toBe(304);
    expect(listTrips).toBe(2);
  });

  it("If-None-Match compares weakly: W/ prefixes, lists, and *", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const res = await call("GET", `/projects/${p.id}`, { token: admin.token });
    const etag = res.headers.get("etag") ?? "";
    const ask = (value: string) =>
      call("GET", `/projects/${p.id}`, { token: admin.token, headers: { "if-none-match": value } });
    expect((await ask(`W/${etag}`)).status).toBe(304);
    expect((await ask(`"nope", W/"other", ${etag}`)).status).toBe(304);
    expect((await ask("*")).status).toBe(304);
    expect((await ask('"nope"')).status).toBe(200);
    expect((await ask(`${etag.slice(0, -2)}"`)).status).toBe(200);
    expect((await ask("garbage")).status).toBe(200);
  });

  it("never on a failure: a 404 has no ETag and If-None-Match * does not turn it into a 304", async () => {
    const alice = await createUser();
    const res = await call("GET", "/timelog/2147483000", { token: alice.token, headers: { "if-none-match": "*" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("list pages, reports and CSV (a tag hashed from the answer)", () => {
  it("a list page answers 304 to its ETag and 200 with a new one after a change", async () => {
    const admin = await createSuperuser();
    await createProject(admin);
    const first = await call("GET", "/projects/?limit=5", { token: admin.token });
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await call("GET", "/projects/?limit=5", { token: admin.token, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    await createProject(admin);
    const changed = await call("GET", "/projects/?limit=100", {
      token: admin.token,
      headers: { "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("the CSV export too", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    await addEntry(admin, p.id, minutesAgo(120), minutesAgo(60));
    const url = `/reports/timelog.csv?from=${minutesAgo(600).toISOString()}&to=${new Date().toISOString()}`;
    const first = await call("GET", url, { token: admin.token });
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await call("GET", url, { token: admin.token, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("content-disposition")).toBeNull();
  });
});

describe("CORS and caching rules", () => {
  it("a browser MCP client's preflight to /mcp is allowed its protocol header (issue 25)", async () => {
    const pre = await call("OPTIONS", "/mcp", {
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, mcp-protocol-version",
      },
    });
    const allowed = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("mcp-protocol-version");
    expect(pre.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("a preflight allows If-Match and If-None-Match; answers expose ETag, a 304 keeps the CORS headers", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const pre = await call("OPTIONS", `/projects/${p.id}`, {
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "if-match, if-none-match",
      },
    });
    const allowed = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("if-match");
    expect(allowed).toContain("if-none-match");
    const res = await call("GET", `/projects/${p.id}`, { token: admin.token, headers: { origin: ORIGIN } });
    expect((res.headers.get("access-control-expose-headers") ?? "").split(",")).toContain("ETag");
    const etag = res.headers.get("etag") ?? "";
    const cached = await call("GET", `/projects/${p.id}`, {
      token: admin.token,
      headers: { origin: ORIGIN, "if-none-match": etag },
    });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(cached.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(cached.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers that hold credentials or a person's whole data stay no-store", async () => {
    const alice = await createUser();
    const login = await call("POST", "/users/login", { body: { email: alice.email, password: alice.password } });
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");
    const token = await call("POST", "/users/me/tokens", {
      token: alice.token,
      body: { name: "ci", scopes: ["timelog:read"] },
    });
    expect(token.status).toBe(201);
    expect(token.headers.get("cache-control")).toBe("no-store");
    const exported = await call("GET", `/users/${alice.id}/export`, { token: alice.token });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("cache-control")).toBe("no-store");
  });
});
