// Review r4 (issue 25 §2): an /mcp token must work on /mcp, tool calls included; a password reset
// ends everything an intruder may hold, OAuth refresh tokens too.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { createUser, randomIp, seedSql } from "../helpers/factories";
import { lastEmail } from "../helpers/mail";
import {
  authorizeUrl,
  connect,
  consent,
  ORIGIN,
  pkce,
  registerClient,
  startFlow,
  type Tokens,
  tokenRequest,
} from "./helpers";

const tool = (token: string, name: string, args: Record<string, unknown> = {}) =>
  call("POST", "/mcp", {
    token,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  });

describe("an /mcp token on /mcp", () => {
  it("calls a tool (the tool's own request to the API is the /mcp token's, not a foreign resource)", async () => {
    const alice = await createUser();
    const { tokens } = await connect(alice, undefined, { resource: `${ORIGIN}/mcp` });
    const res = await tool(tokens.access_token, "whoami");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result?: { isError?: boolean; structuredContent?: { id?: number } } };
    expect(body.result?.isError ?? false).toBe(false);
    expect(body.result?.structuredContent).toMatchObject({ id: alice.id });
  });

  it("an API-audience token is refused on /mcp, before any tool runs", async () => {
    const alice = await createUser();
    const { tokens } = await connect(alice);
    expect(tokens.access_token).toMatch(/^tl_oat_\d+_api_/);
    const res = await tool(tokens.access_token, "whoami");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("resource_metadata=");
  });
});

describe("a password reset", () => {
  it("ends the person's OAuth grants: the refresh token an intruder holds no longer works", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice);
    const ip = { "cf-connecting-ip": randomIp() };
    expect((await call("POST", "/users/password-reset", { body: { email: alice.email }, headers: ip })).status).toBe(
      202,
    );
    const { token } = await lastEmail(alice.email, "password_reset");
    const confirmed = await call("POST", "/users/password-reset/confirm", {
      body: { token, password: "a brand new passphrase" },
      headers: ip,
    });
    expect(confirmed.status).toBe(204);
    await expectProblem(await call("GET", "/users/me", { token: tokens.access_token }), 401);
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      client_id: flow.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status, await refreshed.clone().text()).toBe(400);
    const reasons = await seedSql(
      "SELECT after->>'reason' AS reason FROM audit_event WHERE kind = 'app.revoked' AND chain = $1",
      [alice.id],
    );
    expect(reasons.map((r) => r.reason)).toEqual(["password_reset"]);
    // And the app is no longer listed as connected.
    const fresh = await call("POST", "/users/login", {
      body: { email: alice.email, password: "a brand new passphrase" },
      headers: { "cf-connecting-ip": randomIp() },
    });
    const { access_token } = (await fresh.json()) as Tokens;
    const apps = (await (await call("GET", "/users/me/apps", { token: access_token })).json()) as { items: unknown[] };
    expect(apps.items).toEqual([]);
  });
});

describe("parallel refreshes with one refresh token", () => {
  it("give at most one new pair, never a 5xx; the reuse ends the grant, the winner's pair too", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice);
    const refresh = () =>
      tokenRequest({ grant_type: "refresh_token", client_id: flow.clientId, refresh_token: tokens.refresh_token });
    const answers = await Promise.all([refresh(), refresh(), refresh()]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    for (const won of answers.filter((r) => r.status === 200)) {
      const pair = (await won.json()) as Tokens;
      await expectProblem(await call("GET", "/users/me", { token: pair.access_token }), 401);
      const again = await tokenRequest({
        grant_type: "refresh_token",
        client_id: flow.clientId,
        refresh_token: pair.refresh_token,
      });
      expect(again.status).toBe(400);
    }
  });
});

describe("the consent page's CSP for an IPv6 loopback redirect URI", () => {
  it("names a source Chromium accepts (an IPv6 literal is not valid in CSP: the redirect was blocked)", async () => {
    const redirect = "http://[::1]:8765/callback";
    const client = await registerClient([redirect]);
    const { challenge } = await pkce();
    const res = await call(
      "GET",
      authorizeUrl({
        response_type: "code",
        client_id: client.client_id,
        redirect_uri: redirect,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    );
    expect(res.status).toBe(200);
    const formAction = /form-action ([^;]*)/.exec(res.headers.get("content-security-policy") ?? "")?.[1] ?? "";
    // Chromium ignores "http://[::1]:8765" ("contains an invalid source") and then blocks the 303
    // to the client; "http://*:8765" is valid and lets it through (checked in headless Chromium).
    expect(formAction).not.toContain("[");
    expect(formAction.split(" ")).toContain("http://*:8765");
  });
});

describe("a password change that revokes the API tokens (the default)", () => {
  it("ends the OAuth grants too: their refresh tokens stop working", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice);
    const changed = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { password: "another brand new passphrase", current_password: alice.password },
    });
    expect(changed.status).toBe(200);
    await expectProblem(await call("GET", "/users/me", { token: tokens.access_token }), 401);
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      client_id: flow.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status).toBe(400);
    const reasons = await seedSql(
      "SELECT after->>'reason' AS reason FROM audit_event WHERE kind = 'app.revoked' AND chain = $1",
      [alice.id],
    );
    expect(reasons.map((r) => r.reason)).toEqual(["password_changed"]);
  });
});

describe("connected apps", () => {
  it("a consent whose code expired unused is no connected app: it can never hold a token", async () => {
    const alice = await createUser();
    const client = await registerClient();
    await consent(await startFlow(client.client_id), alice);
    const listed = async () =>
      ((await (await call("GET", "/users/me/apps", { token: alice.token })).json()) as { items: unknown[] }).items;
    // Pending (its code still live): listed, so the person can cancel it.
    expect(await listed()).toHaveLength(1);
    // The app never traded the code; two minutes later it is dead.
    await seedSql(
      "UPDATE oauth_code SET expires_at = now() - interval '1 second' FROM oauth_grant g WHERE g.id = grant_fk AND g.user_fk = $1",
      [alice.id],
    );
    expect(await listed()).toEqual([]);
  });
});
