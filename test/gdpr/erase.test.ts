import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

interface Verification {
  ok: boolean;
  complete: boolean;
  next_cursor: string | null;
  first_broken: { id: number; reason: string } | null;
}

/** Every event from the first, in pages of `limit` (the paging variant of GET /audit/verify). */
async function verifyAll(admin: TestUser, limit = 7): Promise<Verification[]> {
  const pages: Verification[] = [];
  let cursor: string | null = null;
  do {
    const qs: string = cursor ? `cursor=${encodeURIComponent(cursor)}` : "from=start";
    const res = await call("GET", `/audit/verify?${qs}&limit=${limit}`, { token: admin.token });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Verification;
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return pages;
}

const summary = async (admin: TestUser, userId: number) => {
  const res = await call("GET", `/reports/summary?from=2026-01-01&to=2026-02-01&user_fk=${userId}`, {
    token: admin.token,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { total_ms: number }).total_ms;
};

/** A person with a history: logs with notes, an absence with a note, a token, a live session. */
async function personWithHistory(admin: TestUser) {
  const ann = await createUser();
  const project = await createProject(admin);
  for (const [d, note] of [
    ["05", "dentist"],
    ["06", "call with ex-employer"],
  ]) {
    const res = await call("POST", "/timelog", {
      token: ann.token,
      body: { project_fk: project.id, start_time: `2026-01-${d}T09:00:00Z`, end_time: `2026-01-${d}T11:00:00Z`, note },
    });
    expect(res.status).toBe(201);
  }
  // The first week submitted and approved: its notes are locked for every other writer.
  expect((await call("POST", "/timesheets/2026-W02/submit", { token: ann.token })).status).toBe(200);
  const abs = await call("POST", "/absences", {
    token: ann.token,
    body: { type_fk: 2, from: "2027-03-01", to: "2027-03-01", note: "migraine" },
  });
  expect(abs.status).toBe(201);
  const tok = await call("POST", "/users/me/tokens", {
    token: ann.token,
    body: { name: "ann's phone", scopes: ["timelog:read"] },
  });
  expect(tok.status).toBe(201);
  const { token: apiToken } = (await tok.json()) as { token: string };
  // An event elsewhere that names her address and username (as an invitation's would).
  await seedSql(
    "SELECT audit_append(0, 'invitation.created', 'invitation', '1', NULL, jsonb_build_object('email', $1::text, 'by', $2::text))",
    [ann.email, ann.username],
  );
  return { ann, project, apiToken };
}

describe("POST /users/{id}/erase", () => {
  it("pseudonymises the person in one round trip; records and amounts stay; the audit chains still verify", async () => {
    const admin = await createSuperuser();
    const { ann, apiToken } = await personWithHistory(admin);
    const totalBefore = await summary(admin, ann.id);
    expect(totalBefore).toBe(4 * 3600_000);

    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("POST", `/users/${ann.id}/erase`, { token: admin.token });
      }),
    ).toBe(1);
    expect(res?.status).toBe(200);
    expect(await (res as Response).json()).toMatchObject({
      id: ann.id,
      username: `erased-${ann.id}`,
      email: `erased-${ann.id}@erased.invalid`,
      is_active: false,
      erased: true,
    });

    // The export shows the pseudonym, no notes, the same logs; the report the same amounts.
    const exp = await call("GET", `/users/${ann.id}/export`, { token: admin.token });
    const doc = (await exp.json()) as {
      profile: { username: string };
      time_logs: { note: string | null }[];
      absences: { note: string | null }[];
      api_tokens: { name: string; revoked_at: string | null }[];
    };
    expect(doc.profile.username).toBe(`erased-${ann.id}`);
    expect(doc.time_logs.map((l) => l.note)).toEqual([null, null]);
    expect(doc.absences.map((a) => a.note)).toEqual([null]);
    expect(doc.api_tokens).toEqual([expect.objectContaining({ name: "erased", revoked_at: expect.any(String) })]);
    expect(await summary(admin, ann.id)).toBe(totalBefore);

    // Nothing identifying left in the trail, the outbox or the webhook payloads.
    for (const value of [ann.email, ann.username, "dentist", "ex-employer", "migraine", "ann's phone"]) {
      const found = await seedSql(
        `SELECT id FROM audit_event WHERE strpos(coalesce(before::text, '') || coalesce(after::text, ''), $1) > 0
         UNION ALL SELECT id FROM webhook_event WHERE strpos(data::text, $1) > 0
         UNION ALL SELECT id FROM email_outbox WHERE strpos(to_address || data::text, $1) > 0`,
        [value],
      );
      expect(found, value).toEqual([]);
    }
    // The erasure is accountable: it names every event it redacted, and only those are redacted.
    const [erasure] = await seedSql(
      "SELECT id::int, actor_fk, after FROM audit_event WHERE chain = $1 AND kind = 'user.erased'",
      [ann.id],
    );
    const redacted = await seedSql(
      "SELECT id::int FROM audit_event WHERE redacted_at IS NOT NULL AND after->>'erasure' = $1 ORDER BY id",
      [String(erasure?.id)],
    );
    const listed = await seedSql(
      "SELECT event_id::int AS id FROM audit_redaction WHERE erasure_id = $1 ORDER BY event_id",
      [erasure?.id],
    );
    const named = listed.map((r) => r.id);
    expect((erasure?.after as { redacted_events?: number } | undefined)?.redacted_events).toBe(named.length);
    expect(redacted.map((r) => r.id)).toEqual(named);
    expect(named.length).toBeGreaterThan(3);
    expect(erasure?.actor_fk).toBe(admin.id);

    // Both ways of verifying still verify.
    const incremental = (await (await call("GET", "/audit/verify", { token: admin.token })).json()) as Verification;
    expect(incremental.ok).toBe(true);
    const pages = await verifyAll(admin);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.ok)).toBe(true);

    // Signed out everywhere, cannot sign in, the token is dead.
    await expectProblem(await call("GET", "/users/me", { token: ann.token }), 401);
    await expectProblem(await call("GET", "/users/me", { token: apiToken }), 401);
    const login = await call("POST", "/users/login", { body: { email: ann.email, password: ann.password } });
    expect((await expectProblem(login, 401)).code).toBe("invalid_credentials");
    const pseudo = await call("POST", "/users/login", {
      body: { email: `erased-${ann.id}@erased.invalid`, password: ann.password },
    });
    expect((await expectProblem(pseudo, 401)).code).toBe("invalid_credentials");
  });

  it("removes their second factor, one-time links, invitations, queued emails, and scrubs webhook payloads", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    const id = ann.id;
    await seedSql("INSERT INTO user_totp (user_fk, secret_encrypted, confirmed_at) VALUES ($1, 'enc', now())", [id]);
    await seedSql("INSERT INTO totp_recovery_code (user_fk, code_hash) VALUES ($1, 'h1')", [id]);
    await seedSql(
      "INSERT INTO account_token (kind, user_fk, token_hash, expires_at) VALUES ('password_reset', $1, $2, now() + interval '1 hour')",
      [id, `rst-${id}`],
    );
    await seedSql(
      "INSERT INTO invitation (email, token_hash, expires_at) VALUES (upper($1), $2, now() + interval '7 days')",
      [ann.email, `inv-${id}`],
    );
    await seedSql("SELECT email_enqueue($1, 'password_changed', '{}', $2)", [ann.email, id]);
    await seedSql("SELECT email_enqueue($1, 'password_changed', '{}', $2)", [bob.email, bob.id]);
    await seedSql("INSERT INTO notification_setting (user_fk, timer_forgotten) VALUES ($1, false)", [id]);
    const [created] = await seedSql(
      "INSERT INTO webhook_event (type, data) SELECT 'user.created', user_json(u) FROM app_user u WHERE u.id = $1 RETURNING id::int",
      [id],
    );
    const [logged] = await seedSql(
      `INSERT INTO webhook_event (type, data) VALUES ('timelog.created', jsonb_build_object('id', 1, 'user_fk', $1::int, 'note', 'private'))
       RETURNING id::int`,
      [id],
    );
    const [other] = await seedSql(
      `INSERT INTO webhook_event (type, data) VALUES ('timelog.created', jsonb_build_object('id', 2, 'user_fk', $1::int, 'note', 'bob''s'))
       RETURNING id::int`,
      [bob.id],
    );

    expect((await call("POST", `/users/${id}/erase`, { token: admin.token })).status).toBe(200);

    for (const table of ["user_totp", "totp_recovery_code", "account_token", "notification_setting"]) {
      expect(await seedSql(`SELECT 1 FROM ${table} WHERE user_fk = $1`, [id]), table).toEqual([]);
    }
    expect(await seedSql("SELECT 1 FROM invitation WHERE token_hash = $1", [`inv-${id}`])).toEqual([]);
    expect(await seedSql("SELECT 1 FROM email_outbox WHERE user_fk = $1 OR to_address = $2", [id, ann.email])).toEqual(
      [],
    );
    // Registration queues other emails for Bob too (email_verification): the one seeded here stays.
    expect(
      await seedSql("SELECT to_address FROM email_outbox WHERE user_fk = $1 AND template = 'password_changed'", [
        bob.id,
      ]),
    ).toEqual([{ to_address: bob.email }]);
    const payloads = await seedSql("SELECT id::int, data FROM webhook_event WHERE id = ANY($1::bigint[]) ORDER BY id", [
      [created?.id, logged?.id, other?.id],
    ]);
    expect(payloads[0]?.data).toMatchObject({ id, username: `erased-${id}`, email: `erased-${id}@erased.invalid` });
    expect(payloads[1]?.data).toEqual({ id: 1, user_fk: id });
    expect(payloads[2]?.data).toEqual({ id: 2, user_fk: bob.id, note: "bob's" });
  });

  it("an erased account stays erased: erasing again and reactivating are 409 user_erased", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    expect((await call("POST", `/users/${ann.id}/erase`, { token: admin.token })).status).toBe(200);
    const again = await call("POST", `/users/${ann.id}/erase`, { token: admin.token });
    expect((await expectProblem(again, 409)).code).toBe("user_erased");
    const reactivate = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { is_active: true } });
    expect((await expectProblem(reactivate, 409)).code).toBe("user_erased");
    const rename = await call("PATCH", `/users/${ann.id}`, { token: admin.token, body: { username: "ann-again" } });
    expect((await expectProblem(rename, 409)).code).toBe("user_erased");
    const [row] = await seedSql("SELECT is_active, username FROM app_user WHERE id = $1", [ann.id]);
    expect(row).toEqual({ is_active: false, username: `erased-${ann.id}` });
  });

  it("only another superuser may erase: a member is 403, oneself is 403 cannot_erase_self, nobody is 404", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    await expectProblem(await call("POST", `/users/${ann.id}/erase`, { token: bob.token }), 403);
    const self = await call("POST", `/users/${admin.id}/erase`, { token: admin.token });
    expect((await expectProblem(self, 403)).code).toBe("cannot_erase_self");
    await expectProblem(await call("POST", "/users/999999/erase", { token: admin.token }), 404);
    const [row] = await seedSql("SELECT erased_at FROM app_user WHERE id = $1", [ann.id]);
    expect(row?.erased_at).toBeNull();
    // Pseudonyms are reserved: nobody registers as one.
    const taken = await call("PATCH", `/users/${bob.id}`, {
      token: admin.token,
      body: { username: `erased-${bob.id}` },
    });
    await expectProblem(taken, 422);
  });
});
