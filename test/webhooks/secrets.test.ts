// What webhooks keep secret (issue 20): rotations keep every replaced secret of the last day
// signing, the audit trail never stores a URL's credentials or query, and a retried registration
// with an Idempotency-Key neither registers twice nor keeps the secret for a replay.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, expectProblem, testEnv } from "../helpers/api";
import { createSuperuser, seedSql, type TestUser } from "../helpers/factories";
import { hook, received, registerEndpoint, SYNTHETIC } from "../helpers/webhooks";

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), testEnv as never, ctx);
  await waitOnExecutionContext(ctx);
}

let admin: TestUser;
beforeAll(async () => {
  admin = await createSuperuser();
});

const rotate = async (id: number) => {
  const res = await call("POST", `/webhooks/${id}/rotate-secret`, { token: admin.token });
  expect(res.status).toBe(200);
  return (await res.json()) as { secret: string; previous_secret_expires_at: string };
};

describe("secret rotation", () => {
  it("two quick rotations: every delivery is signed with all three secrets for a day", async () => {
    const ep = await registerEndpoint(admin, "rotated", ["user.deactivated"]);
    const second = await rotate(ep.id);
    const third = await rotate(ep.id);
    expect(Date.parse(third.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await seedSql("SELECT webhook_enqueue('user.deactivated', '{\"id\": 1}')");
    await cron();
    const [m] = await received("rotated", SYNTHETIC);
    if (!m) throw new Error("nothing received");
    expect(m.headers["webhook-signature"]?.split(" ")).toHaveLength(3);
    for (const secret of [ep.secret, second.secret, third.secret]) {
      expect(new Webhook(secret).verify(m.body, m.headers)).toEqual(JSON.parse(m.body));
    }
    // A day later the replaced secrets stop signing; the current one goes on.
    await seedSql(
      `UPDATE webhook_endpoint SET previous_secrets = (SELECT jsonb_agg(x || jsonb_build_object('until', now() - interval '1 second'))
       FROM jsonb_array_elements(previous_secrets) x) WHERE id = $1`,
      [ep.id],
    );
    await seedSql("SELECT webhook_enqueue('user.deactivated', '{\"id\": 2}')");
    await cron();
    const later = (await received("rotated", SYNTHETIC))[1];
    if (!later) throw new Error("nothing received");
    expect(later.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(ep.secret).verify(later.body, later.headers)).toThrow();
    expect(new Webhook(third.secret).verify(later.body, later.headers)).toEqual(JSON.parse(later.body));
    const shown = (await (await call("GET", `/webhooks/${ep.id}`, { token: admin.token })).json()) as {
      previous_secret_expires_at: string | null;
    };
    expect(shown.previous_secret_expires_at).toBeNull();
  });

  it("at most five replaced secrets sign at once: a sixth rotation within the day is refused", async () => {
    const ep = await registerEndpoint(admin, "rotated-often", ["user.deactivated"]);
    for (let i = 0; i < 5; i++) await rotate(ep.id);
    const refused = await call("POST", `/webhooks/${ep.id}/rotate-secret`, { token: admin.token });
    expect((await expectProblem(refused, 422)).code).toBe("limit_reached");
    const [row] = await seedSql(
      "SELECT jsonb_array_length(previous_secrets) AS n FROM webhook_endpoint WHERE id = $1",
      [ep.id],
    );
    expect(row?.n).toBe(5);
  });
});

describe("the audit trail", () => {
  it("keeps an endpoint's URL without credentials, query or fragment", async () => {
    const created = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { url: "https://example.com/in/hook?token=s3cr3t-query#frag", events: ["timesheet.reopened"] },
    });
    const { id } = (await created.json()) as { id: number };
    await call("PATCH", `/webhooks/${id}`, {
      token: admin.token,
      body: { url: "https://example.com/moved?sig=s3cr3t-query" },
    });
    // Registered before credentials were refused (written here as an older version would have).
    const [old] = await seedSql(
      `INSERT INTO webhook_endpoint (url, events, secret)
       VALUES ('https://user:s3cr3t-pass@example.com/x?k=s3cr3t-query', '{timesheet.reopened}', 'whsec_' || rpad('', 43, 'B') || '=')
       RETURNING id`,
    );
    expect((await call("DELETE", `/webhooks/${old?.id}`, { token: admin.token })).status).toBe(204);
    const events = await seedSql(
      "SELECT kind, before, after FROM audit_event WHERE entity = 'webhook' AND entity_id IN ($1, $2) ORDER BY id",
      [String(id), String(old?.id)],
    );
    expect(events.map((e) => e.kind)).toEqual([
      "webhook.created",
      "webhook.updated",
      "webhook.created",
      "webhook.deleted",
    ]);
    expect(events.map((e) => [(e.before as { url?: string })?.url, (e.after as { url?: string })?.url])).toEqual([
      [undefined, "https://example.com/in/hook"],
      ["https://example.com/in/hook", "https://example.com/moved"],
      [undefined, "https://example.com/x"],
      ["https://example.com/x", undefined],
    ]);
    const [leaked] = await seedSql(
      "SELECT count(*)::int AS n FROM audit_event WHERE concat(before::text, after::text) ~ 's3cr3t|whsec_'",
    );
    expect(leaked?.n).toBe(0);
  });
});

describe("registering with an Idempotency-Key", () => {
  it("registers once; a replay is 409 secret_not_replayed, and the secret is stored nowhere but the endpoint", async () => {
    const body = { url: hook("idem"), events: ["timesheet.reopened"] };
    const headers = { "idempotency-key": `hook-${crypto.randomUUID()}` };
    const first = await call("POST", "/webhooks/", { token: admin.token, body, headers });
    expect(first.status).toBe(201);
    const ep = (await first.json()) as { id: number; secret: string };
    expect(ep.secret).toMatch(/^whsec_/);
    const again = await call("POST", "/webhooks/", { token: admin.token, body, headers });
    const problem = await expectProblem(again, 409);
    expect(problem.code).toBe("secret_not_replayed");
    expect(again.headers.get("location")).toBe(`/webhooks/${ep.id}`);
    expect(JSON.stringify(problem)).not.toContain("whsec_");
    const other = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { ...body, description: "changed" },
      headers,
    });
    expect((await expectProblem(other, 422)).code).toBe("idempotency_key_reused");
    const [{ n }] = (await seedSql("SELECT count(*)::int AS n FROM webhook_endpoint WHERE url = $1", [body.url])) as [
      { n: number },
    ];
    expect(n).toBe(1);
    const [stored] = await seedSql(
      "SELECT count(*)::int AS n FROM idempotency_key WHERE response::text LIKE '%whsec_%'",
    );
    expect(stored?.n).toBe(0);
  });
});
