// Regression test from the issue 23 review: under open registration anyone can sign up with a
// stranger's address, so reminders email verified addresses only; the webhook event (the company's
// channel) and the record of the occasion still happen.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REMINDERS_CRON } from "../../src/reminders/run";
import { testEnv } from "../helpers/api";
import {
  clockIn,
  createProject,
  createSuperuser,
  createUser,
  seedRowsWithoutTriggers,
  seedSql,
  type TestUser,
} from "../helpers/factories";
import { registerEndpoint } from "../helpers/webhooks";

async function forgottenTimer(who: TestUser, projectId: number) {
  const res = await clockIn(who, projectId);
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: number };
  await seedRowsWithoutTriggers(
    "timelog",
    "UPDATE timelog SET start_time = now() - interval '11 hours' WHERE id = $1",
    [id],
  );
  return id;
}

describe("reminders and unverified addresses", () => {
  it("a forgotten timer of an unverified address queues no email; a verified one does; both are recorded", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    await registerEndpoint(admin, "verified", ["timer.forgotten"]);
    const [ann, bob] = [await createUser(), await createUser()];
    await seedSql("UPDATE app_user SET is_verified = true WHERE id = $1", [bob.id]);
    const [me] = await seedSql("SELECT is_verified FROM app_user WHERE id = $1", [ann.id]);
    expect(me?.is_verified).toBe(false);
    const logs = [await forgottenTimer(ann, project.id), await forgottenTimer(bob, project.id)];

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: REMINDERS_CRON }), testEnv as never, ctx);
    await waitOnExecutionContext(ctx);

    const sent = await seedSql(
      "SELECT user_fk FROM reminder_sent WHERE kind = 'timer_forgotten' AND occasion = ANY($1::text[]) ORDER BY user_fk",
      [logs.map(String)],
    );
    expect(sent.map((r) => r.user_fk)).toEqual([ann.id, bob.id].sort((a, b) => a - b));
    const mails = await seedSql(
      "SELECT user_fk FROM email_outbox WHERE template = 'timer_forgotten' AND user_fk = ANY($1::int[])",
      [[ann.id, bob.id]],
    );
    expect(mails.map((r) => r.user_fk)).toEqual([bob.id]);
    const events = await seedSql(
      "SELECT (data->>'id')::int AS id FROM webhook_event WHERE type = 'timer.forgotten' AND (data->>'id')::int = ANY($1::int[]) ORDER BY 1",
      [logs],
    );
    expect(events.map((e) => e.id)).toEqual([...logs].sort((a, b) => a - b));
  });
});
