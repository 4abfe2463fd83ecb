// Every event type a receiver can get, received for real and checked against the document's
// `webhooks` section (test/helpers/webhooks.ts checks each body it hands out).
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REMINDERS_CRON } from "../../src/reminders/run";
import { EVENT_TYPES } from "../../src/webhooks/schemas";
import { call, testEnv } from "../helpers/api";
import { addEntry, clockIn, createTeamWorld, createUser, seedRowsWithoutTriggers, seedSql } from "../helpers/factories";
import { received, registerEndpoint } from "../helpers/webhooks";

describe("webhook bodies as documented", () => {
  it("sends every event type with a body the document describes", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    await registerEndpoint(admin, "all", [...EVENT_TYPES]);
    const newcomer = await createUser();
    await clockIn(ann, project.id);
    await call("POST", "/timelog/close", { token: ann.token });
    const log = await addEntry(ann, project.id, new Date("2026-11-03T09:00:00Z"), new Date("2026-11-03T10:00:00Z"));
    await call("PATCH", `/timelog/${log.id}`, { token: ann.token, body: { note: "edited" } });
    await call("DELETE", `/timelog/${log.id}`, { token: ann.token });
    const week = (path: string, who = manager, body: unknown = {}) =>
      call("POST", `/timesheets/${path}`, { token: who.token, body });
    await call("POST", "/timesheets/2026-W44/submit", { token: ann.token });
    await week(`${ann.id}/2026-W44/reject`, manager, { comment: "missing Friday" });
    await call("POST", "/timesheets/2026-W44/submit", { token: ann.token });
    await week(`${ann.id}/2026-W44/approve`);
    expect((await week(`${ann.id}/2026-W44/reopen`, admin, { comment: "payroll fix" })).status).toBe(200);
    await call("PATCH", `/users/${newcomer.id}`, { token: admin.token, body: { is_active: false } });
    // Absences: requested, approved, rejected, cancelled.
    const absence = (from: string) =>
      call("POST", "/absences", { token: ann.token, body: { type_fk: 1, from, to: from } }).then(
        async (r) => ((await r.json()) as { id: number }).id,
      );
    const [away, refused] = [await absence("2027-01-11"), await absence("2027-01-12")];
    await call("POST", `/absences/${away}/approve`, { token: manager.token });
    await call("POST", `/absences/${refused}/reject`, { token: manager.token, body: { comment: "that week is full" } });
    await call("POST", `/absences/${away}/cancel`, { token: ann.token });
    // Reminders (issue 23 §5): a timer and an absence left waiting, an overdue week (its Monday
    // noon placed through p_now), then the minute tick delivers what the reminders queued.
    await clockIn(manager, project.id);
    const waiting = await absence("2027-01-13");
    await seedRowsWithoutTriggers(
      "timelog",
      "UPDATE timelog SET start_time = now() - interval '11 hours' WHERE user_fk = $1 AND end_time IS NULL",
      [manager.id],
    );
    await seedRowsWithoutTriggers(
      "absence",
      "UPDATE absence SET created_at = now() - interval '2 days' WHERE id = $1",
      [waiting],
    );
    await seedSql("SELECT count(*) FROM reminders_run('2026-12-07T12:00:00Z')");
    for (const cron of [REMINDERS_CRON, "* * * * *"]) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron }), testEnv as never, ctx);
      await waitOnExecutionContext(ctx);
    }
    const types = new Set((await received("all")).map((m) => m.type));
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
  });
});
