// Reads are single statements with the login check folded in (src/db/request.ts): a login that
// has ended must still get 401 from every one of them, and no data with it.
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { call, countStatements, expectProblem } from "../helpers/api";
import { addEntry, createProject, createSuperuser, createUser, seedSql, type TestUser } from "../helpers/factories";

type Doc = { paths: Record<string, Record<string, { security?: unknown[] }>> };
const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } }) as unknown as Doc;
/** Every signed-in GET in the document, with its path parameters filled in. */
const READS = Object.entries(doc.paths)
  .filter(([, ops]) => ops.get?.security?.length)
  .map(([path]) => path);

async function everyReadIs401(user: TestUser, ids: { log: number; team: number }) {
  for (const template of READS) {
    const path = template
      .replace("{id}", String(template.startsWith("/teams") ? ids.team : ids.log))
      .replace("{user_id}", String(user.id))
      .replace("{week}", "2026-W40")
      .replace("{date}", "2026-12-24")
      .replace("{year}", "2026")
      .replace("{type_fk}", "1");
    // Required query parameters: without them the request is a 422 before the login is checked.
    const qs =
      path.startsWith("/reports") || path.endsWith("/time-account")
        ? "?from=2026-11-01&to=2026-11-02"
        : path === "/absences/calendar"
          ? `?team_fk=${ids.team}&month=2026-11`
          : path.endsWith("/days")
            ? "?year=2026"
            : "";
    const res = await call("GET", path + qs, { token: user.token });
    const problem = await expectProblem(res, 401);
    expect(problem.code, path).toBe("session_ended");
    expect(Object.keys(problem), path).not.toContain("items");
  }
}

describe("an ended login on every read", () => {
  it("covers the routes that matter", () => {
    for (const p of ["/users/me", "/timelog/current", "/timelog/{id}", "/timelog", "/reports/summary", "/teams"]) {
      expect(READS).toContain(p);
    }
  });

  it("logout, deactivation and refresh reuse: 401 from every read, no data", async () => {
    const admin = await createSuperuser();
    const project = await createProject(admin);
    const setup = async () => {
      const user = await createUser();
      const log = await addEntry(user, project.id, new Date(Date.now() - 7_200_000), new Date(Date.now() - 3_600_000));
      const team = (await (
        await call("POST", "/teams/", { token: admin.token, body: { name: `t${user.id}` } })
      ).json()) as {
        id: number;
      };
      await call("PUT", `/teams/${team.id}/members/${user.id}`, { token: admin.token, body: { role: "manager" } });
      // Alive first: the same reads answer (so the 401s below are the login's doing).
      expect((await call("GET", `/timelog/${log.id}`, { token: user.token })).status).toBe(200);
      return { user, ids: { log: log.id, team: team.id } };
    };

    const out = await setup();
    expect((await call("POST", "/users/logout", { token: out.user.token })).status).toBe(204);
    await everyReadIs401(out.user, out.ids);

    const off = await setup();
    await call("PATCH", `/users/${off.user.id}`, { token: admin.token, body: { is_active: false } });
    await everyReadIs401(off.user, off.ids);

    const reused = await setup();
    const first = await call("POST", "/users/refresh", { body: { refresh_token: reused.user.refresh } });
    expect(first.status).toBe(200);
    const again = await call("POST", "/users/refresh", { body: { refresh_token: reused.user.refresh } });
    expect(again.status).toBe(401);
    await everyReadIs401(reused.user, reused.ids);
    expect(await seedSql("SELECT 1")).toHaveLength(1);
  });

  it("a single read is one statement, not a transaction; a write is a transaction", async () => {
    const user = await createUser();
    const admin = await createSuperuser();
    const project = await createProject(admin);
    expect(await countStatements(() => call("GET", "/users/me", { token: user.token }))).toEqual({
      requests: 1,
      transactions: 0,
    });
    expect(await countStatements(() => call("GET", "/timelog/current", { token: user.token }))).toEqual({
      requests: 1,
      transactions: 0,
    });
    expect(
      await countStatements(() => call("POST", "/timelog/", { token: user.token, body: { project_fk: project.id } })),
    ).toEqual({ requests: 1, transactions: 1 });
  });
});
