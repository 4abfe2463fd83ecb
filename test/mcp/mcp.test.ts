// Issue 25 §1: the MCP server at /mcp, driven by the official SDK's client over HTTP into the worker.
import { describe, expect, it } from "vitest";
import { countRoundTrips, send } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createTeamWorld, createUser, seedSql } from "../helpers/factories";
import { answers, callTool, connect, errorText, mint } from "./client";

const TOOL_NAMES = [
  "approve_week",
  "clock_in",
  "clock_out",
  "current_timer",
  "list_projects",
  "log_time",
  "my_week",
  "reject_week",
  "submit_week",
  "summary",
  "switch_project",
  "team_status",
  "whoami",
];

describe("MCP server", () => {
  it("lists its tools, each with an input and an output schema and words for a model", async () => {
    const client = await connect((await createUser()).token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(expect.arrayContaining(TOOL_NAMES));
    for (const t of tools) {
      expect(t.inputSchema.type).toBe("object");
      expect(t.outputSchema?.type).toBe("object");
      expect(t.description?.length).toBeGreaterThan(40);
    }
    expect(tools.find((t) => t.name === "current_timer")?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === "clock_in")?.annotations?.readOnlyHint).toBe(false);
  });

  it("clocks in by project name, reads the timer, switches and clocks out; audited with the caller as actor", async () => {
    const admin = await createSuperuser();
    const acme = await createProject(admin, { secret_name: `Acme ${crypto.randomUUID().slice(0, 8)}` });
    const other = await createProject(admin);
    const alice = await createUser();
    const client = await connect((await mint(alice, ["timelog:read", "timelog:write"])).token);

    const started = await callTool(client, "clock_in", { project: acme.secret_name.toUpperCase(), note: "by voice" });
    expect(started.structuredContent).toMatchObject({
      project_fk: acme.id,
      user_fk: alice.id,
      end_time: null,
      note: "by voice",
    });
    const logId = started.structuredContent?.id as number;

    // One round trip, the same as GET /timelog/current.
    let timer: Awaited<ReturnType<typeof callTool>> | undefined;
    expect(await countRoundTrips(async () => (timer = await callTool(client, "current_timer")))).toBe(1);
    expect(timer?.structuredContent).toMatchObject({ open: true, log: { id: logId, project_fk: acme.id } });

    const switched = await callTool(client, "switch_project", { project: other.id });
    expect(switched.structuredContent).toMatchObject({ started: { project_fk: other.id }, stopped: { id: logId } });
    const stopped = await callTool(client, "clock_out");
    expect(stopped.structuredContent).toMatchObject({ project_fk: other.id });
    expect(stopped.structuredContent?.end_time).not.toBeNull();
    expect((await callTool(client, "current_timer")).structuredContent).toEqual({ open: false, log: null });

    const events = await seedSql(
      "SELECT actor_fk, kind, request_id FROM audit_event WHERE entity = 'timelog' AND entity_id = $1 ORDER BY seq",
      [String(logId)],
    );
    // Under the /mcp request's own id: the trail leads back to the assistant's call.
    const ids = new Set(answers.map((r) => r.headers.get("x-request-id")));
    expect(events.every((e) => ids.has(e.request_id as string))).toBe(true);
    expect(answers.every((r) => r.headers.get("cache-control") === "no-store")).toBe(true);
    expect(events.map((e) => [e.kind, e.actor_fk])).toEqual([
      ["timelog.created", alice.id],
      ["timelog.updated", alice.id],
    ]);
  });

  it("round trips: by id one (as POST /timelog), by name two (the projects, then the clock-in)", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const alice = await createUser();
    const client = await connect(alice.token);
    expect(await countRoundTrips(() => callTool(client, "clock_in", { project: project.id }))).toBe(1);
    expect(await countRoundTrips(() => callTool(client, "clock_out"))).toBe(1);
    expect(await countRoundTrips(() => callTool(client, "clock_in", { project: project.secret_name }))).toBe(2);
    // initialize and tools/list make none: only the signature is checked until a tool runs.
    expect(await countRoundTrips(async () => (await connect(alice.token)).listTools())).toBe(0);
  });

  it("logs past time, gets the week, submits it; a manager approves it, another is rejected", async () => {
    const { manager, ann, bob, project } = await createTeamWorld();
    const annClient = await connect(ann.token);
    const logged = await callTool(annClient, "log_time", {
      project: project.id,
      start: "2026-11-03T09:00:00+01:00",
      end: "2026-11-03T12:30:00+01:00",
      note: "report",
    });
    expect(logged.structuredContent).toMatchObject({
      start_time: "2026-11-03T08:00:00.000Z",
      end_time: "2026-11-03T11:30:00.000Z",
    });
    const week = await callTool(annClient, "my_week", { week: "2026-W45" });
    expect(week.structuredContent).toMatchObject({
      user_fk: ann.id,
      week: "2026-W45",
      status: "open",
      worked_seconds: 12600,
    });
    expect(week.structuredContent).toHaveProperty("expected_seconds");
    expect(week.structuredContent).toHaveProperty("balance_seconds");
    const submitted = await callTool(annClient, "submit_week", { week: "2026-W45" });
    expect(submitted.structuredContent).toMatchObject({ status: "submitted" });

    // Her own week is not hers to approve: the route's refusal, as a tool error.
    expect(errorText(await callTool(annClient, "approve_week", { user_id: ann.id, week: "2026-W45" }))).toMatch(
      /^own_timesheet: /,
    );

    const managerClient = await connect(manager.token);
    const approved = await callTool(managerClient, "approve_week", {
      user_id: ann.id,
      week: "2026-W45",
      comment: "ok",
    });
    expect(approved.structuredContent).toMatchObject({ status: "approved", acted_by: manager.id, comment: "ok" });

    await addEntry(bob, project.id, new Date("2026-11-04T09:00:00Z"), new Date("2026-11-04T10:00:00Z"));
    await callTool(await connect(bob.token), "submit_week", { week: "2026-W45" });
    const rejected = await callTool(managerClient, "reject_week", {
      user_id: bob.id,
      week: "2026-W45",
      comment: "task?",
    });
    expect(rejected.structuredContent).toMatchObject({ status: "rejected" });

    // ann clocks in: her manager sees it, on what.
    await callTool(annClient, "clock_in", { project: project.id });
    const status = await callTool(managerClient, "team_status");
    expect(status.structuredContent).toMatchObject({
      items: [{ user_fk: ann.id, project_name: project.secret_name, log: { end_time: null } }],
    });
    expect((await callTool(annClient, "team_status")).structuredContent).toEqual({ items: [], next_cursor: null });
    await callTool(annClient, "clock_out");

    const summary = await callTool(managerClient, "summary", {
      from: "2026-11-02",
      to: "2026-11-09",
      group_by: ["user"],
      user_fk: ann.id,
    });
    expect(summary.structuredContent).toMatchObject({ total_ms: 12_600_000, groups: [{ user_fk: ann.id }] });
  });

  it("stateless: a bare tools/call (no initialize, no session) answers JSON in one round trip, as the bench sends it", async () => {
    const alice = await createUser();
    const request = () =>
      send(
        new Request("http://api.test/mcp", {
          method: "POST",
          headers: {
            authorization: `Bearer ${alice.token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: { name: "current_timer", arguments: {} },
          }),
        }),
      );
    let res: Response | undefined;
    expect(await countRoundTrips(async () => (res = await request()))).toBe(1);
    expect(res?.status).toBe(200);
    expect(res?.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res?.headers.get("mcp-session-id")).toBeNull();
    expect(await res?.json()).toMatchObject({ id: 7, result: { structuredContent: { open: false, log: null } } });
  });

  it("every tool called by id costs its route's one round trip (the README's table)", async () => {
    const { admin, manager, ann, project } = await createTeamWorld();
    const other = await createProject(admin);
    const annClient = await connect(ann.token);
    const managerClient = await connect(manager.token);
    const week = "2026-W40";
    const calls: [typeof annClient, string, Record<string, unknown>][] = [
      [annClient, "whoami", {}],
      [annClient, "list_projects", {}],
      [annClient, "log_time", { project: project.id, start: "2026-09-29T09:00:00Z", end: "2026-09-29T10:00:00Z" }],
      [annClient, "clock_in", { project: project.id }],
      [annClient, "switch_project", { project: other.id }],
      [annClient, "current_timer", {}],
      [managerClient, "team_status", {}],
      [annClient, "clock_out", {}],
      [annClient, "my_week", { week }],
      [annClient, "summary", { from: "2026-09-28", to: "2026-10-05" }],
      [annClient, "submit_week", { week }],
      [managerClient, "reject_week", { user_id: ann.id, week, comment: "split it" }],
      [annClient, "submit_week", { week }],
      [managerClient, "approve_week", { user_id: ann.id, week }],
    ];
    // Listed once first: callTool reads the output schemas with tools/list, which costs none.
    await callTool(annClient, "whoami");
    await callTool(managerClient, "whoami");
    for (const [client, name, args] of calls) {
      let result: Awaited<ReturnType<typeof callTool>> | undefined;
      const trips = await countRoundTrips(async () => (result = await callTool(client, name, args)));
      expect(result?.isError, `${name}: ${JSON.stringify(result?.content)}`).toBeFalsy();
      expect(trips, name).toBe(1);
    }
  });
});
