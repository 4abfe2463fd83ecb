// Reminders through the Cron Trigger (issue 23 §5): the scheduled handler on the reminders' cron
// finds what is due, and each occasion gets one email (unless opted out) and one webhook event,
// however often and however concurrently the tick runs. Data is placed relative to now().
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REMINDERS_CRON } from "../../src/reminders/run";
import { call, countRoundTrips, testEnv } from "../helpers/api";
import {
  clockIn,
  createProject,
  createSuperuser,
  createTeamWorld,
  createUser,
  minutesAgo,
  seedRowsWithoutTriggers,
  seedSql,
  type TestUser,
} from "../helpers/factories";
import { emailsTo } from "../helpers/mail";
import { received, registerEndpoint } from "../helpers/webhooks";

async function tick(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron }), testEnv as never, ctx);
  await waitOnExecutionContext(ctx);
}
/** The reminders' Cron Trigger (every 15 minutes in wrangler.toml). */
const remind = () => tick(REMINDERS_CRON);
/** The minute tick: it delivers the webhook events the reminders queued. */
const deliver = () => tick("* * * * *");

/** The reminder emails this person's mailbox got: the minute tick sends what the reminders queued
 *  first. Filtered by template: registration sends an email_verification email too. */
const mails = async (who: TestUser, template: string) => {
  await deliver();
  return (await emailsTo(who.email)).filter((e) => e.template === template);
};
const REMINDER_TEMPLATES = ["timer_forgotten", "timesheet_overdue", "absence_pending"];
/** Reminders email verified addresses only (0044); these people's addresses are. */
const verify = (...who: TestUser[]) =>
  seedSql("UPDATE app_user SET is_verified = true WHERE id = ANY($1::int[])", [who.map((w) => w.id)]);
interface Event {
  type: string;
  data: Record<string, unknown> & { absence?: { id: number } };
}
const events = async (type: string) =>
  (await received("reminders")).map((m) => JSON.parse(m.body) as Event).filter((e) => e.type === type);

/** A running timer that started `hours` ago (clocked in now, its start placed back, triggers off). */
async function timerSince(who: TestUser, projectId: number, hours: number) {
  const res = await clockIn(who, projectId);
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: number };
  await setStart(id, hours * 60);
  return id;
}
const setStart = (log: number, minutes: number) =>
  seedRowsWithoutTriggers("timelog", "UPDATE timelog SET start_time = now() - $2::interval WHERE id = $1", [
    log,
    `${minutes} minutes`,
  ]);

let admin: TestUser;
let projectId: number;
beforeAll(async () => {
  admin = await createSuperuser();
  projectId = (await createProject(admin)).id;
  await registerEndpoint(admin, "reminders", ["timer.forgotten", "timesheet.overdue", "absence.pending_reminder"]);
});

describe("a forgotten timer", () => {
  it("past reminder_timer_hours: one email and one event, however often the tick runs", async () => {
    const ann = await createUser();
    await verify(ann);
    const log = await timerSince(ann, projectId, 11);
    // One round trip: the whole tick is one statement.
    expect(await countRoundTrips(remind)).toBe(1);
    await remind();
    await deliver();
    const sent = await mails(ann, "timer_forgotten");
    expect(sent).toHaveLength(1);
    // The start in the person's zone (the company's default, UTC, here).
    expect(sent[0]?.text).toContain(
      minutesAgo(11 * 60)
        .toISOString()
        .slice(0, 10),
    );
    expect(sent[0]?.token).toBeNull();
    const hooked = (await events("timer.forgotten")).filter((e) => e.data.id === log);
    expect(hooked).toHaveLength(1);
    expect(hooked[0]?.data.user_fk).toBe(ann.id);
  });

  it("two ticks at once still send it once (the database records the occasion)", async () => {
    const ann = await createUser();
    await verify(ann);
    const log = await timerSince(ann, projectId, 12);
    await Promise.all([remind(), remind(), remind()]);
    await deliver();
    expect(await mails(ann, "timer_forgotten")).toHaveLength(1);
    expect((await events("timer.forgotten")).filter((e) => e.data.id === log)).toHaveLength(1);
    const [row] = await seedSql(
      "SELECT count(*)::int AS n FROM reminder_sent WHERE kind = 'timer_forgotten' AND occasion = $1",
      [String(log)],
    );
    expect(row?.n).toBe(1);
  });

  it("is not due before the threshold; once past it, it is sent once", async () => {
    const ann = await createUser();
    await verify(ann);
    const young = await timerSince(ann, projectId, 9);
    await remind();
    expect(await mails(ann, "timer_forgotten")).toHaveLength(0);
    // Ten hours pass (placed, not waited for): now it is due, once.
    await setStart(young, 10 * 60 + 1);
    await remind();
    await remind();
    expect(await mails(ann, "timer_forgotten")).toHaveLength(1);
  });

  it("opted out: no email, but the company's webhook event still goes", async () => {
    const bob = await createUser();
    await verify(bob);
    const off = await call("PATCH", "/users/me/notifications", { token: bob.token, body: { timer_forgotten: false } });
    expect(off.status).toBe(200);
    const log = await timerSince(bob, projectId, 11);
    await remind();
    await deliver();
    expect(await mails(bob, "timer_forgotten")).toHaveLength(0);
    expect((await events("timer.forgotten")).filter((e) => e.data.id === log)).toHaveLength(1);
  });

  it("an inactive or erased person gets nothing, and no event is sent about them", async () => {
    const [gone, erased] = [await createUser(), await createUser()];
    await verify(gone, erased);
    const logs = [await timerSince(gone, projectId, 11), await timerSince(erased, projectId, 11)];
    expect((await call("PATCH", `/users/${gone.id}`, { token: admin.token, body: { is_active: false } })).status).toBe(
      200,
    );
    await seedSql("UPDATE app_user SET erased_at = now() WHERE id = $1", [erased.id]);
    await remind();
    await deliver();
    for (const who of [gone, erased])
      expect((await emailsTo(who.email)).filter((e) => REMINDER_TEMPLATES.includes(e.template))).toEqual([]);
    const about = (await events("timer.forgotten")).filter((e) => logs.includes(e.data.id as number));
    expect(about).toHaveLength(0);
  });
});

describe("an absence waiting for a decision", () => {
  /** An absence requested `hours` ago (placed in the past, triggers off: only its age changes). */
  async function requested(who: TestUser, from: string, hours: number) {
    const res = await call("POST", "/absences", { token: who.token, body: { type_fk: 1, from, to: from } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await seedRowsWithoutTriggers("absence", "UPDATE absence SET created_at = now() - $2::interval WHERE id = $1", [
      id,
      `${hours} hours`,
    ]);
    return id;
  }

  /** Who has been reminded of this absence. */
  const remindedOf = async (absence: number) =>
    (
      await seedSql(
        "SELECT user_fk FROM reminder_sent WHERE kind = 'absence_pending' AND occasion = $1 ORDER BY user_fk",
        [String(absence)],
      )
    ).map((r) => r.user_fk);

  it("after a day its person's manager is reminded once; not the person, not a superuser", async () => {
    const world = await createTeamWorld();
    await verify(world.manager, world.ann, world.admin);
    const fresh = await requested(world.ann, "2027-03-01", 23);
    const old = await requested(world.ann, "2027-03-02", 25);
    await remind();
    await remind();
    await deliver();
    const sent = await mails(world.manager, "absence_pending");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain("2027-03-02");
    expect(await mails(world.ann, "absence_pending")).toHaveLength(0);
    expect(await remindedOf(old)).toEqual([world.manager.id]);
    expect(await remindedOf(fresh)).toEqual([]);
    const hooked = (await events("absence.pending_reminder")).filter((e) =>
      [fresh, old].includes(e.data.absence?.id ?? 0),
    );
    expect(hooked.map((e) => [e.data.recipient_fk, e.data.absence?.id])).toEqual([[world.manager.id, old]]);

    // Decided: nothing more, even were its occasion forgotten.
    expect((await call("POST", `/absences/${old}/approve`, { token: world.manager.token })).status).toBe(200);
    await seedSql("DELETE FROM reminder_sent WHERE kind = 'absence_pending' AND occasion = $1", [String(old)]);
    await remind();
    expect(await mails(world.manager, "absence_pending")).toHaveLength(1);
  });

  it("without a manager, the superusers are reminded; an inactive superuser is not", async () => {
    const loner = await createUser();
    const [boss, retired] = [await createSuperuser(), await createSuperuser()];
    await verify(loner, boss, retired);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [retired.id]);
    const id = await requested(loner, "2027-04-05", 30);
    const deciders = (
      await seedSql("SELECT id FROM app_user WHERE is_superuser AND is_active AND erased_at IS NULL ORDER BY id")
    ).map((r) => r.id);
    await remind();
    await remind();
    expect(await mails(boss, "absence_pending")).toHaveLength(1);
    expect(await mails(retired, "absence_pending")).toHaveLength(0);
    expect(await mails(loner, "absence_pending")).toHaveLength(0);
    expect(await remindedOf(id)).toEqual(deciders);
    expect(deciders).toContain(admin.id);
    expect(deciders).not.toContain(retired.id);
  });
});
