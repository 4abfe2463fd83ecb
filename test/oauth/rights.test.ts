// OAuth under attack, rights: tokens for another resource, reused refresh tokens, scopes beyond
// the role, demoted and deactivated owners, and the sign-in on the consent page (a second factor
// that must be passed).
import { describe, expect, it } from "vitest";
import { call, countRoundTrips } from "../helpers/api";
import { createSuperuser, createUser, seedSql, unique } from "../helpers/factories";
import { codeAt, enableTwoFactor, steadyStep } from "../two-factor/helpers";
import {
  answerOf,
  connect,
  consent,
  errorOf,
  exchange,
  ORIGIN,
  postForm,
  registerClient,
  requestOf,
  startFlow,
  type Tokens,
  tokenRequest,
} from "./helpers";

describe("resources and scopes", () => {
  it("a token for /mcp is refused on the API (401 + WWW-Authenticate); an unknown resource is invalid_target", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice, undefined, { resource: `${ORIGIN}/mcp` });
    expect(tokens.access_token).toMatch(/^tl_oat_\d+_mcp_/);
    const res = await call("GET", "/users/me", { token: tokens.access_token });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // A token request naming another resource than the grant's is refused.
    const wrong = await tokenRequest({
      grant_type: "refresh_token",
      client_id: flow.clientId,
      refresh_token: tokens.refresh_token,
      resource: ORIGIN,
    });
    expect(await errorOf(wrong)).toBe("invalid_target");
    // The audience is hashed with the token: changing it makes an unknown token.
    const swapped = tokens.access_token.replace("_mcp_", "_api_");
    expect((await call("GET", "/users/me", { token: swapped })).status).toBe(401);
  });

  it("a reused refresh token revokes the grant (theft signal)", async () => {
    const alice = await createUser();
    const { flow, tokens } = await connect(alice);
    const refresh = (refresh_token: string) =>
      tokenRequest({ grant_type: "refresh_token", client_id: flow.clientId, refresh_token });
    const next = (await (await refresh(tokens.refresh_token)).json()) as Tokens;
    expect(await errorOf(await refresh(tokens.refresh_token))).toBe("invalid_grant");
    expect((await call("GET", "/users/me", { token: next.access_token })).status).toBe(401);
    expect(await errorOf(await refresh(next.refresh_token))).toBe("invalid_grant");
  });

  it("never more than the role: admin is left out for a non-superuser, and a forged form scope is ignored", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id, { scope: "timelog:read admin" });
    const code = await consent(flow, alice, ["timelog:read", "admin", "reports:read"]);
    const tokens = (await (await exchange(flow, code)).json()) as Tokens;
    expect(tokens.scope).toBe("timelog:read");
    const create = await call("POST", "/teams", { token: tokens.access_token, body: { name: `t-${unique()}` } });
    expect(create.status).toBe(403);
    const onlyAdmin = await startFlow(client.client_id, { scope: "admin" });
    const res = await postForm([
      ["request", onlyAdmin.request],
      ["email", alice.email],
      ["password", alice.password],
      ["action", "approve"],
      ["scope", "admin"],
    ]);
    expect(answerOf(res).get("error")).toBe("invalid_scope");
    // The database's rule, whatever inserts: a grant of admin to a non-superuser is refused.
    await expect(
      seedSql("INSERT INTO oauth_grant (client_fk, user_fk, scopes, resource) VALUES ($1, $2, '{admin}', 'x')", [
        client.client_id,
        alice.id,
      ]),
    ).rejects.toThrow(/superusers/);
  });

  it("a demoted owner's admin token loses admin at the next request; a deactivated owner's tokens die", async () => {
    const boss = await createSuperuser();
    const { flow, tokens } = await connect(boss, ["timelog:read", "admin"]);
    expect(tokens.scope).toBe("timelog:read admin");
    const team = () => call("POST", "/teams", { token: tokens.access_token, body: { name: `t-${unique()}` } });
    expect((await team()).status).toBe(201);
    await seedSql("UPDATE app_user SET is_superuser = false WHERE id = $1", [boss.id]);
    expect((await team()).status).toBe(403);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [boss.id]);
    expect((await call("GET", "/users/me", { token: tokens.access_token })).status).toBe(401);
    const refresh = await tokenRequest({
      grant_type: "refresh_token",
      client_id: flow.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(await errorOf(refresh)).toBe("invalid_grant");
    const reasons = await seedSql(
      "SELECT after->>'reason' AS reason FROM audit_event WHERE kind = 'app.revoked' AND chain = $1",
      [boss.id],
    );
    expect(reasons.map((r) => r.reason)).toEqual(["deactivated"]);
  });
});

describe("signing in on the consent page", () => {
  it("a wrong password is shown on the page (401), no redirect", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const res = await postForm([
      ["request", flow.request],
      ["email", alice.email],
      ["password", "wrong password!"],
      ["action", "approve"],
      ["scope", "timelog:read"],
    ]);
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Wrong email or password");
  });

  it("with two-factor sign-in the person must pass a code: wrong codes stay on the page; the right one allows", async () => {
    const alice = await createUser();
    const { secret } = await enableTwoFactor(alice);
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const first = await postForm([
      ["request", flow.request],
      ["email", alice.email],
      ["password", alice.password],
      ["action", "approve"],
      ["scope", "timelog:read"],
    ]);
    expect(first.status).toBe(200);
    expect(first.headers.get("location")).toBeNull();
    const html = await first.text();
    const challenge = /name="challenge" value="([^"]+)"/.exec(html)?.[1] as string;
    expect(challenge).toBeTruthy();
    expect(requestOf(html)).toBe(flow.request);
    const step = (code: string) =>
      postForm([
        ["request", flow.request],
        ["challenge", challenge],
        ["code", code],
        ["scope", "timelog:read"],
        ["action", "approve"],
      ]);
    const wrong = await step(
      [codeAt(secret, -1), codeAt(secret), codeAt(secret, 1)].includes("000000") ? "111111" : "000000",
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("location")).toBeNull();
    await steadyStep();
    // The enrolment used this step's code: the next step's (accepted one step either side).
    const right = await step(codeAt(secret, 1));
    const answer = answerOf(right);
    const tokens = (await (await exchange(flow, answer.get("code") as string)).json()) as Tokens;
    expect(tokens.scope).toBe("timelog:read");
    // The code was used: the same one does not pass twice.
    expect((await step(codeAt(secret, 1))).status).toBe(401);
  });

  it("round trips: the token endpoint 1, the password step 2", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    let code = "";
    expect(await countRoundTrips(async () => (code = await consent(flow, alice)))).toBe(2);
    expect(await countRoundTrips(() => exchange(flow, code))).toBe(1);
  });
});
