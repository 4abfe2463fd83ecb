// Review r4 (issue 25 §2): the company's require_2fa on the consent page. An account that must
// enrol first cannot use the API with its password alone (403 2fa_required) nor make an API
// token; the consent page must not hand it an OAuth token (a second credential that
// auth_guard_token does not stop) for the password alone. Its own file: the setting is
// company-wide.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createSuperuser, createUser, randomIp, seedSql } from "../helpers/factories";
import { enableTwoFactor } from "../two-factor/helpers";
import { postForm, registerClient, startFlow } from "./helpers";

describe("require_2fa on the consent page", () => {
  it("an account without two-factor sign-in is told to enrol; no code, no grant", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    await enableTwoFactor(admin);
    const on = await call("PATCH", "/settings", { token: admin.token, body: { require_2fa: true } });
    expect(on.status).toBe(200);

    const client = await registerClient();
    const flow = await startFlow(client.client_id);
    const res = await postForm(
      [
        ["request", flow.request],
        ["email", alice.email],
        ["password", alice.password],
        ["action", "approve"],
        ["scope", "timelog:read"],
      ],
      { "cf-connecting-ip": randomIp() },
    );
    expect(res.headers.get("location")).toBeNull();
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("two-factor");
    expect(await seedSql("SELECT count(*)::int AS n FROM oauth_grant WHERE user_fk = $1", [alice.id])).toEqual([
      { n: 0 },
    ]);
  });
});
