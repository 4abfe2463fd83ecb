// OAuth under attack: wrong verifiers, replayed codes, foreign redirect URIs, tokens for another
// resource, reused refresh tokens, scopes beyond the role, demoted and deactivated owners, and a
// second factor that must be passed.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips } from "../helpers/api";
import { createSuperuser, createUser, seedSql, unique } from "../helpers/factories";
import { codeAt, enableTwoFactor, steadyStep } from "../two-factor/helpers";
import {
  answerOf,
  authorizeUrl,
  connect,
  consent,
  exchange,
  ORIGIN,
  pkce,
  postForm,
  REDIRECT,
  registerClient,
  requestOf,
  startFlow,
  type Tokens,
  tokenRequest,
} from "./helpers";

const errorOf = async (res: Response) => {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return ((await res.json()) as { error: string }).error;
};

describe("codes", () => {
  it("a wrong PKCE verifier is refused, and the code is spent", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const code = await consent(flow, alice);
    const wrong = (await pkce()).verifier;
    expect(await errorOf(await exchange(flow, code, { code_verifier: wrong }))).toBe("invalid_grant");
    expect(await errorOf(await exchange(flow, code))).toBe("invalid_grant");
    expect(await errorOf(await exchange(flow, code, { code_verifier: "short" }))).toBe("invalid_request");
  });

  it("a replayed code is refused and revokes what it issued; parallel redemptions get one pair at most", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const code = await consent(flow, alice);
    const first = (await (await exchange(flow, code)).json()) as Tokens;
    expect((await call("GET", "/users/me", { token: first.access_token })).status).toBe(200);
    expect(await errorOf(await exchange(flow, code))).toBe("invalid_grant");
    expect((await call("GET", "/users/me", { token: first.access_token })).status).toBe(401);
    const refresh = await tokenRequest({
      grant_type: "refresh_token",
      client_id: client.client_id,
      refresh_token: first.refresh_token,
    });
    expect(await errorOf(refresh)).toBe("invalid_grant");
    const reasons = await seedSql(
      "SELECT after->>'reason' AS reason FROM audit_event WHERE kind = 'app.revoked' AND chain = $1",
      [alice.id],
    );
    expect(reasons.map((r) => r.reason)).toEqual(["code_replayed"]);

    const race = await startFlow(client.client_id);
    const raced = await consent(race, alice);
    const statuses = (await Promise.all([1, 2, 3].map(() => exchange(race, raced)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
  });

  it("a code only works for its client and its redirect URI", async () => {
    const alice = await createUser();
    const client = await registerClient([REDIRECT, "https://app.example.com/cb"]);
    const other = await registerClient();
    const flow = await startFlow(client.client_id);
    const code = await consent(flow, alice);
    expect(await errorOf(await exchange({ ...flow, clientId: other.client_id }, code))).toBe("invalid_grant");
    const flow2 = await startFlow(client.client_id);
    const code2 = await consent(flow2, alice);
    expect(await errorOf(await exchange(flow2, code2, { redirect_uri: "https://app.example.com/cb" }))).toBe(
      "invalid_grant",
    );
    expect(await errorOf(await exchange(flow2, "tl_oac_1_api_forged"))).toBe("invalid_grant");
    expect(await errorOf(await tokenRequest({ grant_type: "password", client_id: client.client_id }))).toBe(
      "unsupported_grant_type",
    );
  });
});

describe("redirect URIs: no open redirect", () => {
  it("an unregistered or altered redirect URI, or an unknown client, is shown on the page, never redirected", async () => {
    const client = await registerClient();
    const { challenge } = await pkce();
    for (const redirect_uri of [
      "https://evil.example/callback",
      `${REDIRECT}/extra`,
      `${REDIRECT}?next=https://evil.example`,
      "http://evil.example@127.0.0.1:8765/callback",
      `${REDIRECT}#frag`,
      "javascript:alert(1)",
      "//evil.example/callback",
      "http://127.0.0.1:8766/callback",
    ]) {
      const res = await call(
        "GET",
        authorizeUrl({
          response_type: "code",
          client_id: client.client_id,
          redirect_uri,
          code_challenge: challenge,
          code_challenge_method: "S256",
        }),
      );
      expect(res.status, redirect_uri).toBe(400);
      expect(res.headers.get("location"), redirect_uri).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    }
    const unknown = await call(
      "GET",
      authorizeUrl({ response_type: "code", client_id: "tlc_unknown", redirect_uri: REDIRECT }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("location")).toBeNull();
  });

  it("once the redirect URI is the client's own, bad parameters go back to it (plain PKCE refused)", async () => {
    const client = await registerClient();
    const { challenge } = await pkce();
    const base = {
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      state: "s1",
      code_challenge: challenge,
    };
    const cases: [Record<string, string | undefined>, string][] = [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: undefined, code_challenge_method: "S256" }, "invalid_request"],
      [{ response_type: "token", code_challenge_method: "S256" }, "unsupported_response_type"],
      [{ scope: "everything", code_challenge_method: "S256" }, "invalid_scope"],
      [{ resource: "https://evil.example/mcp", code_challenge_method: "S256" }, "invalid_target"],
    ];
    for (const [extra, error] of cases) {
      const answer = answerOf(await call("GET", authorizeUrl({ ...base, ...extra })));
      expect(answer.get("error")).toBe(error);
      expect(answer.get("state")).toBe("s1");
    }
  });

  it("the consent form refuses a foreign Origin and a forged or altered request", async () => {
    const alice = await createUser();
    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const fields: [string, string][] = [
      ["email", alice.email],
      ["password", alice.password],
      ["action", "approve"],
      ["scope", "timelog:read"],
    ];
    const foreign = await postForm([["request", flow.request], ...fields], { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("location")).toBeNull();
    const [head, body, sig] = flow.request.split(".");
    const altered = `${head}.${body?.slice(0, -2)}xy.${sig}`;
    const forged = await postForm([["request", altered], ...fields]);
    expect(forged.status).toBe(400);
    expect(forged.headers.get("location")).toBeNull();
  });
});

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
