// The other providers and the Cron Trigger's idle tick: Cloudflare's send_email binding (Miniflare's
// local one) gets an RFC 5322 message, `log` prints the email with its link, and a tick with no
// note in KV makes no round trip for email.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { call, roundTrips, testEnv } from "../helpers/api";
import { createUser, randomIp, seedSql } from "../helpers/factories";
import { mailbox } from "../helpers/mail";

const bindings = env as unknown as { SIGNALS: KVNamespace; EMAIL?: SendEmail };

async function cron(with_: Record<string, unknown>) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), with_ as never, ctx);
  await waitOnExecutionContext(ctx);
}
const askReset = (email: string, with_: Record<string, unknown>) =>
  call("POST", "/users/password-reset", { body: { email }, headers: { "cf-connecting-ip": randomIp() }, env: with_ });
// The reset's row: sign-up queued (and sent, over http) an email_verification email before it.
const status = async (to: string) =>
  (
    await seedSql(
      "SELECT status, last_error, secret FROM email_outbox WHERE to_address = $1 AND template = 'password_reset'",
      [to],
    )
  )[0];
/** What the loopback receiver got after the sign-up's email (the http provider's one). */
const attemptsAfterSignUp = async (to: string) => (await mailbox(to)).attempts - 1;

afterEach(() => vi.restoreAllMocks());

describe("providers", () => {
  it("cloudflare: the send_email binding takes the message", async () => {
    expect(bindings.EMAIL).toBeDefined();
    const send = vi.spyOn(bindings.EMAIL as SendEmail, "send");
    const alice = await createUser();
    await askReset(alice.email, { ...testEnv, EMAIL_PROVIDER: "cloudflare", EMAIL_FROM: "TimeLog <t@example.com>" });
    expect(await status(alice.email)).toMatchObject({ status: "sent", last_error: null, secret: null });
    expect(send).toHaveBeenCalledTimes(1);
    const message = send.mock.calls[0]?.[0] as { from: string; to: string };
    expect(message).toMatchObject({ from: "t@example.com", to: alice.email });
    expect(await attemptsAfterSignUp(alice.email)).toBe(0);
  });

  it("cloudflare without the binding: nothing sent, the row says why", async () => {
    const bob = await createUser();
    await askReset(bob.email, { ...testEnv, EMAIL_PROVIDER: "cloudflare", EMAIL: undefined });
    expect(await status(bob.email)).toMatchObject({
      status: "pending",
      last_error: "the EMAIL (send_email) binding is missing",
    });
  });

  it("log: prints the email with its link (for npm run dev)", async () => {
    const print = vi.spyOn(console, "log").mockImplementation(() => {});
    const carol = await createUser();
    await askReset(carol.email, { ...testEnv, EMAIL_PROVIDER: "log" });
    const printed = print.mock.calls.map((c) => String(c[0])).join("\n");
    expect(printed).toContain(`to ${carol.email}: Reset your TimeLog password`);
    expect(printed).toContain("/reset-password#token=tl_rst_");
    expect(await status(carol.email)).toMatchObject({ status: "sent" });
  });

  it("an erased recipient's pending email is not sent", async () => {
    const dave = await createUser();
    await askReset(dave.email, { ...testEnv, EMAIL_PROVIDER: undefined });
    await seedSql("UPDATE app_user SET erased_at = now() WHERE id = $1", [dave.id]);
    await seedSql("UPDATE email_outbox SET next_attempt_at = now() WHERE to_address = $1 AND status = 'pending'", [
      dave.email,
    ]);
    await cron(testEnv);
    expect(await status(dave.email)).toMatchObject({ status: "failed", last_error: "recipient erased", secret: null });
    expect(await attemptsAfterSignUp(dave.email)).toBe(0);
  });
});

describe("the Cron Trigger and email on an idle deployment", () => {
  const withSignals = { ...testEnv, SIGNALS: bindings.SIGNALS };
  /** Every round trip of a tick (webhooks' and email's). */
  const tripsOf = async (fn: () => Promise<unknown>) => {
    const before = await roundTrips();
    await fn();
    return (await roundTrips()) - before;
  };

  it("makes no round trip when nothing is noted; a queued email's note wakes the next tick", async () => {
    await tripsOf(() => cron(withSignals)); // the first tick checks (never checked before)
    expect(await tripsOf(() => cron(withSignals))).toBe(0);
    const erin = await createUser();
    // Queued without a provider (held), with a note: the next tick with one sends it.
    await askReset(erin.email, { ...withSignals, EMAIL_PROVIDER: undefined });
    await seedSql("UPDATE email_outbox SET next_attempt_at = now() WHERE to_address = $1", [erin.email]);
    expect(await tripsOf(() => cron(withSignals))).toBeGreaterThan(0);
    expect(await status(erin.email)).toMatchObject({ status: "sent" });
    expect(await tripsOf(() => cron(withSignals))).toBe(0);
  });
});
