// The email outbox end to end: queued in the change's transaction, delivered after the response
// and by the Cron Trigger to the loopback mail receiver, retried with backoff, listed (without
// its secrets) by GET /emails.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, expectProblem, MAIL_TOKEN, testEnv } from "../helpers/api";
import { createSuperuser, createUser, randomIp, seedSql, unique } from "../helpers/factories";
import { emailsTo, failMail, lastEmail, mailbox } from "../helpers/mail";

/** The Cron Trigger, as Cloudflare fires it. */
async function cron(env: Record<string, unknown> = testEnv) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env as never, ctx);
  await waitOnExecutionContext(ctx);
}
/** A deployment without EMAIL_PROVIDER: nothing goes out. */
const noProvider = { ...testEnv, EMAIL_PROVIDER: undefined };

const askReset = (email: string, env: Record<string, unknown> = testEnv) =>
  call("POST", "/users/password-reset", { body: { email }, headers: { "cf-connecting-ip": randomIp() }, env });

// Every person here signed up, and sign-up queues (and sends) an email_verification email first:
// these tests look at the emails that come after it.
const SIGN_UP = "email_verification";
const rows = (to: string) =>
  seedSql(
    "SELECT id, template, status, attempts, last_error, secret, sent_at, extract(epoch FROM next_attempt_at - now()) AS wait FROM email_outbox WHERE to_address = $1 AND template <> $2 ORDER BY id",
    [to, SIGN_UP],
  );
const makeDue = (to: string) =>
  seedSql("UPDATE email_outbox SET next_attempt_at = now() WHERE to_address = $1 AND template <> $2", [to, SIGN_UP]);
const templateOf = (m: { tags: { name: string; value: string }[] }) => m.tags.find((t) => t.name === "template")?.value;
/** Delivery attempts to an address after its sign-up email (which the receiver took, once). */
async function attemptsAfterSignUp(to: string) {
  const box = await mailbox(to);
  expect(box.received.map(templateOf)[0]).toBe(SIGN_UP);
  return box.attempts - 1;
}

describe("email delivery", () => {
  it("goes out right after the response, as a Resend-compatible request with the API key", async () => {
    const alice = await createUser();
    await askReset(alice.email);
    const box = await mailbox(alice.email);
    expect(box.received.map(templateOf)).toEqual([SIGN_UP, "password_reset"]);
    const sent = box.received[1];
    expect(sent).toMatchObject({
      from: "TimeLog <timelog@localhost>",
      to: [alice.email],
      subject: "Reset your TimeLog password",
      tags: [{ name: "template", value: "password_reset" }],
      authorization: `Bearer ${MAIL_TOKEN}`,
    });
    expect(sent?.html).toContain("/reset-password#token=tl_rst_");
    const [row] = await rows(alice.email);
    expect(row).toMatchObject({ status: "sent", attempts: 1, secret: null });
    expect(row?.sent_at).not.toBeNull();
  });

  it("a refused change queues nothing and sends nothing", async () => {
    const bob = await createUser();
    const taken = await createUser();
    const res = await call("PATCH", "/users/me", {
      token: bob.token,
      body: { username: taken.username, password: "a new password here", current_password: bob.password },
    });
    await expectProblem(res, 409);
    expect(await rows(bob.email)).toEqual([]);
    expect((await emailsTo(bob.email)).map((e) => e.template)).toEqual([SIGN_UP]);
  });

  it("a receiver answering 500 is retried with backoff (1 min, then 5 min) until it takes the email", async () => {
    const carol = await createUser();
    await failMail(carol.email, 2);
    await askReset(carol.email);
    let [row] = await rows(carol.email);
    expect(row).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 500" });
    expect(Number(row?.wait)).toBeGreaterThan(50);
    expect(Number(row?.wait)).toBeLessThanOrEqual(60);
    await cron(); // not due yet: nothing happens
    expect(await attemptsAfterSignUp(carol.email)).toBe(1);

    await makeDue(carol.email);
    await cron();
    [row] = await rows(carol.email);
    expect(row).toMatchObject({ status: "pending", attempts: 2, last_error: "HTTP 500" });
    expect(Number(row?.wait)).toBeGreaterThan(290);
    expect(Number(row?.wait)).toBeLessThanOrEqual(300);

    await makeDue(carol.email);
    await cron();
    [row] = await rows(carol.email);
    expect(row).toMatchObject({ status: "sent", attempts: 3, secret: null });
    expect((await lastEmail(carol.email, "password_reset")).token).toMatch(/^tl_rst_/);
  });

  it("gives up after the sixth failed attempt and forgets the link", async () => {
    const dave = await createUser();
    await failMail(dave.email, 1);
    await askReset(dave.email, noProvider);
    await seedSql(
      "UPDATE email_outbox SET attempts = 5, next_attempt_at = now() WHERE to_address = $1 AND template = 'password_reset'",
      [dave.email],
    );
    await cron();
    const [row] = await rows(dave.email);
    expect(row).toMatchObject({ status: "failed", attempts: 6, last_error: "HTTP 500", secret: null });
  });

  it("without a provider nothing is sent and the row says why; the Cron Trigger sends it once there is one", async () => {
    const erin = await createUser();
    await askReset(erin.email, noProvider);
    let [row] = await rows(erin.email);
    expect(row).toMatchObject({
      status: "pending",
      attempts: 0,
      last_error: "EMAIL_PROVIDER is not set: nothing is sent",
    });
    expect(row?.secret).toMatch(/^tl_rst_/);
    expect(await attemptsAfterSignUp(erin.email)).toBe(0);
    await makeDue(erin.email);
    await cron();
    [row] = await rows(erin.email);
    expect(row).toMatchObject({ status: "sent", attempts: 1, secret: null });
    expect((await emailsTo(erin.email)).map((e) => e.template)).toEqual([SIGN_UP, "password_reset"]);
  });

  it("two dispatchers at once send an email once (the lease)", async () => {
    const frank = await createUser();
    await askReset(frank.email, noProvider);
    await makeDue(frank.email);
    await Promise.all([cron(), cron(), cron()]);
    expect(await attemptsAfterSignUp(frank.email)).toBe(1);
  });

  it("a link that is no longer valid is not sent late; a missing template fails the row", async () => {
    const grace = await createUser();
    await askReset(grace.email, noProvider);
    await seedSql("UPDATE account_token SET expires_at = now() - interval '1 second' WHERE user_fk = $1", [grace.id]);
    const odd = `odd-${unique()}@example.com`;
    await seedSql("SELECT email_enqueue($1, 'no_such_template', '{}', NULL)", [odd]);
    await makeDue(grace.email);
    await cron();
    expect(await rows(grace.email)).toMatchObject([
      { status: "failed", secret: null, last_error: "link no longer valid (expired, used or superseded)" },
    ]);
    expect(await rows(odd)).toMatchObject([{ status: "failed", last_error: 'no template "no_such_template"' }]);
    expect((await attemptsAfterSignUp(grace.email)) + (await mailbox(odd)).attempts).toBe(0);
  });
});

describe("GET /emails", () => {
  it("lists the outbox newest first for superusers, filtered, never with the link's token", async () => {
    const admin = await createSuperuser();
    const henry = await createUser();
    await askReset(henry.email, noProvider);
    const [pending] = await rows(henry.email);
    const token = String(pending?.secret);
    await askReset(henry.email, noProvider);
    const res = await call("GET", `/emails?to=${encodeURIComponent(henry.email.toUpperCase())}&status=pending`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain("tl_rst_");
    const page = JSON.parse(text) as { items: Record<string, unknown>[]; next_cursor: string | null };
    expect(page.items).toHaveLength(2);
    expect(Number(page.items[0]?.id)).toBeGreaterThan(Number(page.items[1]?.id));
    expect(page.items[0]).toMatchObject({
      to: henry.email,
      template: "password_reset",
      status: "pending",
      attempts: 0,
      user_fk: henry.id,
      sent_at: null,
    });
    expect(Object.keys(page.items[0] ?? {}).sort()).toEqual([
      "attempts",
      "created_at",
      "id",
      "last_error",
      "next_attempt_at",
      "sent_at",
      "status",
      "template",
      "to",
      "user_fk",
    ]);
    const paged = await call("GET", `/emails?to=${encodeURIComponent(henry.email)}&limit=1`, { token: admin.token });
    const first = (await paged.json()) as { items: { id: number }[]; next_cursor: string };
    const next = await call(
      "GET",
      `/emails?to=${encodeURIComponent(henry.email)}&limit=1&cursor=${first.next_cursor}`,
      {
        token: admin.token,
      },
    );
    expect(((await next.json()) as { items: { id: number }[] }).items[0]?.id).toBeLessThan(first.items[0]?.id ?? 0);
    const sent = await call("GET", `/emails?to=${encodeURIComponent(henry.email)}&status=sent`, { token: admin.token });
    // Only the sign-up's email went out; no reset did (no provider).
    const items = ((await sent.json()) as { items: { template: string }[] }).items;
    expect(items.map((e) => e.template)).toEqual([SIGN_UP]);
  });

  it("is for superusers only", async () => {
    const member = await createUser();
    await expectProblem(await call("GET", "/emails", { token: member.token }), 403);
    await expectProblem(await call("GET", "/emails"), 401);
    const admin = await createSuperuser();
    await expectProblem(await call("GET", "/emails?status=lost", { token: admin.token }), 422);
  });
});
