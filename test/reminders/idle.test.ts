// Reminders on a deployment with the SIGNALS binding: the reminders' cron is one round trip each
// run, the minute tick stays free while nothing is queued, and a reminder's webhook event leaves
// the note that wakes the minute tick to deliver it (src/webhooks/signal.ts).
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REMINDERS_CRON } from "../../src/reminders/run";
import { countRoundTrips, testEnv } from "../helpers/api";
import { clockIn, createProject, createSuperuser, seedRowsWithoutTriggers, seedSql } from "../helpers/factories";
import { received, registerEndpoint } from "../helpers/webhooks";

const kv = (env as unknown as { SIGNALS: KVNamespace }).SIGNALS;
const withSignals = { ...testEnv, SIGNALS: kv };

async function tick(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron }), withSignals as never, ctx);
  await waitOnExecutionContext(ctx);
}

describe("reminders on an idle deployment", () => {
  it("one round trip per reminders run; the minute tick wakes only for the events they queued", async () => {
    const admin = await createSuperuser();
    // Owes no timesheet (no hours): whatever day this runs, only the timer below is due.
    await seedSql("UPDATE app_user SET weekly_hours = 0 WHERE id = $1", [admin.id]);
    await registerEndpoint(admin, "idle-reminders", ["timer.forgotten"]);
    // The minute tick's first run checks once (the hourly recovery check), then is free.
    await tick("* * * * *");
    expect(await countRoundTrips(() => tick("* * * * *"))).toBe(0);
    // Nothing due: the reminders run costs its one statement and leaves no note.
    expect(await countRoundTrips(() => tick(REMINDERS_CRON))).toBe(1);
    expect(await countRoundTrips(() => tick("* * * * *"))).toBe(0);

    const project = await createProject(admin);
    const res = await clockIn(admin, project.id, {});
    const { id } = (await res.json()) as { id: number };
    await seedRowsWithoutTriggers(
      "timelog",
      "UPDATE timelog SET start_time = now() - interval '11 hours' WHERE id = $1",
      [id],
    );
    expect(await countRoundTrips(() => tick(REMINDERS_CRON))).toBe(1);
    expect(await countRoundTrips(() => tick("* * * * *"))).toBeGreaterThan(0);
    expect((await received("idle-reminders")).map((m) => m.type)).toEqual(["timer.forgotten"]);
    expect(await countRoundTrips(() => tick("* * * * *"))).toBe(0);
  });
});
