import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createTeamWorld, createUser, seedSql } from "../helpers/factories";
import { type Absence, act, createType, request, requested, SICK } from "./helpers";

const get = async (who: { token: string }, path: string) => {
  const res = await call("GET", path, { token: who.token });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return res.json();
};

describe("absences", () => {
  it("request, see, edit, approve; the person's own decision is refused; one round trip each", async () => {
    const { manager, ann, bob, stranger } = await createTeamWorld();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await request(ann, { from: "2027-03-01", to: "2027-03-05", note: "Alps" });
    });
    expect(trips).toBe(1);
    expect(res?.status).toBe(201);
    const a = (await res?.json()) as Absence;
    expect(a).toMatchObject({ user_fk: ann.id, type_fk: 1, from: "2027-03-01", to: "2027-03-05", status: "requested" });
    expect(a.days).toBe(5);
    expect(res?.headers.get("location")).toBe(`/absences/${a.id}`);

    // Visible to the person, their manager; not to a teammate or a stranger.
    expect(await get(ann, `/absences/${a.id}`)).toEqual(a);
    expect(await get(manager, `/absences/${a.id}`)).toEqual(a);
    for (const other of [bob, stranger]) {
      await expectProblem(await call("GET", `/absences/${a.id}`, { token: other.token }), 404);
      await expectProblem(await act(other, a.id, "approve"), 404);
      await expectProblem(await act(other, a.id, "cancel"), 404);
    }
    const mine = (await get(bob, "/absences")) as { items: Absence[] };
    expect(mine.items.map((x) => x.id)).not.toContain(a.id);
    await expectProblem(await call("GET", `/absences?user_fk=${ann.id}`, { token: bob.token }), 403);

    // Edited while requested.
    const patch = await call("PATCH", `/absences/${a.id}`, {
      token: ann.token,
      body: { to: "2027-03-03", note: null },
    });
    expect(await patch.json()).toMatchObject({ to: "2027-03-03", days: 3, note: null, status: "requested" });

    // Nobody decides their own.
    expect((await expectProblem(await act(ann, a.id, "approve"), 403)).code).toBe("own_absence");
    expect((await expectProblem(await act(ann, a.id, "reject", { comment: "no" }), 403)).code).toBe("own_absence");
    let approved: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        approved = await act(manager, a.id, "approve", { comment: "enjoy" });
      }),
    ).toBe(1);
    expect(await approved?.json()).toMatchObject({ status: "approved", acted_by: manager.id, comment: "enjoy" });

    // Decided: no second decision, no edit; cancel still possible, then nothing.
    const again = await act(manager, a.id, "reject", { comment: "no" });
    expect((await expectProblem(again, 409)).code).toBe("absence_not_requested");
    const late = await call("PATCH", `/absences/${a.id}`, { token: ann.token, body: { note: "x" } });
    expect((await expectProblem(late, 409)).code).toBe("absence_not_requested");
    expect(await (await act(ann, a.id, "cancel")).json()).toMatchObject({ status: "cancelled" });
    expect((await expectProblem(await act(ann, a.id, "cancel"), 409)).code).toBe("absence_not_live");

    const audit = await seedSql(
      "SELECT kind, actor_fk FROM audit_event WHERE entity = 'absence' AND entity_id = $1 ORDER BY seq",
      [String(a.id)],
    );
    expect(audit.map((r) => r.kind)).toEqual([
      "absence.requested",
      "absence.updated",
      "absence.approved",
      "absence.cancelled",
    ]);
  });

  it("reject says why; the manager lists their people's requests; filters and pages", async () => {
    const { admin, manager, ann, bob } = await createTeamWorld();
    const a1 = await requested(ann, { from: "2027-04-05", to: "2027-04-06" });
    const a2 = await requested(bob, { from: "2027-04-07", to: "2027-04-07" });
    const a3 = await requested(ann, { type_fk: SICK, from: "2027-04-12", to: "2027-04-12" });
    expect(a3.status).toBe("approved"); // Sick needs no approval

    const queue = (await get(manager, "/absences?status=requested")) as { items: Absence[] };
    expect(queue.items.map((x) => x.id).sort()).toEqual([a1.id, a2.id].sort());
    const team = (await get(manager, `/absences?team_fk=${(await teamOf(manager.id)) ?? 0}&from=2027-04-07`)) as {
      items: Absence[];
    };
    expect(team.items.map((x) => x.id)).toEqual([a3.id, a2.id]);
    await expectProblem(await call("GET", `/absences?team_fk=${await teamOf(manager.id)}`, { token: ann.token }), 403);
    const page1 = (await get(admin, `/absences?user_fk=${ann.id}&limit=1`)) as {
      items: Absence[];
      next_cursor: string;
    };
    expect(page1.items.map((x) => x.id)).toEqual([a3.id]);
    const page2 = (await get(admin, `/absences?user_fk=${ann.id}&limit=1&cursor=${page1.next_cursor}`)) as {
      items: Absence[];
      next_cursor: string | null;
    };
    expect(page2).toEqual({ items: [expect.objectContaining({ id: a1.id })], next_cursor: null });
    expect(((await get(ann, `/absences?type_fk=${SICK}`)) as { items: Absence[] }).items.map((x) => x.id)).toEqual([
      a3.id,
    ]);
    await expectProblem(await call("GET", "/absences?from=2027-05-01&to=2027-04-01", { token: ann.token }), 422);

    // A rejection says why (review F10): no body, no comment or a blank one is 422, and it stays requested.
    for (const body of [undefined, {}, { comment: "  " }]) {
      expect((await expectProblem(await act(manager, a2.id, "reject", body), 422)).code).toBe("validation_failed");
    }
    expect(await get(manager, `/absences/${a2.id}`)).toMatchObject({ status: "requested", comment: null });
    const rejected = await act(manager, a2.id, "reject", { comment: "busy week" });
    expect(await rejected.json()).toMatchObject({ status: "rejected", comment: "busy week" });
    // A rejected absence no longer holds its days.
    expect((await requested(bob, { from: "2027-04-07", to: "2027-04-07" })).status).toBe("requested");
  });

  it("a manager files for their person (approved at once); for anyone else 403", async () => {
    const { admin, manager, ann, stranger } = await createTeamWorld();
    const filed = await requested(manager, { user_fk: ann.id, from: "2027-05-03", to: "2027-05-04" });
    expect(filed).toMatchObject({ user_fk: ann.id, status: "approved", acted_by: manager.id });
    const refused = await request(manager, { user_fk: stranger.id, from: "2027-05-03", to: "2027-05-04" });
    expect((await expectProblem(refused, 403)).code).toBe("not_manager");
    expect(
      (await expectProblem(await request(ann, { user_fk: stranger.id, from: "2027-05-03", to: "2027-05-03" }), 403))
        .code,
    ).toBe("not_manager");
    expect((await requested(admin, { user_fk: stranger.id, from: "2027-05-03", to: "2027-05-03" })).status).toBe(
      "approved",
    );
    await expectProblem(await request(admin, { user_fk: 99999999, from: "2027-05-03", to: "2027-05-03" }), 422);
  });

  it("half days: am and pm coexist, a full day over them is refused; rules of the type", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const am = await requested(ann, { from: "2027-06-01", to: "2027-06-01", half_day: "am" });
    expect(am.days).toBe(0.5);
    expect((await requested(ann, { from: "2027-06-01", to: "2027-06-01", half_day: "pm" })).half_day).toBe("pm");
    const full = await request(ann, { from: "2027-05-31", to: "2027-06-02" });
    expect((await expectProblem(full, 409)).code).toBe("absence_overlap");
    const again = await request(ann, { from: "2027-06-01", to: "2027-06-01", half_day: "am" });
    expect((await expectProblem(again, 409)).code).toBe("absence_overlap");

    // half_day only for one day, and only for a type taken by half days.
    const span = await request(ann, { from: "2027-06-07", to: "2027-06-08", half_day: "am" });
    expect((await expectProblem(span, 422)).code).toBe("half_day_not_allowed");
    const sick = await request(ann, { type_fk: SICK, from: "2027-06-09", to: "2027-06-09", half_day: "pm" });
    expect((await expectProblem(sick, 422)).code).toBe("half_day_not_allowed");
    const archived = await createType(admin, { archived: true });
    const old = await request(ann, { type_fk: archived.id, from: "2027-06-10", to: "2027-06-10" });
    expect((await expectProblem(old, 422)).code).toBe("absence_type_archived");
    await expectProblem(await request(ann, { type_fk: 99999, from: "2027-06-10", to: "2027-06-10" }), 422);
  });

  it("dates out of range, backwards or too long are 422, never 500", async () => {
    const ann = await createUser();
    for (const [from, to] of [
      ["1969-12-31", "1970-01-01"],
      ["9998-12-31", "9999-01-01"],
      ["2027-01-01", "2028-01-02"],
      ["2027-01-02", "2027-01-01"],
      ["2027-02-30", "2027-03-01"],
      ["0000-01-01", "0000-01-02"],
      // Not dates at all: an instant, and text (a 500 the fuzz found when the date check threw).
      ["2026-02-09T09:41:08.652Z", "2026-02-10"],
      ["2027-01-01", "tomorrow"],
    ]) {
      await expectProblem(await request(ann, { type_fk: SICK, from, to }), 422);
    }
    const a = await requested(ann, { type_fk: 3, from: "2027-07-01", to: "2027-07-02" });
    const moved = await call("PATCH", `/absences/${a.id}`, { token: ann.token, body: { to: "2027-06-30" } });
    await expectProblem(moved, 422);
  });

  it("parallel requests for the same days: exactly one wins", async () => {
    const ann = await createUser();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => request(ann, { from: "2027-08-02", to: "2027-08-04" })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) {
      expect((await expectProblem(r, 409)).code).toBe("absence_overlap");
    }
  });

  it("every write is one round trip: edit, reject, cancel", async () => {
    const { manager, ann } = await createTeamWorld();
    const a = await requested(ann, { from: "2027-11-08", to: "2027-11-09" });
    const b = await requested(ann, { from: "2027-11-15", to: "2027-11-15" });
    for (const step of [
      () => call("PATCH", `/absences/${a.id}`, { token: ann.token, body: { note: "moved" } }),
      () => act(manager, a.id, "reject", { comment: "sorry" }),
      () => act(ann, b.id, "cancel"),
      () => call("GET", `/absences?user_fk=${ann.id}`, { token: manager.token }),
    ]) {
      let res: Response | undefined;
      expect(
        await countRoundTrips(async () => {
          res = await step();
        }),
      ).toBe(1);
      expect(res?.status).toBe(200);
    }
  });
});

async function teamOf(managerId: number): Promise<number | undefined> {
  const rows = await seedSql("SELECT team_fk FROM team_member WHERE user_fk = $1 AND role = 'manager'", [managerId]);
  return rows[0]?.team_fk as number | undefined;
}
