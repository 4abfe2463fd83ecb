import { afterEach, describe, expect, it, vi } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { randomIp, seedSql } from "../helpers/factories";

const valid = () => ({
  email: `reg-${crypto.randomUUID()}@example.com`,
  username: `ada-${crypto.randomUUID().slice(0, 8)}`,
  password: "correct horse battery",
  position_fk: 1,
});

describe("POST /users/register", () => {
  it("creates a user in two round trips (the budget, then the account) and never exposes the password", async () => {
    const body = valid();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("POST", "/users/register", { body });
    });
    expect(trips).toBe(2);
    expect(res?.status).toBe(201);
    const user = (await res?.json()) as Record<string, unknown>;
    expect(Object.keys(user).sort()).toEqual(
      [
        "email",
        "id",
        "is_active",
        "is_superuser",
        "is_verified",
        "email_verified",
        "two_factor_enabled",
        "erased",
        "position_fk",
        "registered_at",
        "username",
        "time_zone",
        "weekly_hours",
        "holiday_calendar_fk",
      ].sort(),
    );
    expect(user).toMatchObject({
      email: body.email,
      username: body.username,
      position_fk: 1,
      is_superuser: false,
      is_active: true,
    });
    expect(user.registered_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    const [row] = (await seedSql("SELECT password_hash FROM app_user WHERE id = $1", [user.id])) as {
      password_hash: string;
    }[];
    expect(row?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
  });

  it.each([
    ["invalid email", { email: "not-an-email" }, "json.email"],
    ["non-integer position_fk", { position_fk: "abc" }, "json.position_fk"],
    ["integer username", { username: 42 }, "json.username"],
    ["integer password", { password: 12345678 }, "json.password"],
    ["empty username", { username: "" }, "json.username"],
    ["too long username", { username: "x".repeat(26) }, "json.username"],
    ["position_fk 0", { position_fk: 0 }, "json.position_fk"],
    ["weak password", { password: "short" }, "json.password"],
    ["mass-assigned is_superuser", { is_superuser: true }, "json"],
    ["mass-assigned id", { id: 1 }, "json"],
    ["mass-assigned registered_at", { registered_at: "2020-01-01T00:00:00Z" }, "json"],
  ])("rejects %s with 422 naming the field", async (_name, override, path) => {
    const res = await call("POST", "/users/register", { body: { ...valid(), ...override } });
    const problem = await expectProblem(res, 422);
    const errors = problem.errors as { path: string }[];
    expect(errors.some((e) => e.path === path || e.path.startsWith(`${path}.`) || e.path === "json")).toBe(true);
  });

  it("rejects an unknown position_fk with 422", async () => {
    const problem = await expectProblem(
      await call("POST", "/users/register", { body: { ...valid(), position_fk: 999 } }),
      422,
    );
    expect(problem.code).toBe("unknown_position");
  });

  it("rejects a taken email with 409, whatever its case", async () => {
    const body = valid();
    expect((await call("POST", "/users/register", { body })).status).toBe(201);
    const again = await call("POST", "/users/register", { body: { ...body, email: body.email.toUpperCase() } });
    expect((await expectProblem(again, 409)).code).toBe("email_taken");
  });

  it("answers malformed JSON with 400", async () => {
    const res = await call("POST", "/users/register", {
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    await expectProblem(res, 400);
  });

  describe("hashing comes after the budget", () => {
    afterEach(() => vi.restoreAllMocks());

    it("a refused registration (over budget, or into a closed position) derives no key at all", async () => {
      // PBKDF2 is crypto.subtle.deriveBits in this isolate, the worker's and the test's alike.
      const derive = vi.spyOn(crypto.subtle, "deriveBits");
      const ip = randomIp();
      const from = (body: object) =>
        call("POST", "/users/register", { body: { ...valid(), ...body }, headers: { "cf-connecting-ip": ip } });
      expect((await from({})).status).toBe(201);
      expect(derive).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 4; i++) await from({});
      derive.mockClear();
      let trips = 0;
      for (let i = 0; i < 3; i++) {
        trips += await countRoundTrips(async () => {
          expect((await expectProblem(await from({}), 429)).code).toBe("too_many_registrations");
        });
      }
      expect(derive).not.toHaveBeenCalled();
      expect(trips).toBe(3);
      await seedSql("INSERT INTO position (title) VALUES ('Closed') RETURNING id");
      const [closed] = await seedSql("SELECT id FROM position WHERE title = 'Closed'");
      await expectProblem(
        await call("POST", "/users/register", {
          body: { ...valid(), position_fk: closed?.id },
          headers: { "cf-connecting-ip": randomIp() },
        }),
        403,
      );
      expect(derive).not.toHaveBeenCalled();
    });
  });
});
