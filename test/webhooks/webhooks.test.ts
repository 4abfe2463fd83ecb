// Webhooks end to end: registered through the API, written to the outbox by the database in the
// change's own transaction, delivered by the worker (after the response, and by its scheduled
// handler) to a receiver on loopback that checks signatures with the Standard Webhooks library.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, countStatements, expectProblem, testEnv } from "../helpers/api";
import { createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";
import { hook, received, registerEndpoint } from "../helpers/webhooks";

/** The Cron Trigger, as Cloudflare fires it. */
async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), testEnv as never, ctx);
  await waitOnExecutionContext(ctx);
}

/** Time passes for the retry schedule: every pending delivery of the endpoint is due now. */
const makeDue = (endpoint: number) =>
  seedSql("UPDATE webhook_delivery SET next_attempt_at = now() WHERE endpoint_fk = $1 AND status = 'pending'", [
    endpoint,
  ]);

let admin: TestUser;
let projectId: number;
beforeAll(async () => {
  admin = await createSuperuser();
  projectId = (await createProject(admin)).id;
});

describe("webhook endpoints", () => {
  it("are registered by superusers only, with a Standard Webhooks secret shown once", async () => {
    const alice = await createUser();
    const url = hook("crud");
    await expectProblem(
      await call("POST", "/webhooks/", { token: alice.token, body: { url, events: ["timelog.created"] } }),
      403,
    );
    const created = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { url, events: ["timelog.created"], description: "payroll" },
    });
    expect(created.status).toBe(201);
    const ep = (await created.json()) as { id: number; secret: string; status: string };
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(ep.status).toBe("active");
    const shown = await (await call("GET", `/webhooks/${ep.id}`, { token: admin.token })).json();
    expect(shown).not.toHaveProperty("secret");
    expect(JSON.stringify(await (await call("GET", "/webhooks/", { token: admin.token })).json())).not.toContain(
      ep.secret,
    );
    const rotated = (await (await call("POST", `/webhooks/${ep.id}/rotate-secret`, { token: admin.token })).json()) as {
      secret: string;
      previous_secret_expires_at: string;
    };
    expect(rotated.secret).not.toBe(ep.secret);
    expect(Date.parse(rotated.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const paused = await call("PATCH", `/webhooks/${ep.id}`, { token: admin.token, body: { status: "paused" } });
    expect(((await paused.json()) as { status: string }).status).toBe("paused");
    // Removal: others may not, an unknown id is not found, and neither removes anything.
    await expectProblem(await call("DELETE", `/webhooks/${ep.id}`, { token: alice.token }), 403);
    await expectProblem(await call("DELETE", "/webhooks/999999", { token: admin.token }), 404);
    expect((await call("GET", `/webhooks/${ep.id}`, { token: admin.token })).status).toBe(200);
    expect((await call("DELETE", `/webhooks/${ep.id}`, { token: admin.token })).status).toBe(204);
    await expectProblem(await call("GET", `/webhooks/${ep.id}`, { token: admin.token }), 404);
  });

  it("refuse what is not a safe https receiver, and unknown events", async () => {
    const bad = [
      { url: "http://example.com/hook", events: ["timelog.created"] },
      { url: "ftp://127.0.0.1/hook", events: ["timelog.created"] },
      { url: "javascript:alert(1)", events: ["timelog.created"] },
      { url: "https://example.com/hook", events: ["timelog.exploded"] },
      { url: "https://example.com/hook", events: [] },
      { url: "https://example.com/hook", events: ["timer.started", "timer.started"] },
      { url: `https://example.com/${"x".repeat(2000)}`, events: ["timer.started"] },
    ];
    for (const body of bad) await expectProblem(await call("POST", "/webhooks/", { token: admin.token, body }), 422);
    const insecure = await expectProblem(await call("POST", "/webhooks/", { token: admin.token, body: bad[0] }), 422);
    expect(insecure.code).toBe("insecure_url");
    // Production refuses loopback http too.
    const prod = { ...testEnv, WEBHOOK_ALLOW_LOOPBACK: "false" };
    const res = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { url: hook("prod"), events: ["timer.started"] },
      env: prod,
    });
    expect((await expectProblem(res, 422)).code).toBe("insecure_url");
  });

  it("an admin-less token of a superuser cannot manage them", async () => {
    const minted = await call("POST", "/users/me/tokens", {
      token: admin.token,
      body: { name: "reader", scopes: ["timelog:read", "timelog:write"] },
    });
    const { token } = (await minted.json()) as { token: string };
    await expectProblem(await call("GET", "/webhooks/", { token }), 403);
    await expectProblem(
      await call("POST", "/webhooks/", { token, body: { url: hook("tok"), events: ["timer.started"] } }),
      403,
    );
  });
});

describe("delivery", () => {
  it("signs each event as Standard Webhooks says, right after the response, in order", async () => {
    const ep = await registerEndpoint(admin, "signed", ["timelog.created", "timer.started", "timer.stopped"]);
    const bob = await createUser();
    // The write is one transaction; delivery happens after the response, outside it.
    const counted = await countStatements(() =>
      call("POST", "/timelog/", { token: bob.token, body: { project_fk: projectId } }),
    );
    expect(counted.transactions).toBe(1);
    await call("POST", "/timelog/close", { token: bob.token });
    const got = await received("signed");
    expect(got.map((m) => m.type)).toEqual(["timelog.created", "timer.started", "timer.stopped"]);
    const wh = new Webhook(ep.secret);
    for (const m of got) expect(wh.verify(m.body, m.headers)).toEqual(JSON.parse(m.body));
    const [first] = got;
    if (!first) throw new Error("nothing received");
    expect(first.headers["webhook-id"]).toMatch(/^msg_\d+$/);
    expect(() => wh.verify(first.body.replace(bob.id.toString(), "999"), first.headers)).toThrow();
    expect(() => new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(first.body, first.headers)).toThrow();
    const payload = JSON.parse(first.body) as { timestamp: string; data: { user_fk: number; end_time: null } };
    expect(payload.data.user_fk).toBe(bob.id);
    expect(payload.data.end_time).toBeNull();
    expect(payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const ids = got.map((m) => Number(m.headers["webhook-id"]?.slice(4)));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("a change that rolls back produces no event", async () => {
    await registerEndpoint(admin, "rollback", ["timelog.created"]);
    const carol = await createUser();
    const span = { project_fk: projectId, start_time: "2026-03-02T09:00:00Z", end_time: "2026-03-02T10:00:00Z" };
    expect((await call("POST", "/timelog/", { token: carol.token, body: span })).status).toBe(201);
    const [before] = await seedSql("SELECT count(*)::int AS n FROM webhook_event");
    await expectProblem(await call("POST", "/timelog/", { token: carol.token, body: span }), 409);
    await expectProblem(
      await call("POST", "/timelog/", {
        token: carol.token,
        body: { project_fk: 999999, start_time: "2026-03-03T09:00:00Z", end_time: "2026-03-03T10:00:00Z" },
      }),
      422,
    );
    const [after] = await seedSql("SELECT count(*)::int AS n FROM webhook_event");
    expect(after?.n).toBe(before?.n);
    await cron();
    expect(await received("rollback")).toHaveLength(1);
  });

  it("a receiver that fails three times then recovers gets every event once, in order", async () => {
    const ep = await registerEndpoint(admin, "flaky", ["timelog.created", "timelog.deleted"], "?fail=3");
    const dan = await createUser();
    const ids: number[] = [];
    for (const day of ["03", "04", "05"]) {
      const body = {
        project_fk: projectId,
        start_time: `2026-02-${day}T09:00:00Z`,
        end_time: `2026-02-${day}T10:00:00Z`,
      };
      const res = await call("POST", "/timelog/", { token: dan.token, body });
      ids.push(((await res.json()) as { id: number }).id);
    }
    await call("DELETE", `/timelog/${ids[0]}`, { token: dan.token });
    // The first event failed right after the response; the others wait behind it.
    for (let i = 0; i < 2; i++) {
      await cron(); // not due yet: nothing happens
      await makeDue(ep.id);
      await cron(); // fails again
    }
    expect(await received("flaky")).toHaveLength(0);
    await makeDue(ep.id);
    await cron();
    const got = await received("flaky");
    expect(got.map((m) => m.type)).toEqual([
      "timelog.created",
      "timelog.created",
      "timelog.created",
      "timelog.deleted",
    ]);
    expect(new Set(got.map((m) => m.headers["webhook-id"])).size).toBe(4);
    expect(got.map((m) => (JSON.parse(m.body) as { data: { id: number } }).data.id)).toEqual([...ids, ids[0]]);
    const page = (await (await call("GET", `/webhooks/${ep.id}/deliveries`, { token: admin.token })).json()) as {
      items: { status: string; attempts: number; last_status_code: number }[];
    };
    expect(page.items.map((d) => d.status)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
    expect(page.items.at(-1)).toMatchObject({ attempts: 4, last_status_code: 204 });
    await cron();
    expect(await received("flaky")).toHaveLength(4);
  });
});

describe("when receivers stay down", () => {
  it("gives a delivery up after 24 hours, marks the endpoint failing, and redelivers by hand", async () => {
    const ep = await registerEndpoint(admin, "down", ["timer.started"], "?status=503");
    const erin = await createUser();
    await call("POST", "/timelog/", { token: erin.token, body: { project_fk: projectId } });
    // A day of retries later:
    await seedSql("UPDATE webhook_delivery SET retry_since = now() - interval '24 hours' WHERE endpoint_fk = $1", [
      ep.id,
    ]);
    await makeDue(ep.id);
    await cron();
    const list = await call("GET", `/webhooks/${ep.id}/deliveries?status=failed`, { token: admin.token });
    const [failed] = ((await list.json()) as { items: { id: number; attempts: number; last_status_code: number }[] })
      .items;
    expect(failed).toMatchObject({ attempts: 2, last_status_code: 503 });
    const shown = (await (await call("GET", `/webhooks/${ep.id}`, { token: admin.token })).json()) as {
      status: string;
    };
    expect(shown.status).toBe("failing");
    // Fixed on the receiver's side (a new URL here); the failed delivery goes again, now.
    await call("PATCH", `/webhooks/${ep.id}`, { token: admin.token, body: { url: hook("down-fixed") } });
    const again = await call("POST", `/webhooks/${ep.id}/deliveries/${failed?.id}/redeliver`, { token: admin.token });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ status: "pending", attempts: 0 });
    const got = await received("down-fixed");
    expect(got.map((m) => m.type)).toEqual(["timer.started"]);
    const healed = (await (await call("GET", `/webhooks/${ep.id}`, { token: admin.token })).json()) as {
      status: string;
    };
    expect(healed.status).toBe("active");
  });

  it("does not follow redirects (a 302 is a failure), and a paused endpoint keeps its events for later", async () => {
    const moved = await registerEndpoint(admin, "moved", ["timer.started"], "?status=302");
    const paused = await registerEndpoint(admin, "paused", ["timer.started"]);
    await call("PATCH", `/webhooks/${paused.id}`, { token: admin.token, body: { status: "paused" } });
    const fay = await createUser();
    await call("POST", "/timelog/", { token: fay.token, body: { project_fk: projectId } });
    const [d] = (
      (await (await call("GET", `/webhooks/${moved.id}/deliveries`, { token: admin.token })).json()) as {
        items: { status: string; last_status_code: number }[];
      }
    ).items;
    expect(d).toMatchObject({ status: "pending", last_status_code: 302 });
    expect(await received("paused")).toHaveLength(0);
    await call("PATCH", `/webhooks/${paused.id}`, { token: admin.token, body: { status: "active" } });
    expect((await received("paused")).map((m) => m.type)).toEqual(["timer.started"]);
  });

  it("deliveries belong to their endpoint: another endpoint's id finds nothing", async () => {
    const a = await registerEndpoint(admin, "bola-a", ["timer.started"]);
    const b = await registerEndpoint(admin, "bola-b", ["timer.stopped"]);
    const gus = await createUser();
    await call("POST", "/timelog/", { token: gus.token, body: { project_fk: projectId } });
    const page = (await (await call("GET", `/webhooks/${a.id}/deliveries`, { token: admin.token })).json()) as {
      items: { id: number }[];
    };
    const id = page.items[0]?.id;
    await expectProblem(
      await call("POST", `/webhooks/${b.id}/deliveries/${id}/redeliver`, { token: admin.token }),
      404,
    );
    await expectProblem(await call("GET", "/webhooks/999999/deliveries", { token: admin.token }), 404);
    await expectProblem(await call("GET", `/webhooks/${a.id}/deliveries?cursor=bm9wZQ`, { token: admin.token }), 422);
  });

  it("user events: a registration is delivered too", async () => {
    await registerEndpoint(admin, "users", ["user.created"]);
    const hal = await createUser();
    const [m] = await received("users");
    expect(JSON.parse(m?.body ?? "{}")).toMatchObject({ type: "user.created", data: { id: hal.id } });
  });

  it("removing an endpoint while people clock in fails none of their writes; removal is audited", async () => {
    const ep = await registerEndpoint(admin, "removed", ["timer.started"]);
    const people = await Promise.all(Array.from({ length: 6 }, () => createUser()));
    const [removed, ...clockIns] = await Promise.all([
      call("DELETE", `/webhooks/${ep.id}`, { token: admin.token }),
      ...people.map((p) => call("POST", "/timelog/", { token: p.token, body: { project_fk: projectId } })),
    ]);
    expect(removed?.status).toBe(204);
    expect(clockIns.map((r) => r.status)).toEqual(people.map(() => 201));
    const kinds = await seedSql(
      "SELECT kind FROM audit_event WHERE entity = 'webhook' AND entity_id = $1 ORDER BY id",
      [String(ep.id)],
    );
    expect(kinds.map((k) => k.kind)).toEqual(["webhook.created", "webhook.deleted"]);
    const leaked = await seedSql("SELECT count(*)::int AS n FROM audit_event WHERE after::text LIKE '%whsec_%'");
    expect(leaked[0]?.n).toBe(0);
  });

  it("at most 50 endpoints, even when registered in parallel", async () => {
    const body = { url: "https://example.com/hook", events: ["timesheet.approved"] };
    const results = await Promise.all(
      Array.from({ length: 60 }, () => call("POST", "/webhooks/", { token: admin.token, body })),
    );
    const [{ n }] = (await seedSql("SELECT count(*)::int AS n FROM webhook_endpoint")) as [{ n: number }];
    expect(n).toBe(50);
    const refused = results.filter((r) => r.status === 422);
    expect(refused.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 201 || r.status === 422)).toBe(true);
    expect((await expectProblem(refused[0] as Response, 422)).code).toBe("limit_reached");
  });
});
