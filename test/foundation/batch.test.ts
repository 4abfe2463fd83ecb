import { describe, expect, it } from "vitest";
import { configOf } from "../../src/config";
import { batch, createDb } from "../../src/db/client";
import { testEnv } from "../helpers/api";
import { seedSql } from "../helpers/factories";

describe("batch", () => {
  it("writes all rows or none, in one round trip", async () => {
    const database = createDb(configOf(testEnv));
    const title = `batch-${crypto.randomUUID().slice(0, 8)}`;
    const first = database.db.insertInto("position").values({ title });
    const second = database.db.insertInto("position").values({ title, salary: -1 }); // violates a CHECK
    await expect(batch(database, [first, second])).rejects.toMatchObject({ code: "23514" });
    const rows = await seedSql("SELECT count(*)::int AS n FROM position WHERE title = $1", [title]);
    expect(rows[0]?.n).toBe(0);

    await batch(database, [first, database.db.insertInto("position").values({ title })]);
    const after = await seedSql("SELECT count(*)::int AS n FROM position WHERE title = $1", [title]);
    expect(after[0]?.n).toBe(2);
  });
});
