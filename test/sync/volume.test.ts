// A snapshot page for a person with 5,000 logs stays fast: each type is walked by an index range
// (timelog_by_user_id), so a page reads about `limit` rows whatever the history.
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createTeamWorld, seedRowsWithoutTriggers, seedSql } from "../helpers/factories";
import { Device, page } from "./device";

describe("sync volume", () => {
  it("pages through 5,000 logs with pages as fast as the first", async () => {
    const { manager, ann, project } = await createTeamWorld();
    await seedRowsWithoutTriggers(
      "timelog",
      `INSERT INTO timelog (user_fk, project_fk, start_time, end_time)
       SELECT $1, $2, timestamptz '2026-01-01' + g * interval '1 hour', timestamptz '2026-01-01' + g * interval '1 hour' + interval '30 minutes'
       FROM generate_series(1, 5000) g`,
      [ann.id, project.id],
    );
    const plan = await seedSql(`EXPLAIN SELECT id FROM timelog WHERE user_fk = $1 AND id > 0 ORDER BY id LIMIT 101`, [
      ann.id,
    ]);
    expect(JSON.stringify(plan)).toContain("timelog_by_user_id");
    // Warm up, then time pages at the start and deep in the logs.
    await page(ann, undefined, 100);
    const device = new Device(manager, 500);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const more = await device.step();
      times.push(performance.now() - t0);
      if (!more) break;
    }
    expect(device.keys("timelog").length).toBe(5000);
    const first = times[0] ?? 0;
    const deep = Math.max(...times.slice(5, 10));
    console.log(`sync pages of 500 (ms): ${times.map((t) => t.toFixed(0)).join(" ")}`);
    // Deep pages cost about what the first does (not a scan of what came before).
    expect(deep).toBeLessThan(first * 3 + 200);
    const res = await call("GET", "/sync?limit=500", { token: ann.token });
    expect(res.status).toBe(200);
  }, 120_000);
});
