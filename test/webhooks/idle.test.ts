// An idle deployment costs nothing: the Cron Trigger's tick reads a note in Workers KV, not the
// database, so with nothing to deliver or retry it makes no round trip and Neon's compute may
// suspend. The other webhook tests run without the binding (every tick works, as before).
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { RECOVERY_MS } from "../../src/webhooks/signal";
import { call, countRoundTrips, testEnv } from "../helpers/api";
import { createProject, createSuperuser, seedSql } from "../helpers/factories";
import { hook, received } from "../helpers/webhooks";

const kv = (env as unknown as { SIGNALS: KVNamespace }).SIGNALS;
const withSignals = { ...testEnv, SIGNALS: kv };

async function tick() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), withSignals as never, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the Cron Trigger on an idle deployment", () => {
  it("makes no round trip when nothing is due; a write's note wakes the next tick once", async () => {
    // The first tick has never checked: it does (the hourly recovery check), then notes the time.
    expect(await countRoundTrips(tick)).toBeGreaterThan(0);
    expect(await countRoundTrips(tick)).toBe(0);
    expect(await countRoundTrips(tick)).toBe(0);

    // A write that queues an event leaves a note; it is delivered after the response.
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const res = await call("POST", "/webhooks", {
      token: admin.token,
      body: { url: hook("idle", "?fail=1"), events: ["timer.started"] },
      env: withSignals,
    });
    expect(res.status).toBe(201);
    const clockIn = await call("POST", "/timelog", {
      token: admin.token,
      body: { project_fk: p.id },
      env: withSignals,
    });
    expect(clockIn.status).toBe(201);
    // The receiver refused the first attempt: a retry is pending, due in 5 s. The next tick looks
    // (the write's note is due) and notes the retry's time; before then, ticks are free.
    expect(await countRoundTrips(tick)).toBeGreaterThan(0);
    expect(await countRoundTrips(tick)).toBe(0);
    expect(await received("idle")).toHaveLength(0);

    // Once the retry is due (moved here rather than waited for), the note says so and it is sent.
    await seedSql("UPDATE webhook_delivery SET next_attempt_at = now() WHERE status = 'pending'");
    await kv.put("webhooks:due", new Date(Date.now() - 1000).toISOString());
    expect(await countRoundTrips(tick)).toBeGreaterThan(0);
    expect((await received("idle")).map((m) => m.type)).toEqual(["timer.started"]);
    expect(await countRoundTrips(tick)).toBe(0);
  });

  it("checks the database anyway once an hour (KV is eventually consistent; a note can be lost)", async () => {
    await kv.put("webhooks:checked", new Date(Date.now() - RECOVERY_MS - 1000).toISOString());
    await kv.delete("webhooks:due");
    expect(await countRoundTrips(tick)).toBeGreaterThan(0);
    expect(await countRoundTrips(tick)).toBe(0);
  });
});
