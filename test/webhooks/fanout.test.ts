// A burst of events to many endpoints (issue 20: 50 endpoints × 300 edits left a 12-hour backlog):
// the Cron Trigger drains it in passes of round-robin posts over several lanes, in order per
// endpoint, with a round trip per pass, and a slow receiver does not hold the others back.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import worker from "../../src/index";
import { countRoundTrips, testEnv } from "../helpers/api";
import { createSuperuser, seedSql, type TestUser } from "../helpers/factories";
import { type Message, received, registerEndpoint, SYNTHETIC } from "../helpers/webhooks";

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), testEnv as never, ctx);
  await waitOnExecutionContext(ctx);
}

/** n events of a type, written to the outbox as a burst of writes would (one delivery per endpoint). */
const burst = (type: string, n: number) =>
  seedSql("SELECT webhook_enqueue($1, jsonb_build_object('n', g)) FROM generate_series(1, $2::int) g", [type, n]);

const numbers = (got: Message[]) => got.map((m) => (JSON.parse(m.body) as { data: { n: number } }).data.n);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

let admin: TestUser;
beforeAll(async () => {
  admin = await createSuperuser();
});

describe("fan-out", () => {
  it("20 endpoints × 40 events: one Cron run delivers all 800, in order per endpoint, in a few round trips", async () => {
    const names = range(20).map((i) => `many-${i}`);
    const endpoints = [];
    for (const name of names) endpoints.push(await registerEndpoint(admin, name, ["user.created"]));
    await burst("user.created", 40);
    // Passes of up to 25 endpoints × 20 deliveries: two passes and a claim that finds nothing
    // (recording a pass and claiming the next are one round trip), then pruning.
    const trips = await countRoundTrips(cron);
    for (const name of names) expect(numbers(await received(name, SYNTHETIC))).toEqual(range(40));
    expect(trips).toBeLessThanOrEqual(5);
    const [left] = await seedSql("SELECT count(*)::int AS n FROM webhook_delivery WHERE status <> 'delivered'");
    expect(left?.n).toBe(0);
  });

  it("a slow receiver holds one lane: the others are served while it answers", async () => {
    const slow = await registerEndpoint(admin, "slow", ["timesheet.approved"], "?delay=1500");
    const fast = range(8).map((i) => `fast-${i}`);
    for (const name of fast) await registerEndpoint(admin, name, ["timesheet.approved"]);
    await burst("timesheet.approved", 4);
    const started = Date.now();
    await cron();
    const slowGot = await received("slow", SYNTHETIC);
    expect(numbers(slowGot)).toEqual(range(4));
    const second = slowGot[1]?.at ?? 0;
    for (const name of fast) {
      const got = await received(name, SYNTHETIC);
      expect(numbers(got)).toEqual(range(4));
      // Everything reached the fast receivers before the slow one had answered its first post.
      for (const m of got) expect(m.at).toBeLessThan(second);
    }
    // One pass: no post starts after 5 s, so the run ends soon after the slow receiver's fourth answer.
    expect(Date.now() - started).toBeLessThan(12_000);
    const shown = await seedSql("SELECT status FROM webhook_delivery WHERE endpoint_fk = $1", [slow.id]);
    expect(shown.every((d) => d.status === "delivered")).toBe(true);
  });
});

// Issue 26: "deadlock detected" while an endpoint was removed during clock-ins. Recording a pass
// locked its endpoints FOR UPDATE in heap order; a write fanning an event out holds FOR KEY SHARE
// on them in id order; each waited for the other. Only PostgreSQL runs the two at once.
describe.runIf(inject("databaseKind") === "postgres")("locks", () => {
  it("recording a pass never waits for a write that is fanning an event out", async () => {
    const a = await registerEndpoint(admin, "lock-a", ["user.deactivated"]);
    const b = await registerEndpoint(admin, "lock-b", ["user.deactivated"]);
    const lease = crypto.randomUUID();
    // b's row is rewritten first, so a scan in heap order meets b before a.
    for (const id of [b.id, a.id])
      await seedSql(
        "UPDATE webhook_endpoint SET lease_token = $1, lease_until = now() + interval '1 minute' WHERE id = $2",
        [lease, id],
      );
    const fanOut = seedSql(`DO $$ BEGIN
      PERFORM 1 FROM webhook_endpoint WHERE id = ${a.id} FOR KEY SHARE;
      PERFORM pg_sleep(1);
      PERFORM 1 FROM webhook_endpoint WHERE id = ${b.id} FOR KEY SHARE;
    END $$`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const recorded = seedSql("SELECT webhook_record($1::uuid, '[]') AS n", [lease]);
    const outcomes = await Promise.allSettled([fanOut, recorded]);
    expect(outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : "ok"))).toEqual(["ok", "ok"]);
    const held = await seedSql("SELECT count(*)::int AS n FROM webhook_endpoint WHERE lease_token = $1", [lease]);
    expect(held[0]?.n).toBe(0);
  });
});
