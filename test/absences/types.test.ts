import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql } from "../helpers/factories";
import { createType, requested } from "./helpers";

describe("absence types", () => {
  it("everyone reads the defaults; superusers create, change and archive", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const list = await call("GET", "/absence-types", { token: ann.token });
    const { items } = (await list.json()) as { items: { id: number; name: string }[] };
    expect(items.slice(0, 3)).toMatchObject([
      {
        id: 1,
        name: "Vacation",
        unit: "half_day",
        annual_allowance_days: 25,
        carry_over_days: 5,
        carry_over_expires: "03-31",
      },
      { id: 2, name: "Sick", needs_approval: false, annual_allowance_days: null },
      { id: 3, name: "Unpaid leave", paid: false, counts_as_work: false },
    ]);

    const body = { name: "Training", needs_approval: false, annual_allowance_days: 5 };
    expect((await expectProblem(await call("POST", "/absence-types", { token: ann.token, body }), 403)).code).toBe(
      "superuser_required",
    );
    let created: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        created = await call("POST", "/absence-types", { token: admin.token, body });
      }),
    ).toBe(1);
    expect(created?.status).toBe(201);
    const type = (await created?.json()) as { id: number };
    expect(type).toMatchObject({ ...body, unit: "day", paid: true, archived: false, allow_negative: false });
    expect(created?.headers.get("location")).toBe(`/absence-types/${type.id}`);
    const again = await call("POST", "/absence-types", { token: admin.token, body });
    expect((await expectProblem(again, 409)).code).toBe("name_taken");
    // Retried with an Idempotency-Key: the first answer, not a second type.
    const keyed = { token: admin.token, body: { name: "Parental" }, headers: { "idempotency-key": `t-${admin.id}` } };
    const first = await call("POST", "/absence-types", keyed);
    const replay = await call("POST", "/absence-types", keyed);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());

    const patched = await call("PATCH", `/absence-types/${type.id}`, {
      token: admin.token,
      body: { archived: true, annual_allowance_days: null },
    });
    expect(await patched.json()).toMatchObject({
      id: type.id,
      archived: true,
      annual_allowance_days: null,
      name: "Training",
    });
    const bad = await call("PATCH", `/absence-types/${type.id}`, {
      token: admin.token,
      body: { carry_over_expires: "02-30" },
    });
    expect((await expectProblem(bad, 422)).code).toBe("invalid_value");
    await expectProblem(
      await call("PATCH", `/absence-types/${type.id}`, { token: ann.token, body: { paid: false } }),
      403,
    );
    await expectProblem(await call("GET", "/absence-types/999999", { token: ann.token }), 404);
    expect(
      (await (await call("GET", `/absence-types/${type.id}`, { token: ann.token })).json()) as object,
    ).toMatchObject({
      archived: true,
    });

    const audit = await seedSql(
      "SELECT kind FROM audit_event WHERE entity = 'absence_type' AND entity_id = $1 ORDER BY seq",
      [String(type.id)],
    );
    expect(audit.map((r) => r.kind)).toEqual(["absence_type.created", "absence_type.updated"]);
  });

  it("a type in use cannot be deleted (409 absence_type_in_use); an unused one can", async () => {
    const [admin, ann] = await Promise.all([createSuperuser(), createUser()]);
    const used = await createType(admin, { needs_approval: false });
    const unused = await createType(admin);
    await requested(ann, { type_fk: used.id, from: "2027-02-01", to: "2027-02-01" });

    const refused = await call("DELETE", `/absence-types/${used.id}`, { token: admin.token });
    expect((await expectProblem(refused, 409)).code).toBe("absence_type_in_use");
    await expectProblem(await call("DELETE", `/absence-types/${unused.id}`, { token: ann.token }), 403);
    expect((await call("DELETE", `/absence-types/${unused.id}`, { token: admin.token })).status).toBe(204);
    await expectProblem(await call("DELETE", `/absence-types/${unused.id}`, { token: admin.token }), 404);
  });
});
