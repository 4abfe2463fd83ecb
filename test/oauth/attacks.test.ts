// OAuth under attack, codes and redirects: wrong verifiers, replayed and raced codes, codes of
// another client, foreign redirect URIs (no open redirect), a forged consent form.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createUser, seedSql } from "../helpers/factories";
import {
  answerOf,
  authorizeUrl,
  consent,
  errorOf,
  exchange,
  pkce,
  postForm,
  REDIRECT,
  registerClient,
  startFlow,
  type Tokens,
  tokenRequest,
} from "./helpers";

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
