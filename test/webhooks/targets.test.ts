// Where webhooks may not go (issue 20): with loopback off, as in production, no literal address
// that is not public (in any spelling the URL parser accepts), no name that only resolves inside
// a network, no credentials in the URL; and delivery errors that do not tell open from closed ports.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, expectProblem, testEnv } from "../helpers/api";
import { createSuperuser, seedSql, type TestUser } from "../helpers/factories";
import { received, registerEndpoint } from "../helpers/webhooks";

const production = { ...testEnv, WEBHOOK_ALLOW_LOOPBACK: "false" };
/** An event nothing in this file fires: registered endpoints are never posted to. */
const events = ["timesheet.reopened"];

const INTERNAL = [
  "https://127.0.0.1/hook",
  "https://127.8.9.10/hook",
  "https://[::1]/hook",
  "https://[0:0:0:0:0:0:0:1]/hook",
  "https://[::]/hook",
  "https://169.254.169.254/latest/meta-data/",
  "https://10.0.0.1/hook",
  "https://10.255.255.255/hook",
  "https://172.16.0.1/hook",
  "https://172.31.255.254/hook",
  "https://192.168.1.1/hook",
  "https://100.64.0.1/hook",
  "https://100.127.255.254/hook",
  "https://0.0.0.0/hook",
  "https://0/hook",
  "https://224.0.0.1/hook",
  "https://255.255.255.255/hook",
  "https://198.18.0.1/hook",
  "https://[::ffff:a9fe:a9fe]/hook",
  "https://[::ffff:169.254.169.254]/hook",
  "https://[::ffff:7f00:1]/hook",
  "https://[64:ff9b::a9fe:a9fe]/hook",
  "https://[fc00::1]/hook",
  "https://[fd12:3456:789a::1]/hook",
  "https://[fe80::1]/hook",
  "https://[ff02::1]/hook",
  "https://[2001:db8::1]/hook",
  "https://0x7f000001/hook",
  "https://2130706433/hook",
  "https://0177.0.0.1/hook",
  "https://127.1/hook",
  "https://0xa9.0xfe.0xa9.0xfe/hook",
  "https://127.0.0.1./hook",
  "https://\uff11\uff12\uff17.0.0.1/hook",
  "https://[::127.0.0.1]/hook",
  "https://[2002:a9fe:a9fe::1]/hook",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://metadata/computeMetadata/v1/",
  "https://localhost/hook",
  "https://LOCALHOST./hook",
  "https://api.localhost/hook",
  "https://vault.corp.internal/hook",
  "https://printer.local/hook",
];
const CREDENTIALS = [
  "https://user:pass@example.com/hook",
  "https://user@example.com/hook",
  "https://:pass@example.com/hook",
];
const PUBLIC = [
  "https://example.com/hook?token=abc",
  "https://93.184.216.34/hook",
  "https://172.32.0.1/hook",
  "https://100.128.0.1/hook",
  "https://[2606:4700:4700::1111]/hook",
  "https://hooks.example.org:8443/in",
];

let admin: TestUser;
beforeAll(async () => {
  admin = await createSuperuser();
});

async function refusedCode(res: Response): Promise<unknown> {
  return (await expectProblem(res, 422)).code;
}

describe("webhook URLs with loopback off (production)", () => {
  it("refuse every non-public literal address and internal name, on create and on update", async () => {
    const target = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { url: "https://example.com/target", events },
      env: production,
    });
    expect(target.status).toBe(201);
    const { id } = (await target.json()) as { id: number };
    for (const url of INTERNAL) {
      const created = await call("POST", "/webhooks/", { token: admin.token, body: { url, events }, env: production });
      expect([url, await refusedCode(created)]).toEqual([url, "internal_url"]);
      const updated = await call("PATCH", `/webhooks/${id}`, { token: admin.token, body: { url }, env: production });
      expect([url, await refusedCode(updated)]).toEqual([url, "internal_url"]);
    }
    const [{ n }] = (await seedSql("SELECT count(*)::int AS n FROM webhook_endpoint")) as [{ n: number }];
    expect(n).toBe(1);
    const [stored] = await seedSql("SELECT url FROM webhook_endpoint WHERE id = $1", [id]);
    expect(stored?.url).toBe("https://example.com/target");
  });

  it("refuse credentials in the URL, on create and on update, even where loopback is allowed", async () => {
    const target = await registerEndpoint(admin, "creds-target", events);
    for (const env of [production, testEnv]) {
      for (const url of CREDENTIALS) {
        const created = await call("POST", "/webhooks/", { token: admin.token, body: { url, events }, env });
        expect([url, await refusedCode(created)]).toEqual([url, "url_credentials"]);
        const updated = await call("PATCH", `/webhooks/${target.id}`, { token: admin.token, body: { url }, env });
        expect([url, await refusedCode(updated)]).toEqual([url, "url_credentials"]);
      }
    }
    const plain = await call("POST", "/webhooks/", {
      token: admin.token,
      body: { url: "http://example.com/hook", events },
      env: production,
    });
    expect(await refusedCode(plain)).toBe("insecure_url");
  });

  it("accept public addresses and names; allow loopback only where the setting says so", async () => {
    for (const url of PUBLIC) {
      const res = await call("POST", "/webhooks/", { token: admin.token, body: { url, events }, env: production });
      expect([url, res.status]).toEqual([url, 201]);
    }
    // Development: loopback receivers, but still no other private address.
    expect(
      (await call("POST", "/webhooks/", { token: admin.token, body: { url: "http://127.0.0.1:9/x", events } })).status,
    ).toBe(201);
    const lan = await call("POST", "/webhooks/", { token: admin.token, body: { url: "https://10.0.0.1/x", events } });
    expect(await refusedCode(lan)).toBe("internal_url");
  });
});

describe("delivery errors", () => {
  it("say the same for any failure without an HTTP answer, and the status code for an answer", async () => {
    // A receiver that does not answer within the 10 s timeout. (A refused or dropped connection
    // takes the same path, but workerd prints each one as an uncaught error even when handled.)
    const silent = await registerEndpoint(admin, "silent", ["user.deactivated"], "?delay=11000&status=503");
    const refused = await registerEndpoint(admin, "answers-500", ["user.deactivated"], "?status=500");
    // An endpoint stored before addresses were checked is never posted to.
    const [old] = await seedSql(
      `INSERT INTO webhook_endpoint (url, events, secret) VALUES ('https://169.254.169.254/latest/', '{user.deactivated}',
       'whsec_' || rpad('', 43, 'A') || '=') RETURNING id`,
    );
    await seedSql("SELECT webhook_enqueue('user.deactivated', '{\"id\": 1}')");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), testEnv as never, ctx);
    await waitOnExecutionContext(ctx);
    const last = async (endpoint: unknown) =>
      (
        await seedSql("SELECT last_error, last_status_code FROM webhook_delivery WHERE endpoint_fk = $1", [endpoint])
      )[0];
    expect(await last(silent.id)).toEqual({
      last_error: "connection failed (no HTTP response)",
      last_status_code: null,
    });
    expect(await last(refused.id)).toEqual({ last_error: "HTTP 500", last_status_code: 500 });
    expect(await last(old?.id)).toEqual({ last_error: "URL not allowed", last_status_code: null });
    expect(await received("silent")).toHaveLength(0);
  });
});
