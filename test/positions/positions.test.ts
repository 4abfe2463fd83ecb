import { describe, expect, it } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, seedSql } from "../helpers/factories";

describe("positions", () => {
  it("superusers create, replace, change and delete; salary is shown to them only", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    let res: Response | undefined;
    const trips = await countRoundTrips(async () => {
      res = await call("POST", "/positions/", { token: admin.token, body: { title: "Engineer", salary: 5000 } });
    });
    expect(trips).toBe(1);
    const created = (await res?.json()) as { id: number };
    expect(res?.status).toBe(201);
    expect(created).toMatchObject({ title: "Engineer", salary: 5000, description: null });

    const seenByAlice = await (await call("GET", `/positions/${created.id}`, { token: alice.token })).json();
    expect(seenByAlice).toEqual({
      id: created.id,
      title: "Engineer",
      description: null,
      open_for_registration: false,
      weekly_hours: 40,
    });
    const list = (await (await call("GET", "/positions", { token: alice.token })).json()) as {
      items: Record<string, unknown>[];
      next_cursor: string | null;
    };
    expect(list.items.length).toBeGreaterThanOrEqual(2);
    expect(list.items.every((p) => !("salary" in p))).toBe(true);
    const firstPage = (await (await call("GET", "/positions?limit=1", { token: alice.token })).json()) as {
      items: { id: number }[];
      next_cursor: string;
    };
    const secondPage = (await (
      await call("GET", `/positions?limit=1&cursor=${firstPage.next_cursor}`, { token: alice.token })
    ).json()) as { items: { id: number }[] };
    expect(secondPage.items[0]?.id).toBeGreaterThan(firstPage.items[0]?.id ?? 0);

    const put = await call("PUT", `/positions/${created.id}`, {
      token: admin.token,
      body: { title: "Staff Engineer", description: "senior", salary: 7000 },
    });
    expect(await put.json()).toMatchObject({ title: "Staff Engineer", description: "senior", salary: 7000 });
    await expectProblem(
      await call("PUT", `/positions/${created.id}`, { token: admin.token, body: { title: "x" } }),
      422,
    );
    const patch = await call("PATCH", `/positions/${created.id}`, { token: admin.token, body: { salary: 8000 } });
    expect(await patch.json()).toMatchObject({ title: "Staff Engineer", salary: 8000 });
    await expectProblem(
      await call("PATCH", `/positions/${created.id}`, { token: admin.token, body: { salary: -1 } }),
      422,
    );

    expect((await call("DELETE", `/positions/${created.id}`, { token: admin.token })).status).toBe(204);
    await expectProblem(await call("GET", `/positions/${created.id}`, { token: alice.token }), 404);
  });

  it("refuses to delete a position someone holds with 409", async () => {
    const admin = await createSuperuser();
    const res = await call("DELETE", "/positions/1", { token: admin.token });
    expect((await expectProblem(res, 409)).code).toBe("in_use");
    const [row] = await seedSql("SELECT count(*)::int AS n FROM position WHERE id = 1");
    expect(row?.n).toBe(1);
  });

  it("refuses writes from ordinary users with 403, and anonymous reads with 401", async () => {
    const alice = await createUser();
    await expectProblem(await call("POST", "/positions", { token: alice.token, body: { title: "Boss" } }), 403);
    await expectProblem(
      await call("PUT", "/positions/1", { token: alice.token, body: { title: "B", description: null, salary: 1 } }),
      403,
    );
    await expectProblem(await call("PATCH", "/positions/1", { token: alice.token, body: { salary: 1 } }), 403);
    await expectProblem(await call("DELETE", "/positions/1", { token: alice.token }), 403);
    await expectProblem(await call("GET", "/positions"), 401);
    const rows = await seedSql("SELECT title, salary FROM position WHERE id = 1");
    expect(rows[0]).toEqual({ title: "Employee", salary: 0 });
  });

  it("lists refuse a bad limit or a cursor they never gave out (422), and a token without timelog:read (403)", async () => {
    const alice = await createUser();
    await expectProblem(await call("GET", "/positions?limit=0", { token: alice.token }), 422);
    const bad = await expectProblem(await call("GET", "/positions?cursor=1", { token: alice.token }), 422);
    expect(bad.code).toBe("invalid_cursor");
    const minted = await call("POST", "/users/me/tokens", {
      token: alice.token,
      body: { name: "reports only", scopes: ["reports:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const denied = await expectProblem(await call("GET", "/positions", { token }), 403);
    expect(denied).toMatchObject({ code: "insufficient_scope", required_scope: "timelog:read" });
    expect((await call("GET", "/positions", { token: alice.token })).status).toBe(200);
  });

  it("a retried create with the same Idempotency-Key gets the stored answer and creates one position", async () => {
    const admin = await createSuperuser();
    const title = `Retry ${Date.now()}`;
    const send = () =>
      call("POST", "/positions", {
        token: admin.token,
        headers: { "idempotency-key": `pos-${title.replace(" ", "-")}` },
        body: { title },
      });
    const first = await send();
    const again = await send();
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    const rows = await seedSql("SELECT count(*)::int AS n FROM position WHERE title = $1", [title]);
    expect(rows[0]).toEqual({ n: 1 });
  });
});
