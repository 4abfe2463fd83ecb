// Last week's timesheet not submitted by Monday's reminder_submit_time (12:00), in each person's
// zone. Time is driven through reminders_run(p_now) — the statement the Cron Trigger runs with
// now() — at instants around Monday 2026-12-07 (ISO week 2026-W50; the reminder is for 2026-W49).
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, testEnv } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  seedSql,
  type TestUser,
} from "../helpers/factories";
import { emailsTo } from "../helpers/mail";
import { received, registerEndpoint } from "../helpers/webhooks";

const WEEK = "2026-W49";

/** Who reminders_run(at) reminded of an overdue timesheet, among these people (of `week`). */
async function runAt(at: string, among: TestUser[], week = WEEK) {
  const rows = await seedSql("SELECT * FROM reminders_run($1::timestamptz)", [at]);
  const ids = among.map((p) => p.id);
  return rows
    .filter((r) => r.reminder === "timesheet_overdue" && r.about === week && ids.includes(r.recipient as number))
    .map((r) => ({ who: r.recipient, about: r.about, emailed: r.emailed }));
}
/** The overdue emails this person's mailbox got: the minute tick sends what reminders_run queued
 *  first. Filtered by template: registration sends an email_verification email too. */
const overdueMails = async (who: TestUser) => {
  await deliverWebhooks();
  return (await emailsTo(who.email)).filter((e) => e.template === "timesheet_overdue");
};

/** A person in a zone, expected to work 40 hours a week, with a verified address (reminders email
 *  verified addresses only). */
async function personIn(zone: string) {
  const who = await createUser();
  await seedSql("UPDATE app_user SET time_zone = $2, weekly_hours = 40, is_verified = true WHERE id = $1", [
    who.id,
    zone,
  ]);
  return who;
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createSuperuser();
  await registerEndpoint(admin, "overdue", ["timesheet.overdue"]);
});

describe("an overdue timesheet", () => {
  it("is due at Monday 12:00 where the person is: already in one zone, not yet in another", async () => {
    const [kiritimati, tokyo, newYork] = [
      await personIn("Pacific/Kiritimati"),
      await personIn("Asia/Tokyo"),
      await personIn("America/New_York"),
    ];
    const all = [kiritimati, tokyo, newYork];
    // Sunday 21:59 UTC: in New York it is still W49's Sunday, so the reminder for W48 (missed:
    // the people are new to this database) is made up; nobody owes W49 yet.
    expect(await runAt("2026-12-06T21:59:59Z", all, "2026-W48")).toEqual([
      { who: newYork.id, about: "2026-W48", emailed: true },
    ]);
    expect(await runAt("2026-12-06T21:59:59Z", all)).toEqual([]);
    // Sunday 22:00 UTC is Monday 12:00 on Kiritimati (UTC+14), 07:00 in Tokyo.
    expect(await runAt("2026-12-06T22:00:00Z", all)).toEqual([{ who: kiritimati.id, about: WEEK, emailed: true }]);
    // Monday 11:30 UTC: 20:30 in Tokyo, 06:30 in New York.
    expect(await runAt("2026-12-07T11:30:00Z", all)).toEqual([{ who: tokyo.id, about: WEEK, emailed: true }]);
    expect(await runAt("2026-12-07T16:59:59Z", all)).toEqual([]);
    expect(await runAt("2026-12-07T17:00:00Z", all)).toEqual([{ who: newYork.id, about: WEEK, emailed: true }]);
    // Later in the week, and again: nothing more (once per person and week).
    expect(await runAt("2026-12-09T09:00:00Z", all)).toEqual([]);
    for (const who of [kiritimati, tokyo]) expect(await overdueMails(who)).toHaveLength(1);
    expect(await overdueMails(newYork)).toHaveLength(2);

    // The email shows the deadline in the person's own zone.
    const [mail] = await overdueMails(tokyo);
    expect(mail?.text).toContain(WEEK);
    expect(mail?.text).toContain("2026-12-07 12:00");
    expect(mail?.text).toContain("Asia/Tokyo");
  });

  it("submitted or approved weeks are not overdue; open and rejected ones are", async () => {
    const { manager, ann, bob, stranger } = await createTeamWorld();
    for (const who of [manager, ann, bob, stranger])
      await seedSql("UPDATE app_user SET weekly_hours = 40 WHERE id = $1", [who.id]);
    const submit = (who: TestUser) => call("POST", `/timesheets/${WEEK}/submit`, { token: who.token });
    expect((await submit(ann)).status).toBe(200);
    expect((await submit(bob)).status).toBe(200);
    expect((await submit(manager)).status).toBe(200);
    const decide = (who: TestUser, what: string, body = {}) =>
      call("POST", `/timesheets/${who.id}/${WEEK}/${what}`, { token: manager.token, body });
    expect((await decide(bob, "reject", { comment: "Friday is missing" })).status).toBe(200);
    expect((await decide(ann, "approve")).status).toBe(200);
    const sent = await runAt("2026-12-07T12:00:00Z", [manager, ann, bob, stranger]);
    expect(sent.map((s) => s.who).sort()).toEqual([bob.id, stranger.id].sort());
    // The company's channel too, with the week's state.
    await deliverWebhooks();
    const events = (await received("overdue"))
      .map((m) => JSON.parse(m.body) as { data: { user_fk: number; week: string; status: string } })
      .filter((e) => [bob.id, stranger.id, ann.id, manager.id].includes(e.data.user_fk))
      .map((e) => [e.data.user_fk, e.data.week, e.data.status]);
    expect(events.sort()).toEqual(
      [
        [bob.id, WEEK, "rejected"],
        [stranger.id, WEEK, "open"],
      ].sort(),
    );
  });

  it("only for weeks that owed something: scheduled hours or logged time", async () => {
    const [idle, logger, partTime, unscheduled] = [
      await createUser(),
      await createUser(),
      await createUser(),
      await createUser(),
    ];
    await seedSql("UPDATE app_user SET weekly_hours = 0 WHERE id = ANY($1)", [[idle.id, logger.id]]);
    const project = await createProject(admin);
    await addEntry(logger, project.id, new Date("2026-12-02T09:00:00Z"), new Date("2026-12-02T11:00:00Z"));
    // A dated schedule of their own decides over the position's 40 hours: with hours, or none.
    await seedSql(
      "INSERT INTO work_schedule (user_fk, effective_from, hours) VALUES ($1, '2026-06-01', '{0,0,4,0,0,0,0}'), ($2, '2026-06-01', '{0,0,0,0,0,0,0}')",
      [partTime.id, unscheduled.id],
    );
    const sent = await runAt("2026-12-07T12:00:00Z", [idle, logger, partTime, unscheduled]);
    expect(sent.map((s) => s.who).sort()).toEqual([logger.id, partTime.id].sort());
  });

  it("not for people registered after the week, inactive or erased people; opted out: no email", async () => {
    const [late, gone, erased, quiet] = [
      await personIn("UTC"),
      await personIn("UTC"),
      await personIn("UTC"),
      await personIn("UTC"),
    ];
    await seedSql("UPDATE app_user SET registered_at = '2026-12-07T08:00:00Z' WHERE id = $1", [late.id]);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [gone.id]);
    await seedSql("UPDATE app_user SET erased_at = now() WHERE id = $1", [erased.id]);
    const off = await call("PATCH", "/users/me/notifications", {
      token: quiet.token,
      body: { timesheet_overdue: false },
    });
    expect(off.status).toBe(200);
    const sent = await runAt("2026-12-07T12:00:00Z", [late, gone, erased, quiet]);
    expect(sent).toEqual([{ who: quiet.id, about: WEEK, emailed: false }]);
    for (const who of [late, gone, erased, quiet]) expect(await overdueMails(who)).toHaveLength(0);
  });
});

async function deliverWebhooks() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), testEnv as never, ctx);
  await waitOnExecutionContext(ctx);
}
