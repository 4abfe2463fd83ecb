// What leaves the database with an absence: webhook events (the payload is the absence's wire
// shape) and replays of retried writes.
import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createTeamWorld } from "../helpers/factories";
import { received, registerEndpoint } from "../helpers/webhooks";
import { type Absence, act, request, requested } from "./helpers";

describe("absence events", () => {
  it("requested, approved, rejected and cancelled reach subscribed endpoints with the absence", async () => {
    const { admin, manager, ann } = await createTeamWorld();
    await registerEndpoint(admin, "absences", [
      "absence.requested",
      "absence.approved",
      "absence.rejected",
      "absence.cancelled",
    ]);
    const a = await requested(ann, { from: "2027-10-04", to: "2027-10-05" });
    const approved = (await (await act(manager, a.id, "approve")).json()) as Absence;
    const b = await requested(ann, { from: "2027-10-11", to: "2027-10-11" });
    await act(manager, b.id, "reject", { comment: "no" });
    await act(ann, a.id, "cancel");
    const filed = await requested(manager, { user_fk: ann.id, from: "2027-10-18", to: "2027-10-18" });

    const messages = await received("absences");
    expect(messages.map((m) => m.type)).toEqual([
      "absence.requested",
      "absence.approved",
      "absence.requested",
      "absence.rejected",
      "absence.cancelled",
      "absence.approved",
    ]);
    const data = messages.map((m) => (JSON.parse(m.body) as { data: Absence }).data);
    expect(data[0]).toEqual(a);
    expect(data[1]).toMatchObject({ id: a.id, status: "approved", acted_by: approved.acted_by, days: 2 });
    expect(data[5]).toMatchObject({ id: filed.id, user_fk: ann.id, status: "approved" });
  });

  it("a retried request with its Idempotency-Key gets the first answer, one absence, one round trip", async () => {
    const { manager, ann } = await createTeamWorld();
    const headers = { "idempotency-key": `abs-${ann.id}` };
    const body = { type_fk: 1, from: "2027-11-01", to: "2027-11-02" };
    const first = await call("POST", "/absences", { token: ann.token, body, headers });
    expect(first.status).toBe(201);
    let again: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        again = await call("POST", "/absences", { token: ann.token, body, headers });
      }),
    ).toBe(1);
    expect(again?.headers.get("idempotent-replayed")).toBe("true");
    const created = (await first.json()) as Absence;
    expect(await again?.json()).toEqual(created);
    const id = created.id;
    const decided = { token: manager.token, headers: { "idempotency-key": `ok-${id}` } };
    const approvals = [];
    for (let i = 0; i < 2; i++) approvals.push(await call("POST", `/absences/${id}/approve`, decided));
    expect(approvals.map((r) => r.status)).toEqual([200, 200]);
    expect(approvals[1]?.headers.get("idempotent-replayed")).toBe("true");
    // Without the key, the same request is a second one: refused as an overlap.
    expect((await expectProblem(await request(ann, body), 409)).code).toBe("absence_overlap");
    const list = await call("GET", "/absence-types?cursor=not-a-cursor", { token: ann.token });
    expect((await expectProblem(list, 422)).code).toBe("invalid_cursor");
  });
});
