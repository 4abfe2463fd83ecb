// Issue 25 §1: what /mcp refuses, and how: scopes, ended logins, missing credentials, names that
// match several projects, and careless or hostile input. No refusal is a 5xx, none changes data.
import { describe, expect, it } from "vitest";
import { call, send } from "../helpers/api";
import { createProject, createSuperuser, createTeamWorld, createUser, seedSql } from "../helpers/factories";
import { answers, callTool, connect, errorText, MCP_URL, mint } from "./client";

const logCount = async (userId: number) =>
  (await seedSql("SELECT count(*)::int AS n FROM timelog WHERE user_fk = $1", [userId]))[0]?.n;

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
const post = (headers: Record<string, string>, body: unknown = INIT) =>
  send(
    new Request(MCP_URL, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify(body),
    }),
  );
const METADATA = 'resource_metadata="http://api.test/.well-known/oauth-protected-resource"';

describe("MCP refusals", () => {
  it("a timelog:read token reads but may not clock in: insufficient_scope, nothing written", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const client = await connect((await mint(alice, ["timelog:read"])).token);
    expect((await callTool(client, "current_timer")).structuredContent).toEqual({ open: false, log: null });
    const refused = await callTool(client, "clock_in", { project: project.id });
    expect(errorText(refused)).toMatch(/^insufficient_scope: .*scope/);
    expect(refused._meta).toMatchObject({ code: "insufficient_scope", status: 403 });
    expect(await logCount(alice.id)).toBe(0);
  });

  it("an ended login is refused with HTTP 401 and the resource metadata: logged out, revoked token", async () => {
    const alice = await createUser();
    const session = await connect(alice.token);
    expect((await callTool(session, "whoami")).structuredContent).toMatchObject({ id: alice.id });
    expect((await call("POST", "/users/logout", { token: alice.token })).status).toBe(204);
    await expect(callTool(session, "current_timer")).rejects.toThrow(/sign-in has ended/);
    const last = answers.at(-1);
    expect(last?.status).toBe(401);
    expect(last?.headers.get("www-authenticate")).toContain(METADATA);
    expect(last?.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const bob = await createUser();
    const token = await mint(bob, ["timelog:read", "timelog:write"]);
    const client = await connect(token.token);
    expect((await call("DELETE", `/users/me/tokens/${token.id}`, { token: bob.token })).status).toBe(204);
    await expect(callTool(client, "clock_out")).rejects.toThrow(/sign-in has ended/);
    expect(answers.at(-1)?.status).toBe(401);
  });

  it("no credential, a forged one or only a cookie: 401 naming the protected-resource metadata", async () => {
    const alice = await createUser();
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer tl_pat_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!" },
      { authorization: `Bearer ${alice.token.slice(0, -4)}AAAA` },
      { cookie: `auth_cookie=${alice.token}`, origin: "http://api.test" },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain(METADATA);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    // A forged token of the right shape passes the signature check but not the database's.
    const forged = await connect("tl_pat_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await expect(callTool(forged, "whoami")).rejects.toThrow(/sign-in has ended/);
  });

  it("an ambiguous name lists the candidates; an unknown one lists projects; nothing is clocked in", async () => {
    const admin = await createSuperuser();
    const tag = crypto.randomUUID().slice(0, 6);
    const web = await createProject(admin, { secret_name: `Globex ${tag} web` });
    const app = await createProject(admin, { secret_name: `Globex ${tag} app` });
    const alice = await createUser();
    const client = await connect(alice.token);
    const ambiguous = await callTool(client, "clock_in", { project: `globex ${tag}` });
    const text = errorText(ambiguous);
    expect(text).toMatch(/^project_ambiguous: /);
    expect(text).toContain(`Globex ${tag} web (id ${web.id})`);
    expect(text).toContain(`Globex ${tag} app (id ${app.id})`);
    expect(text).toMatch(/pass its id/);
    expect(ambiguous._meta?.candidates).toEqual(
      expect.arrayContaining([
        { id: web.id, name: web.secret_name },
        { id: app.id, name: app.secret_name },
      ]),
    );
    expect(
      errorText(
        await callTool(client, "log_time", {
          project: `nope-${tag}`,
          start: "2026-11-03T09:00:00Z",
          end: "2026-11-03T10:00:00Z",
        }),
      ),
    ).toMatch(/^project_unknown: No active project is named/);
    // The whole name is exact, so it wins over the partial match of the other.
    const exact = await callTool(client, "clock_in", { project: `globex ${tag} WEB` });
    expect(exact.structuredContent).toMatchObject({ project_fk: web.id });
    expect(await logCount(alice.id)).toBe(1);
  });

  it("another person's week, bad and huge input: tool errors with our codes, never a 5xx, nothing changed", async () => {
    const { manager, stranger, ann } = await createTeamWorld();
    const client = await connect(stranger.token);
    expect(errorText(await callTool(client, "approve_week", { user_id: ann.id, week: "2026-W45" }))).toMatch(
      /^(forbidden|not_found|not_manager)/,
    );
    const managerClient = await connect(manager.token);
    // Open weeks are not approved: the route's 409, as a tool error.
    expect(errorText(await callTool(managerClient, "approve_week", { user_id: ann.id, week: "2026-W45" }))).toMatch(
      /^\w+: /,
    );
    for (const [name, args] of [
      ["log_time", { project: 1, start: "yesterday", end: "today" }],
      ["log_time", { project: 1, start: "0001-01-01T00:00:00Z", end: "9999-12-31T23:59:59Z" }],
      ["clock_out", { end: "x".repeat(40) }],
      ["my_week", { week: "2026-W99" }],
      ["summary", { from: "2020-01-01", to: "2026-01-01" }],
      ["clock_in", { project: 2147483647 }],
      ["clock_in", { project: "x".repeat(41) }],
      ["reject_week", { user_id: ann.id, week: "2026-W45", comment: "" }],
    ] as const) {
      const result = await callTool(client, name, args as Record<string, unknown>);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(errorText(result)).not.toMatch(/internal|Something went wrong/);
    }
    expect(answers.every((r) => r.status < 500)).toBe(true);
    expect(await logCount(stranger.id)).toBe(0);
  });

  it("GET and DELETE are 405 (stateless: no stream, no session); a batch or junk body is a JSON-RPC error", async () => {
    const alice = await createUser();
    for (const method of ["GET", "DELETE"]) {
      const res = await send(new Request(MCP_URL, { method, headers: { authorization: `Bearer ${alice.token}` } }));
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    const junk = await post({ authorization: `Bearer ${alice.token}` }, "not json-rpc");
    expect(junk.status).toBeGreaterThanOrEqual(400);
    expect(junk.status).toBeLessThan(500);
  });

  it("two clock-ins at once (a retried call): one timer, the other an already_running tool error", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const [a, b] = await Promise.all([connect(alice.token), connect(alice.token)]);
    const results = await Promise.all([
      callTool(a, "clock_in", { project: project.id }),
      callTool(b, "clock_in", { project: project.id }),
    ]);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    const refused = results.find((r) => r.isError);
    expect(refused && errorText(refused)).toMatch(/^already_running: .*switch_project/);
    expect(await logCount(alice.id)).toBe(1);
  });
});
