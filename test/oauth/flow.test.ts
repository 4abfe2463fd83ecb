// OAuth 2.1 end to end through the worker: discovery, registration, consent with PKCE, code,
// token, a Bearer call, refresh with rotation, connected apps, revocation → 401 at once; audited.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createUser, randomIp, seedSql } from "../helpers/factories";
import {
  connect,
  consent,
  exchange,
  ORIGIN,
  REDIRECT,
  registerClient,
  startFlow,
  type Tokens,
  tokenRequest,
} from "./helpers";

describe("discovery", () => {
  it("answers RFC 8414 and RFC 9728 metadata without the database", async () => {
    const trips = await countRoundTrips(async () => {
      const as = await call("GET", "/.well-known/oauth-authorization-server");
      expect(as.status).toBe(200);
      const meta = (await as.json()) as Record<string, unknown>;
      expect(meta).toMatchObject({
        issuer: ORIGIN,
        authorization_endpoint: `${ORIGIN}/oauth/authorize`,
        token_endpoint: `${ORIGIN}/oauth/token`,
        registration_endpoint: `${ORIGIN}/oauth/register`,
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
      });
      const mcp = await call("GET", "/.well-known/oauth-protected-resource/mcp");
      expect(await mcp.json()).toMatchObject({ resource: `${ORIGIN}/mcp`, authorization_servers: [ORIGIN] });
      const api = await call("GET", "/.well-known/oauth-protected-resource");
      expect(await api.json()).toMatchObject({ resource: ORIGIN, authorization_servers: [ORIGIN] });
    });
    expect(trips).toBe(0);
  });
});

describe("registration", () => {
  it("registers a public client (201) and refuses unsafe redirect URIs and bad metadata (400, OAuth JSON)", async () => {
    const client = await registerClient(["https://app.example.com/cb", "http://[::1]:9000/cb", "http://localhost/cb"]);
    expect(client.client_id).toMatch(/^tlc_/);
    for (const uri of [
      "http://app.example.com/cb",
      "https://app.example.com/cb#frag",
      "https://user:pw@app.example.com/cb",
      "javascript:alert(1)",
      "//evil.example/cb",
      "com.example.app:/cb",
    ]) {
      const res = await call("POST", "/oauth/register", {
        body: { client_name: "x", redirect_uris: [uri] },
        headers: { "cf-connecting-ip": randomIp() },
      });
      expect(res.status, uri).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_redirect_uri");
    }
    const huge = await call("POST", "/oauth/register", {
      body: { client_name: "x".repeat(101), redirect_uris: Array(11).fill("https://a.example/cb") },
      headers: { "cf-connecting-ip": randomIp() },
    });
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { error: string }).error).toBe("invalid_client_metadata");
  });

  it("throttles registrations per address (20 an hour), also in parallel", async () => {
    const ip = randomIp();
    const register = () =>
      call("POST", "/oauth/register", {
        body: { client_name: "flood", redirect_uris: [REDIRECT] },
        headers: { "cf-connecting-ip": ip },
      });
    const statuses = (await Promise.all(Array.from({ length: 24 }, register))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
  });
});

describe("the flow", () => {
  it("register → authorize with PKCE → consent → code → token → Bearer → refresh → revoke → 401", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id, { scope: "timelog:read timelog:write" });
    const code = await consent(flow, alice);
    const trips = await countRoundTrips(async () => {
      const res = await exchange(flow, code);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const tokens = (await res.json()) as Tokens;
      expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "timelog:read timelog:write" });
      expect(tokens.access_token).toMatch(new RegExp(`^tl_oat_${alice.id}_api_`));
      Object.assign(flow, { tokens });
    });
    expect(trips).toBe(1);
    const { tokens } = flow as typeof flow & { tokens: Tokens };

    // The token is an API token of the grant: the ordinary Bearer path, one round trip.
    const me = await call("GET", "/users/me", { token: tokens.access_token });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: number }).id).toBe(alice.id);

    // Its scopes apply: reports:read was not granted.
    const report = await call("GET", "/reports/summary?from=2026-01-01&to=2026-01-31", { token: tokens.access_token });
    expect((await expectProblem(report, 403)).code).toBe("insufficient_scope");

    // Rotation: the new pair works, the old refresh token is dead.
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      client_id: client.client_id,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect((await call("GET", "/users/me", { token: next.access_token })).status).toBe(200);

    // Connected apps: the grant, its scopes, when; the person's token list leaves it out.
    const apps = await call("GET", "/users/me/apps", { token: alice.token });
    expect(apps.status).toBe(200);
    const { items } = (await apps.json()) as { items: { id: number; client_name: string; scopes: string[] }[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ client_name: "Test assistant", scopes: ["timelog:read", "timelog:write"] });
    const mine = (await (await call("GET", "/users/me/tokens", { token: alice.token })).json()) as { items: unknown[] };
    expect(mine.items).toHaveLength(0);

    // An app's own token cannot see or revoke grants.
    expect((await call("GET", "/users/me/apps", { token: next.access_token })).status).toBe(403);

    // Disconnect: every token of the grant is refused at the next request.
    const id = items[0]?.id as number;
    expect((await call("DELETE", `/users/me/apps/${id}`, { token: alice.token })).status).toBe(204);
    for (const t of [tokens.access_token, next.access_token]) {
      const res = await call("GET", "/users/me", { token: t });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("resource_metadata=");
    }
    const again = await tokenRequest({
      grant_type: "refresh_token",
      client_id: client.client_id,
      refresh_token: next.refresh_token,
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
    expect((await call("DELETE", `/users/me/apps/${id}`, { token: alice.token })).status).toBe(404);
    expect(
      ((await (await call("GET", "/users/me/apps", { token: alice.token })).json()) as { items: unknown[] }).items,
    ).toHaveLength(0);

    // Audited in Alice's chain, without secrets.
    const events = await seedSql(
      "SELECT kind, actor_fk, after::text AS after FROM audit_event WHERE entity = 'app' AND entity_id = $1 ORDER BY seq",
      [String(id)],
    );
    expect(events.map((e) => e.kind)).toEqual(["app.authorized", "app.revoked"]);
    expect(events[0]?.actor_fk).toBe(alice.id);
    expect(JSON.stringify(events)).not.toContain(tokens.access_token.slice(-20));
    expect(events[1]?.after).toContain("revoked_by_user");
  });

  it("another person cannot see or revoke my grant (404)", async () => {
    const alice = await createUser();
    const mallory = await createUser();
    await connect(alice);
    const apps = (await (await call("GET", "/users/me/apps", { token: alice.token })).json()) as {
      items: { id: number }[];
    };
    const id = apps.items[0]?.id as number;
    expect((await call("DELETE", `/users/me/apps/${id}`, { token: mallory.token })).status).toBe(404);
    const theirs = (await (await call("GET", "/users/me/apps", { token: mallory.token })).json()) as {
      items: unknown[];
    };
    expect(theirs.items).toHaveLength(0);
    // With an Idempotency-Key, as the other writes: the retry gets the stored answer.
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    expect((await call("DELETE", `/users/me/apps/${id}`, { token: alice.token, headers })).status).toBe(204);
    const retry = await call("DELETE", `/users/me/apps/${id}`, { token: alice.token, headers });
    expect(retry.status).toBe(204);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("RFC 7009 revocation ends the grant; unknown tokens answer 200 and change nothing", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice);
    const revoke = (token: string, client_id = flow.clientId) =>
      call("POST", "/oauth/revoke", {
        body: new URLSearchParams({ token, client_id }),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    expect((await revoke("tl_ort_1_api_nope")).status).toBe(200);
    const malformed = await call("POST", "/oauth/revoke", {
      body: new URLSearchParams({ client_id: flow.clientId }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe("invalid_request");
    const other = await registerClient();
    expect((await revoke(tokens.refresh_token, other.client_id)).status).toBe(200);
    expect((await call("GET", "/users/me", { token: tokens.access_token })).status).toBe(200);
    expect((await revoke(tokens.refresh_token)).status).toBe(200);
    expect((await call("GET", "/users/me", { token: tokens.access_token })).status).toBe(401);
  });

  it("the consent page is HTML under a strict CSP, and Deny goes back with access_denied", async () => {
    const client = await registerClient();
    const { verifier: _, ...flow } = await startFlow(client.client_id);
    const res = await call(
      "GET",
      `/oauth/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&code_challenge=${flow.challenge}&code_challenge_method=S256`,
    );
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:8765/);
    expect(csp).toMatch(/style-src 'nonce-/);
    const html = await res.text();
    expect(html).not.toContain("<script");
    const deny = await call("POST", "/oauth/authorize", {
      body: new URLSearchParams([
        ["request", flow.request],
        ["action", "deny"],
      ]),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
    });
    expect(deny.status).toBe(303);
    const back = new URL(deny.headers.get("location") ?? "");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe(flow.state);
  });

  it("a 401 for a Bearer request says where the resource metadata is (RFC 9728 §5.1)", async () => {
    const api = await call("GET", "/users/me", { token: "tl_oat_1_api_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(api.status).toBe(401);
    expect(api.headers.get("www-authenticate")).toContain(
      `resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource"`,
    );
  });
});
