// The cursor never skips a late commit: a transaction that took its xid before a page was read
// but commits after it must still reach the device. Needs two connections at once (PostgreSQL).
import { describe, expect, inject, it } from "vitest";
import { call } from "../helpers/api";
import { addEntry, createTeamWorld, minutesAgo, seedSql, unique } from "../helpers/factories";
import { Device, fresh } from "./device";

describe.runIf(inject("databaseKind") === "postgres")("sync and late commits", () => {
  it("a change committed after a later one was written still arrives, in order", async () => {
    const { admin, ann, project } = await createTeamWorld();
    const tag = await call("POST", "/tags", { token: admin.token, body: { name: `t-${unique()}` } });
    const { id } = (await tag.json()) as { id: number };
    const device = await new Device(ann).drain();
    // The slow writer takes its xid first, then sleeps before committing. (A tag: time logs are
    // audited, and the audit chain would make the quick write wait for the slow one.)
    const slow = seedSql(`DO $$ BEGIN
      UPDATE tag SET name = 'late-${id}' WHERE id = ${id};
      PERFORM pg_sleep(3);
    END $$`);
    // Wait until the slow writer holds its xid (its row is inserted, not yet committed).
    for (let i = 0; i < 50; i++) {
      const [row] = await seedSql(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()",
      );
      if (row?.n === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const quick = await addEntry(ann, project.id, minutesAgo(100), minutesAgo(90));
    await device.drain();
    // Not yet: the quick log sits above the slow writer's xid, so the cursor waits below it.
    expect(device.cache.get(`tag:${id}`)?.data?.name).not.toBe(`late-${id}`);
    expect(device.keys("timelog")).not.toContain(String(quick.id));
    await slow;
    await device.drain();
    expect(device.cache.get(`tag:${id}`)?.data?.name).toBe(`late-${id}`);
    expect(device.keys("timelog")).toContain(String(quick.id));
    expect(device.view()).toEqual(await fresh(ann));
  });
});
