// Password reset end to end through the loopback mail receiver: ask → email → confirm → every old
// login dead → the new password signs in; and the attacker's side: reuse, races, enumeration.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { call, countRoundTrips, expectProblem, testEnv } from "../helpers/api";
import { createUser, login, randomIp, seedSql, type TestUser, unique } from "../helpers/factories";
import { emailsTo, lastEmail } from "../helpers/mail";

async function createApiToken(user: TestUser): Promise<string> {
  const res = await call("POST", "/users/me/tokens", {
    token: user.token,
    body: { name: "script", scopes: ["timelog:read"] },
  });
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const NEW_PASSWORD = "a brand new passphrase";

/** Each test from its own client, so the per-client budget is its own. */
const from = (ip = randomIp()) => ({ "cf-connecting-ip": ip });
const ask = (email: string, ip = randomIp()) =>
  call("POST", "/users/password-reset", { body: { email }, headers: from(ip) });
const confirm = (token: string, password = NEW_PASSWORD, ip = randomIp()) =>
  call("POST", "/users/password-reset/confirm", { body: { token, password }, headers: from(ip) });

describe("password reset", () => {
  it("reset → email → confirm: old logins and API tokens end, the new password signs in, a notice follows", async () => {
    const alice = await createUser();
    const api = await createApiToken(alice);
    await seedSql("UPDATE app_user SET is_verified = false WHERE id = $1", [alice.id]);
    const res = await ask(alice.email);
    expect(res.status).toBe(202);
    const mail = await lastEmail(alice.email, "password_reset");
    expect(mail.text).toContain("http://localhost:5173/reset-password#token=");
    expect(mail.token).toMatch(/^tl_rst_/);
    expect(await confirm(mail.token ?? "")).toHaveProperty("status", 204);

    await expectProblem(await call("GET", "/users/me", { token: alice.token }), 401);
    await expectProblem(await call("GET", "/users/me", { token: api }), 401);
    await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } }), 401);
    await expectProblem(
      await call("POST", "/users/login", { body: { email: alice.email, password: alice.password } }),
      401,
    );
    const fresh = await login(alice.email, NEW_PASSWORD);
    const me = await call("GET", "/users/me", { token: fresh.access_token });
    expect(await me.json()).toMatchObject({ email_verified: true });
    expect((await lastEmail(alice.email, "password_changed")).token).toBeNull();

    // Audited, without the token.
    const [event] = await seedSql(
      "SELECT before, after FROM audit_event WHERE kind = 'user.password_reset' AND entity_id = $1",
      [String(alice.id)],
    );
    expect(event).toBeDefined();
    expect(JSON.stringify(event)).not.toContain(mail.token);
  });

  it("the token and the new password reach no log (ask, a refused confirm, a confirm, a replay)", async () => {
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));
    try {
      const kim = await createUser();
      await ask(kim.email);
      const { token } = await lastEmail(kim.email, "password_reset");
      await confirm(token ?? "", "short");
      await confirm(token ?? "");
      await confirm(token ?? "");
      const printed = spies.flatMap((s) => s.mock.calls.map((c) => c.map(String).join(" "))).join("\n");
      expect(token).toMatch(/^tl_rst_/);
      expect(printed).not.toContain(token);
      expect(printed).not.toContain(NEW_PASSWORD);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it("each step's round trips: the request one, the confirm two (check, then apply)", async () => {
    const ivan = await createUser();
    expect(await countRoundTrips(() => ask(ivan.email))).toBe(1);
    const { token } = await lastEmail(ivan.email, "password_reset");
    expect(await countRoundTrips(() => confirm(token ?? ""))).toBe(2);
    expect(await countRoundTrips(() => confirm(token ?? ""))).toBe(1);
  });

  it("a token works once: a second confirm is 410 link_invalid, as is an unknown one", async () => {
    const bob = await createUser();
    await ask(bob.email);
    const { token } = await lastEmail(bob.email, "password_reset");
    expect((await confirm(token ?? "")).status).toBe(204);
    const again = await expectProblem(await confirm(token ?? "", "yet another password"), 410);
    expect(again.code).toBe("link_invalid");
    const unknown = await expectProblem(await confirm(`tl_rst_${unique()}`), 410);
    expect(unknown.code).toBe("link_invalid");
    await login(bob.email, NEW_PASSWORD);
  });

  it("parallel confirms of one token: exactly one 204", async () => {
    const carol = await createUser();
    await ask(carol.email);
    const { token } = await lastEmail(carol.email, "password_reset");
    const answers = await Promise.all(
      ["password one!", "password two!", "password three!", "password four!"].map((p) => confirm(token ?? "", p)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 410, 410, 410]);
  });

  it("a newer reset ends the older link; an expired link is 410 too", async () => {
    const dave = await createUser();
    await ask(dave.email);
    const older = (await lastEmail(dave.email, "password_reset")).token ?? "";
    await ask(dave.email);
    const newer = (await emailsTo(dave.email)).filter((e) => e.template === "password_reset").at(-1)?.token ?? "";
    expect(newer).not.toBe(older);
    expect((await expectProblem(await confirm(older), 410)).code).toBe("link_invalid");
    await seedSql("UPDATE account_token SET expires_at = now() - interval '1 second' WHERE user_fk = $1", [dave.id]);
    expect((await expectProblem(await confirm(newer), 410)).code).toBe("link_invalid");
    await login(dave.email, dave.password);
  });

  it("a password change ends a pending reset and emails a notice", async () => {
    const erin = await createUser();
    await ask(erin.email);
    const { token } = await lastEmail(erin.email, "password_reset");
    const changed = await call("PATCH", "/users/me", {
      token: erin.token,
      body: { password: "changed the usual way", current_password: erin.password },
    });
    expect(changed.status).toBe(200);
    expect((await lastEmail(erin.email, "password_changed")).template).toBe("password_changed");
    expect((await expectProblem(await confirm(token ?? ""), 410)).code).toBe("link_invalid");
    await login(erin.email, "changed the usual way");
  });

  it("a login's rehash of the same password is no change: no notice, the pending reset stays", async () => {
    const judy = await createUser();
    // A legacy hash of the same password at 1,000 iterations: the next login upgrades it.
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(judy.password), "PBKDF2", false, [
      "deriveBits",
    ]);
    const bits = new Uint8Array(
      await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1000 }, key, 256),
    );
    const enc = (b: Uint8Array) => btoa(String.fromCharCode(...b));
    await seedSql("SELECT password_rehash($1, $2)", [judy.id, `pbkdf2_sha256$1000$${enc(salt)}$${enc(bits)}`]);
    await ask(judy.email);
    const { token } = await lastEmail(judy.email, "password_reset");
    await login(judy.email, judy.password);
    const [row] = await seedSql("SELECT password_hash FROM app_user WHERE id = $1", [judy.id]);
    expect(String(row?.password_hash)).toMatch(/^pbkdf2_sha256\$100000\$/);
    // The sign-up's verification email, the reset's; no password_changed notice.
    expect((await emailsTo(judy.email)).map((e) => e.template)).toEqual(["email_verification", "password_reset"]);
    expect((await confirm(token ?? "")).status).toBe(204);
  });

  it("known and unknown addresses: the same status, body and round trips, and comparable time", async () => {
    const frank = await createUser();
    const unknown = `nobody-${unique()}@example.com`;
    const answers: Record<string, { status: number; body: string; trips: number; ms: number[] }> = {};
    for (const [who, email] of [
      ["known", frank.email],
      ["unknown", unknown],
    ] as const) {
      let res: Response | undefined;
      const trips = await countRoundTrips(async () => {
        res = await ask(email);
      });
      // Time to the response (the email goes out after it), a few times each.
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const ctx = createExecutionContext();
        const started = performance.now();
        const request = new Request("http://api.test/users/password-reset", {
          method: "POST",
          headers: { "content-type": "application/json", ...from() },
          body: JSON.stringify({ email }),
        });
        await worker.fetch(request, testEnv as never, ctx);
        ms.push(performance.now() - started);
        await waitOnExecutionContext(ctx);
      }
      answers[who] = { status: res?.status ?? 0, body: (await res?.text()) ?? "", trips, ms };
    }
    expect(answers.known?.status).toBe(202);
    expect(answers.unknown?.status).toBe(202);
    expect(answers.unknown?.body).toBe(answers.known?.body);
    // One round trip either way (the email's delivery after the response is not the request's).
    expect(answers.known?.trips).toBe(1);
    expect(answers.unknown?.trips).toBe(1);
    // No PBKDF2 on either path (one hash is ~100 ms in workerd): both answer well under that.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
    expect(median(answers.known?.ms ?? [])).toBeLessThan(250);
    expect(median(answers.unknown?.ms ?? [])).toBeLessThan(250);
    expect(await emailsTo(unknown)).toEqual([]);
  });

  it("throttled per address (known or not) and per client: 429", async () => {
    const grace = await createUser();
    const unknown = `nobody-${unique()}@example.com`;
    for (const email of [grace.email, unknown]) {
      for (let i = 0; i < 5; i++) expect((await ask(email)).status).toBe(202);
      const refused = await expectProblem(await ask(email), 429);
      expect(refused.code).toBe("too_many_resets");
    }
    const ip = randomIp();
    for (let i = 0; i < 20; i++) expect((await ask(`n${i}-${unique()}@example.com`, ip)).status).toBe(202);
    expect((await expectProblem(await ask(`n-${unique()}@example.com`, ip), 429)).code).toBe("too_many_resets");
  });

  it("refuses a malformed request (422) and confirm's weak password before touching the token", async () => {
    await expectProblem(await call("POST", "/users/password-reset", { body: { email: "not an email" } }), 422);
    await expectProblem(await confirm("anything", "short"), 422);
  });
});
