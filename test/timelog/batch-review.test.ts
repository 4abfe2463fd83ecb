// Review of POST /timelog/batch (issue 24 §2): where an operation did something the single route refuses.
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe("POST /timelog/batch, review", () => {
  it("an update with nothing to change is refused as PATCH refuses it, and changes nothing (no new version)", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const log = await addEntry(alice, project.id, new Date(hoursAgo(10)), new Date(hoursAgo(9)));
    const patch = await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: {} });
    expect((await expectProblem(patch, 422)).code).toBe("validation_failed");
    const before = await seedSql(
      "SELECT updated_at::text AS u, api_etag(timelog_json(t)) AS e FROM timelog t WHERE id = $1",
      [log.id],
    );
    const etag = before[0]?.e as string;
    for (const op of [
      { op: "update", id: log.id },
      { op: "update", id: log.id, if_match: etag },
    ]) {
      const res = await call("POST", "/timelog/batch", { token: alice.token, body: { operations: [op] } });
      expect((await expectProblem(res, 422)).code).toBe("validation_failed");
    }
    const after = await seedSql(
      "SELECT updated_at::text AS u, api_etag(timelog_json(t)) AS e FROM timelog t WHERE id = $1",
      [log.id],
    );
    expect(after).toEqual(before);
    const audited = await seedSql(
      "SELECT count(*)::int AS n FROM audit_event WHERE entity = 'timelog' AND kind = 'timelog.updated' AND entity_id = $1",
      [String(log.id)],
    );
    expect(audited[0]?.n).toBe(0);
  });
});
