import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it, vi } from "vitest";
import { call, countRoundTrips, expectProblem, testEnv } from "../helpers/api";
import { createSuperuser, createUser, login, registerUser, seedSql } from "../helpers/factories";

const privateJwk = JSON.parse((env as unknown as Record<string, string>).JWT_PRIVATE_KEY ?? "") as JsonWebKey & {
  kid: string;
};
const { d, p, q, dp, dq, qi, ...publicJwk } = privateJwk;
const b64url = (s: string) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
const now = () => Math.floor(Date.now() / 1000);

/** A fresh RSA signing key that this API has never seen. */
async function newPrivateJwk(): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
}

function claims(user: { id: number }, token: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = JSON.parse(atob(token.split(".")[1]?.replaceAll("-", "+").replaceAll("_", "/") ?? "")) as Record<
    string,
    unknown
  >;
  return { ...payload, sub: String(user.id), ...extra };
}

async function me(token: string) {
  return call("GET", "/users/me", { token });
}

describe("login", () => {
  it("takes JSON or the old form body, returns a token pair and an HttpOnly cookie, in two round trips", async () => {
    const user = await registerUser();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("POST", "/users/login", { body: { email: user.email, password: user.password } });
    });
    expect(trips).toBe(2);
    expect(res?.status).toBe(200);
    const tokens = (await res?.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 900 });
    const cookie = res?.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^auth_cookie=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);

    const form = await call("POST", "/users/login", {
      body: new URLSearchParams({ username: user.email.toUpperCase(), password: user.password }),
    });
    expect(form.status).toBe(200);
  });

  it("gives the same 401 for a wrong password, an unknown email and an inactive user", async () => {
    const user = await registerUser();
    const wrong = await call("POST", "/users/login", { body: { email: user.email, password: "wrong password!" } });
    const unknown = await call("POST", "/users/login", {
      body: { email: "nobody@example.com", password: "whatever1" },
    });
    const inactive = await registerUser();
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [inactive.id]);
    const off = await call("POST", "/users/login", { body: { email: inactive.email, password: inactive.password } });
    const bodies = await Promise.all([wrong, unknown, off].map((r) => expectProblem(r, 401)));
    expect(new Set(bodies.map((b) => b.detail)).size).toBe(1);
  });

  it("slows repeated failures for an account with 429 and Retry-After", async () => {
    const user = await registerUser();
    const client = { "cf-connecting-ip": `10.0.0.${Math.floor(Math.random() * 200)}` };
    for (let i = 0; i < 5; i++) {
      const res = await call("POST", "/users/login", {
        body: { email: user.email, password: "bad password" },
        headers: client,
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call("POST", "/users/login", {
      body: { email: user.email, password: user.password },
      headers: client,
    });
    await expectProblem(blocked, 429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("refuses an unsupported content type with 415", async () => {
    const res = await call("POST", "/users/login", { body: "email=x", headers: { "content-type": "text/plain" } });
    await expectProblem(res, 415);
  });

  it("stores PBKDF2-SHA256 hashes at 100,000 iterations: Workers' production cap, and no fewer", async () => {
    const user = await registerUser();
    const [row] = await seedSql("SELECT password_hash FROM app_user WHERE id = $1", [user.id]);
    const [scheme, iterations, salt, hash] = String(row?.password_hash).split("$");
    expect(scheme).toBe("pbkdf2_sha256");
    expect(Number(iterations)).toBe(100_000);
    expect(atob(salt ?? "")).toHaveLength(16);
    expect(atob(hash ?? "")).toHaveLength(32);
  });

  it("upgrades a hash with weaker parameters on login", async () => {
    const user = await registerUser();
    // A legacy hash of the same password at 1,000 iterations, made with WebCrypto here.
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(user.password), "PBKDF2", false, [
      "deriveBits",
    ]);
    const bits = new Uint8Array(
      await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1000 }, key, 256),
    );
    const enc = (b: Uint8Array) => btoa(String.fromCharCode(...b));
    await seedSql("UPDATE app_user SET password_hash = $2 WHERE id = $1", [
      user.id,
      `pbkdf2_sha256$1000$${enc(salt)}$${enc(bits)}`,
    ]);
    await login(user.email, user.password);
    const [row] = (await seedSql("SELECT password_hash FROM app_user WHERE id = $1", [user.id])) as {
      password_hash: string;
    }[];
    expect(row?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
  });
});

describe("authenticated requests", () => {
  it("GET /users/me in one round trip, by bearer token or cookie", async () => {
    const alice = await createUser();
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await me(alice.token)))).toBe(1);
    expect(await res?.json()).toMatchObject({ id: alice.id, email: alice.email });
    const byCookie = await call("GET", "/users/me", { headers: { cookie: `auth_cookie=${alice.token}` } });
    expect(byCookie.status).toBe(200);
  });

  it("protects cookie-authenticated unsafe requests against CSRF by Origin", async () => {
    const alice = await createUser();
    const cookie = `auth_cookie=${alice.token}`;
    const evil = await call("PATCH", "/users/me", {
      body: { username: "pwned" },
      headers: { cookie, origin: "https://evil.example" },
    });
    await expectProblem(evil, 403);
    const none = await call("PATCH", "/users/me", { body: { username: "pwned" }, headers: { cookie } });
    await expectProblem(none, 403);
    const ok = await call("PATCH", "/users/me", {
      body: { username: "fine" },
      headers: { cookie, origin: "https://app.example.com" },
    });
    expect(ok.status).toBe(200);
  });

  describe("token attacks answer 401", () => {
    it.each([
      ["no token", async () => ({})],
      ["malformed", async () => ({ authorization: "Bearer not-a-jwt" })],
      ["wrong scheme", async () => ({ authorization: "Basic abc" })],
    ])("%s", async (_n, headers) => {
      await expectProblem(await call("GET", "/users/me", { headers: await headers() }), 401);
    });

    it("tampered payload", async () => {
      const alice = await createUser();
      const bob = await createUser();
      const [h, , s] = alice.token.split(".");
      const forged = `${h}.${b64url(JSON.stringify(claims(bob, alice.token)))}.${s}`;
      await expectProblem(await me(forged), 401);
    });

    it("signed with another key under the same kid", async () => {
      const alice = await createUser();
      const other = await newPrivateJwk();
      const forged = await sign(
        claims(alice, alice.token),
        { ...other, kid: privateJwk.kid, alg: "RS256" } as never,
        "RS256",
      );
      await expectProblem(await me(forged), 401);
    });

    it("alg none", async () => {
      const alice = await createUser();
      const header = b64url(JSON.stringify({ alg: "none", typ: "JWT", kid: privateJwk.kid }));
      await expectProblem(await me(`${header}.${b64url(JSON.stringify(claims(alice, alice.token)))}.`), 401);
    });

    it("HS256 signed with the public key", async () => {
      const alice = await createUser();
      const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT", kid: privateJwk.kid }));
      const payload = b64url(JSON.stringify(claims(alice, alice.token)));
      const key = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(JSON.stringify(publicJwk)),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const sig = new Uint8Array(
        await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${header}.${payload}`)),
      );
      await expectProblem(await me(`${header}.${payload}.${b64url(String.fromCharCode(...sig))}`), 401);
    });

    it("expired, and without exp", async () => {
      const alice = await createUser();
      const expired = await sign(
        claims(alice, alice.token, { exp: now() - 10, iat: now() - 100 }),
        privateJwk as never,
        "RS256",
      );
      await expectProblem(await me(expired), 401);
      const { exp: _exp, ...rest } = claims(alice, alice.token);
      const noExp = await sign(rest, privateJwk as never, "RS256");
      await expectProblem(await me(noExp), 401);
    });

    it("a token this isolate verified before: a changed copy is checked afresh, and it dies when it expires", async () => {
      const alice = await createUser();
      const token = await sign(claims(alice, alice.token, { exp: now() + 60 }), privateJwk as never, "RS256");
      expect((await me(token)).status).toBe(200);
      expect((await me(token)).status).toBe(200);
      const [h, p, sig = ""] = token.split(".");
      const flipped = sig.slice(0, -2) + (sig.at(-2) === "A" ? "B" : "A") + sig.slice(-1);
      await expectProblem(await me(`${h}.${p}.${flipped}`), 401);
      const bob = await createUser();
      await expectProblem(
        await me(`${h}.${b64url(JSON.stringify(claims(bob, alice.token, { exp: now() + 60 })))}.${sig}`),
        401,
      );
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        vi.setSystemTime(Date.now() + 61_000);
        await expectProblem(await me(token), 401);
      } finally {
        vi.useRealTimers();
      }
    });

    it("a valid signature with the wrong audience or issuer", async () => {
      const alice = await createUser();
      const aud = await sign(claims(alice, alice.token, { aud: "someone-else" }), privateJwk as never, "RS256");
      await expectProblem(await me(aud), 401);
      const iss = await sign(claims(alice, alice.token, { iss: "someone-else" }), privateJwk as never, "RS256");
      await expectProblem(await me(iss), 401);
    });

    it("a refresh token used as an access token, and the reverse", async () => {
      const alice = await createUser();
      await expectProblem(await me(alice.refresh), 401);
      await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: alice.token } }), 401);
    });

    it("after logout: access token, cookie and refresh token all die at once", async () => {
      const alice = await createUser();
      let res: Response | undefined;
      expect(
        await countRoundTrips(async () => (res = await call("POST", "/users/logout", { token: alice.token }))),
      ).toBe(1);
      expect(res?.status).toBe(204);
      expect(res?.headers.get("set-cookie")).toMatch(/auth_cookie=;/);
      await expectProblem(await me(alice.token), 401);
      await expectProblem(await call("GET", "/users/me", { headers: { cookie: `auth_cookie=${alice.token}` } }), 401);
      await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } }), 401);
    });

    it("after logout-all, every login of the user ends", async () => {
      const alice = await createUser();
      const second = await login(alice.email, alice.password);
      expect((await call("POST", "/users/logout-all", { token: alice.token })).status).toBe(204);
      await expectProblem(await me(alice.token), 401);
      await expectProblem(await me(second.access_token), 401);
    });

    it("after deactivation by a superuser", async () => {
      const admin = await createSuperuser();
      const alice = await createUser();
      const res = await call("PATCH", `/users/${alice.id}`, { token: admin.token, body: { is_active: false } });
      expect(res.status).toBe(200);
      await expectProblem(await me(alice.token), 401);
      await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } }), 401);
      const [row] = await seedSql("SELECT count(*)::int AS n FROM session WHERE user_fk = $1 AND revoked_at IS NULL", [
        alice.id,
      ]);
      expect(row?.n).toBe(0);
    });
  });
});

describe("refresh", () => {
  it("rotates in one round trip; reusing a spent token revokes the whole login, successor included", async () => {
    const alice = await createUser();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } });
    });
    expect(trips).toBe(1);
    expect(res?.status).toBe(200);
    const next = (await res?.json()) as { access_token: string; refresh_token: string };
    expect((await me(next.access_token)).status).toBe(200);

    // The spent token comes back: RFC 9700 reuse detection.
    await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: alice.refresh } }), 401);
    await expectProblem(await call("POST", "/users/refresh", { body: { refresh_token: next.refresh_token } }), 401);
    await expectProblem(await me(next.access_token), 401);
    await expectProblem(await me(alice.token), 401);
  });
});

describe("PATCH /users/me", () => {
  it("changes the username; ignores nothing silently (unknown fields are 422)", async () => {
    const alice = await createUser();
    const res = await call("PATCH", "/users/me", { token: alice.token, body: { username: "alice2" } });
    expect(await res.json()).toMatchObject({ username: "alice2" });
    for (const field of [
      { is_superuser: true },
      { id: 99 },
      { registered_at: "2020-01-01T00:00:00Z" },
      { email: "x@y.z" },
    ]) {
      await expectProblem(
        await call("PATCH", "/users/me", { token: alice.token, body: { username: "x", ...field } }),
        422,
      );
    }
    const [row] = await seedSql("SELECT is_superuser FROM app_user WHERE id = $1", [alice.id]);
    expect(row?.is_superuser).toBe(false);
  });

  it("changes the password only with current_password, and ends the other logins", async () => {
    const alice = await createUser();
    const other = await login(alice.email, alice.password);
    await expectProblem(
      await call("PATCH", "/users/me", { token: alice.token, body: { password: "a new passphrase" } }),
      422,
    );
    const wrong = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { password: "a new passphrase", current_password: "not it at all" },
    });
    await expectProblem(wrong, 403);
    const ok = await call("PATCH", "/users/me", {
      token: alice.token,
      body: { password: "a new passphrase", current_password: alice.password },
    });
    expect(ok.status).toBe(200);
    expect((await me(alice.token)).status).toBe(200);
    await expectProblem(await me(other.access_token), 401);
    await login(alice.email, "a new passphrase");
  });
});

describe("users as seen by others", () => {
  it("GET /users/{id}: yourself, or anyone for a superuser; another user's id is 404", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const admin = await createSuperuser();
    expect((await call("GET", `/users/${alice.id}/`, { token: alice.token })).status).toBe(200);
    await expectProblem(await call("GET", `/users/${bob.id}`, { token: alice.token }), 404);
    expect((await call("GET", `/users/${bob.id}`, { token: admin.token })).status).toBe(200);
    await expectProblem(await call("GET", "/users/abc", { token: alice.token }), 422);
  });

  it("GET /users/ lists users with their position title for superusers, paginated", async () => {
    const admin = await createSuperuser();
    await createUser();
    await createUser();
    const first = await call("GET", "/users/?limit=2", { token: admin.token });
    const page = (await first.json()) as {
      items: { id: number; position_title: string }[];
      next_cursor: string | null;
    };
    expect(page.items).toHaveLength(2);
    expect(page.items[0]?.position_title).toBe("Employee");
    expect(typeof page.next_cursor).toBe("string");
    const second = (await (
      await call("GET", `/users?limit=2&cursor=${page.next_cursor}`, { token: admin.token })
    ).json()) as {
      items: { id: number }[];
    };
    expect(second.items[0]?.id).toBeGreaterThan(page.items[1]?.id ?? 0);
  });

  it("superuser routes refuse an ordinary user with 403 and change nothing", async () => {
    const alice = await createUser();
    const bob = await createUser();
    await expectProblem(await call("GET", "/users/", { token: alice.token }), 403);
    await expectProblem(
      await call("PATCH", `/users/${bob.id}`, { token: alice.token, body: { is_active: false } }),
      403,
    );
    await expectProblem(
      await call("PATCH", `/users/${alice.id}`, { token: alice.token, body: { is_superuser: true } }),
      403,
    );
    const rows = await seedSql("SELECT is_active, is_superuser FROM app_user WHERE id = ANY($1::int[])", [
      [alice.id, bob.id],
    ]);
    expect(rows).toEqual([
      { is_active: true, is_superuser: false },
      { is_active: true, is_superuser: false },
    ]);
  });
});

describe("keys", () => {
  it("publishes the public signing key without private parts", async () => {
    const res = await call("GET", "/.well-known/jwks.json");
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys[0]).toMatchObject({ kid: privateJwk.kid, kty: "RSA", n: privateJwk.n });
    expect(keys[0]).not.toHaveProperty("d");
  });

  it("accepts tokens from a previous key listed in JWT_PUBLIC_KEYS during rotation", async () => {
    const alice = await createUser();
    const newPrivate = {
      ...(await newPrivateJwk()),
      kid: "new-key",
      alg: "RS256",
    };
    const rotated = {
      ...testEnv,
      JWT_PRIVATE_KEY: JSON.stringify(newPrivate),
      JWT_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwk] }),
    };
    expect((await call("GET", "/users/me", { token: alice.token, env: rotated })).status).toBe(200);
    const withoutOld = { ...testEnv, JWT_PRIVATE_KEY: JSON.stringify(newPrivate) };
    await expectProblem(await call("GET", "/users/me", { token: alice.token, env: withoutOld }), 401);
  });
});
