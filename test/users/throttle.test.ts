// Password-guess throttling: reserved before the check, per (account, client), with a device
// token that keeps the owner's own budget, and Retry-After that names the real time.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, randomIp, registerUser, seedSql } from "../helpers/factories";

const attempt = (email: string, password: string, headers: Record<string, string> = {}, device?: string) =>
  call("POST", "/users/login", { body: { email, password, device_token: device }, headers });

async function failures(email: string) {
  const [row] = await seedSql(
    "SELECT count(*)::int AS n FROM auth_attempt WHERE account = lower($1) AND NOT succeeded",
    [email],
  );
  return row?.n as number;
}

describe("login throttling", () => {
  it("30 parallel guesses from one client: at most 5 are checked, the rest 429", async () => {
    const user = await registerUser();
    const ip = { "cf-connecting-ip": randomIp() };
    const guesses = Array.from({ length: 30 }, (_, i) =>
      attempt(user.email, i === 29 ? user.password : `wrong-${i}`, ip),
    );
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    expect(await failures(user.email)).toBeLessThanOrEqual(5);
  });

  it("a failed sign-in costs one round trip and is recorded before the password is checked", async () => {
    const user = await registerUser();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await attempt(user.email, "not the password", { "cf-connecting-ip": randomIp() });
    });
    await expectProblem(res as Response, 401);
    expect(trips).toBe(1);
    expect(await failures(user.email)).toBe(1);
  });

  it("strangers cannot lock the owner out: a device that signed in before keeps its own budget", async () => {
    const owner = await registerUser();
    const first = await attempt(owner.email, owner.password, { "cf-connecting-ip": randomIp() });
    const { device_token } = (await first.json()) as { device_token: string };
    const cookie = /device_cookie=([^;]+)/.exec(first.headers.get("set-cookie") ?? "")?.[1];
    expect(device_token).toBeTruthy();
    expect(cookie).toBe(device_token);
    // 25 failures from five addresses spend the account's budget for unknown clients (20).
    for (let ip = 0; ip < 5; ip++) {
      const headers = { "cf-connecting-ip": randomIp() };
      for (let i = 0; i < 5; i++) await attempt(owner.email, "guess guess", headers);
    }
    const stranger = await attempt(owner.email, owner.password, { "cf-connecting-ip": randomIp() });
    await expectProblem(stranger, 429);
    // The owner's device, by body field or by cookie, from any address, still signs in.
    expect((await attempt(owner.email, owner.password, { "cf-connecting-ip": randomIp() }, device_token)).status).toBe(
      200,
    );
    const byCookie = await call("POST", "/users/login", {
      body: { email: owner.email, password: owner.password },
      headers: { cookie: `device_cookie=${device_token}`, "cf-connecting-ip": randomIp() },
    });
    expect(byCookie.status).toBe(200);
    // A device token of another account does not help here.
    const other = await registerUser();
    const otherDevice = ((await (await attempt(other.email, other.password)).json()) as { device_token: string })
      .device_token;
    await expectProblem(
      await attempt(owner.email, owner.password, { "cf-connecting-ip": randomIp() }, otherDevice),
      429,
    );
  });

  it("a new password revokes every device: the old device token is an unknown client again", async () => {
    const owner = await createUser();
    const first = await attempt(owner.email, owner.password, { "cf-connecting-ip": randomIp() });
    const { device_token: oldDevice } = (await first.json()) as { device_token: string };
    const newPassword = "an entirely new passphrase";
    const changed = await call("PATCH", "/users/me", {
      token: owner.token,
      body: { password: newPassword, current_password: owner.password },
    });
    expect(changed.status).toBe(200);
    for (let ip = 0; ip < 5; ip++) {
      const headers = { "cf-connecting-ip": randomIp() };
      for (let i = 0; i < 5; i++) await attempt(owner.email, "guess guess", headers);
    }
    await expectProblem(await attempt(owner.email, newPassword, { "cf-connecting-ip": randomIp() }, oldDevice), 429);
  });

  it("a client's failures across many accounts do not stop users behind it who signed in before", async () => {
    const ip = randomIp();
    const regular = await registerUser();
    const device = (
      (await (await attempt(regular.email, regular.password, { "cf-connecting-ip": ip })).json()) as {
        device_token: string;
      }
    ).device_token;
    await attempt("nobody-1@example.com", "guess guess", { "cf-connecting-ip": ip });
    const [row] = await seedSql("SELECT client FROM auth_attempt WHERE account = 'nobody-1@example.com'");
    await seedSql(
      "INSERT INTO auth_attempt (account, client, trusted) SELECT 'x' || g || '@example.com', $1, false FROM generate_series(1, 99) g",
      [row?.client],
    );
    await expectProblem(await attempt("fresh@example.com", "whatever1", { "cf-connecting-ip": ip }), 429);
    expect((await attempt(regular.email, regular.password, { "cf-connecting-ip": ip }, device)).status).toBe(200);
  });

  it("a 4,000-character CF-Connecting-IP is hashed, recorded and throttled like any other", async () => {
    const user = await registerUser();
    const ip = { "cf-connecting-ip": `9${"9".repeat(3999)}` };
    for (let i = 0; i < 5; i++) await expectProblem(await attempt(user.email, "bad password", ip), 401);
    await expectProblem(await attempt(user.email, user.password, ip), 429);
    const rows = await seedSql("SELECT max(char_length(client))::int AS n FROM auth_attempt");
    expect(rows[0]?.n).toBeLessThanOrEqual(80);
  });

  it("Retry-After names when the budget really has room again, and honouring it works", async () => {
    const user = await registerUser();
    const ip = { "cf-connecting-ip": randomIp() };
    // An old failure of this client on another account must not shorten the account's wait.
    await attempt("someone-else@example.com", "guess guess", ip);
    await seedSql(
      "UPDATE auth_attempt SET at = now() - interval '14 minutes' WHERE account = 'someone-else@example.com'",
    );
    for (let i = 0; i < 5; i++) await attempt(user.email, "bad password", ip);
    const blocked = await attempt(user.email, user.password, ip);
    await expectProblem(blocked, 429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    // Age the failures until the oldest of the five leaves the window in two seconds.
    await seedSql("UPDATE auth_attempt SET at = at - interval '14 minutes 58 seconds' WHERE account = lower($1)", [
      user.email,
    ]);
    const soon = await attempt(user.email, user.password, ip);
    await expectProblem(soon, 429);
    const wait = Number(soon.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(3);
    // Honouring it, without sleeping: the database counts failures by their `at` against now(), so
    // moving them `wait` seconds into the past is `wait` seconds passing, as the worker sees it.
    await seedSql("UPDATE auth_attempt SET at = at - make_interval(secs => $2) WHERE account = lower($1)", [
      user.email,
      wait,
    ]);
    expect((await attempt(user.email, user.password, ip)).status).toBe(200);
  });

  it("a signed-in session's password checks go through the same throttle", async () => {
    const alice = await createUser();
    const change = { password: "a new long password", current_password: "not it at all" };
    for (let i = 0; i < 5; i++) {
      await expectProblem(await call("PATCH", "/users/me", { token: alice.token, body: change }), 403);
    }
    const blocked = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { ...change, current_password: alice.password },
    });
    await expectProblem(blocked, 429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The owner's own sign-in is not locked by a token thief's guesses.
    expect((await attempt(alice.email, alice.password, { "cf-connecting-ip": randomIp() })).status).toBe(200);
  });

  it("refuses a form login from a foreign Origin (login CSRF); allows its own and listed origins", async () => {
    const user = await registerUser();
    const form = new URLSearchParams({ username: user.email, password: user.password });
    const post = (origin: string) =>
      call("POST", "/users/login", {
        body: form.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin, "cf-connecting-ip": randomIp() },
      });
    const evil = await expectProblem(await post("https://evil.example"), 403);
    expect(evil.code).toBe("csrf_rejected");
    expect((await post("https://app.example.com")).status).toBe(200);
    expect((await post("http://api.test")).status).toBe(200);
  });
});

describe("registration limits", () => {
  const register = (ip: string, position_fk = 1) =>
    call("POST", "/users/register", {
      body: {
        email: `r-${crypto.randomUUID()}@example.com`,
        username: `r-${crypto.randomUUID().slice(0, 8)}`,
        password: "long enough pw",
        position_fk,
      },
      headers: { "cf-connecting-ip": ip },
    });

  it("a client creates at most 5 accounts an hour (429 + Retry-After beyond)", async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) expect((await register(ip)).status).toBe(201);
    const res = await register(ip);
    expect((await expectProblem(res, 429)).code).toBe("too_many_registrations");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(3500);
    expect((await register(randomIp())).status).toBe(201);
  });

  it("10 parallel registrations from one client create at most 5 accounts; a taken email counts too", async () => {
    const ip = randomIp();
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => register(ip)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    // Probing which emails exist is not free: a 409 for a taken email spends the budget as well.
    const prober = randomIp();
    const taken = await registerUser();
    const probe = () =>
      call("POST", "/users/register", {
        body: {
          email: taken.email,
          username: `p-${crypto.randomUUID().slice(0, 8)}`,
          password: "long enough pw",
          position_fk: 1,
        },
        headers: { "cf-connecting-ip": prober },
      });
    for (let i = 0; i < 5; i++) expect((await expectProblem(await probe(), 409)).code).toBe("email_taken");
    expect((await expectProblem(await probe(), 429)).code).toBe("too_many_registrations");
  });

  it("self-registration only into positions open for it; superusers assign any", async () => {
    const admin = await createSuperuser();
    const created = await call("POST", "/positions/", { token: admin.token, body: { title: "Director" } });
    const director = (await created.json()) as { id: number; open_for_registration: boolean };
    expect(director.open_for_registration).toBe(false);
    const [before] = await seedSql("SELECT count(*)::int AS n FROM app_user");
    const refused = await expectProblem(await register(randomIp(), director.id), 403);
    expect(refused.code).toBe("position_not_open");
    const [after] = await seedSql("SELECT count(*)::int AS n FROM app_user");
    expect(after?.n).toBe(before?.n);
    const bob = await createUser();
    const moved = await call("PATCH", `/users/${bob.id}`, { token: admin.token, body: { position_fk: director.id } });
    expect(((await moved.json()) as { position_fk: number }).position_fk).toBe(director.id);
    await call("PATCH", `/positions/${director.id}`, { token: admin.token, body: { open_for_registration: true } });
    expect((await register(randomIp(), director.id)).status).toBe(201);
  });
});
