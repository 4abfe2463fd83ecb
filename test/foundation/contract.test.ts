// The document is a contract: every response a client sees in this story — successes, refusals,
// nulls, pages, sync with a deletion, reports, the CSV — must be one the OpenAPI document describes,
// status and body, validated as JSON Schema (2020-12) the way a generated client would trust it.
// The validation itself runs in call() for every test; these stories make sure each kind of answer
// is seen at least once.
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { type CallOptions, call } from "../helpers/api";
import { createProject, createSuperuser, createTeam, createUser, putMember, type TestUser } from "../helpers/factories";

type Schema = Record<string, unknown>;
let doc: { components: Schema };

/**
 * Requests whose responses must match the document: `call()` validates every response
 * (test/helpers/contract.ts) and throws when one does not; `statuses` lets each test assert which
 * kinds of answer it made the document describe. One per test: no test counts another's calls.
 */
function recorder() {
  const statuses: number[] = [];
  const checked = async (method: string, path: string, opts: CallOptions = {}) => {
    const res = await call(method, path, opts);
    statuses.push(res.status);
    return res;
  };
  return { checked, statuses };
}

describe("responses match the OpenAPI document", () => {
  let admin: TestUser;
  beforeAll(async () => {
    doc = (await (await call("GET", "/openapi.json")).json()) as typeof doc;
    admin = await createSuperuser();
  });

  it("the validator follows the document's references (a wrong body fails)", () => {
    const schema = { $ref: "#/components/schemas/CurrentTimelog", components: doc.components } as Schema;
    const v = new Validator(schema, "2020-12", false);
    expect(v.validate({ open: false, log: null }).valid).toBe(true);
    expect(v.validate({ open: true, log: { id: "1" } }).valid).toBe(false);
    expect(v.validate({ open: true }).valid).toBe(false);
  });

  it("a working week, told through the document: clock in, idle, switch, sync with a deletion, reports, CSV", async () => {
    const { checked, statuses } = recorder();
    const project = await createProject(admin);
    const other = await createProject(admin);
    const alice = await createUser();
    const as = { token: alice.token };
    await checked("GET", "/timelog/current", as);
    const started = await checked("POST", "/timelog/", { ...as, body: { project_fk: project.id } });
    const log = (await started.json()) as { id: number };
    await checked("GET", "/timelog/current", as);
    await checked("POST", "/timelog/switch", { ...as, body: { project_fk: other.id } });
    await checked("POST", "/timelog/close", as);
    await checked("POST", "/timelog/close", as);
    await checked("GET", "/timelog/?limit=1", as);
    await checked("GET", `/timelog/${log.id}`, as);
    await checked("GET", `/timelog/${log.id}/history`, as);
    await checked("PATCH", `/timelog/${log.id}`, { ...as, body: { note: "fixed" } });
    await checked("DELETE", `/timelog/${log.id}`, as);
    await checked("GET", "/timelog/changes?since=0.0", as);
    await checked("GET", "/timelog/changes?since=0.0", as);
    const range = "from=2026-01-01&to=2026-12-31";
    await checked("GET", `/reports/summary?${range}&group_by=project,day`, as);
    await checked("GET", `/reports/timelog.csv?${range}`, as);
    await checked("GET", "/timesheets/", as);
    await checked("GET", "/users/me", as);
    await checked("GET", "/settings", as);
    await checked("GET", "/positions/", as);
    await checked("GET", "/projects/", as);
    await checked("GET", "/health");
    // The second close finds nothing running (404); everything else succeeds.
    expect(statuses).toEqual([
      200, 201, 200, 201, 200, 404, 200, 200, 200, 200, 204, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200,
    ]);
  });

  it("refusals are documented problems too", async () => {
    const { checked, statuses } = recorder();
    const alice = await createUser();
    const as = { token: alice.token };
    await checked("GET", "/users/me");
    await checked("GET", "/timelog/999999", as);
    await checked("POST", "/timelog/", { ...as, body: { project_fk: "x" } });
    await checked("GET", "/reports/summary?from=2026-01-01&to=2025-01-01", as);
    await checked("POST", "/projects/", { ...as, body: { secret_name: "x" } });
    await checked("POST", "/timesheets/2099-W01/submit", as);
    await checked("POST", "/timelog/", { ...as, body: "{", headers: { "content-type": "application/json" } });
    expect(statuses).toEqual([401, 404, 422, 422, 403, 422, 400]);
  });

  it("teams, timesheets, tokens and the audit trail as the document says", async () => {
    const { checked, statuses } = recorder();
    const manager = await createUser();
    const ann = await createUser();
    const team = await createTeam(admin);
    await putMember(admin, team.id, manager.id, "manager");
    await putMember(admin, team.id, ann.id, "member");
    await checked("GET", "/teams/", { token: manager.token });
    await checked("GET", `/teams/${team.id}/members`, { token: manager.token });
    await checked("POST", "/timesheets/2026-W40/submit", { token: ann.token });
    await checked("POST", `/timesheets/${ann.id}/2026-W40/approve`, { token: manager.token, body: {} });
    await checked("GET", `/timesheets/?team_fk=${team.id}&from=2026-W40`, { token: manager.token });
    const minted = await checked("POST", "/users/me/tokens", {
      token: ann.token,
      body: { name: "script", scopes: ["timelog:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    await checked("GET", "/users/me/tokens", { token: ann.token });
    await checked("POST", "/timelog/", { token, body: { project_fk: 1 } });
    await checked("GET", "/audit/", { token: admin.token });
    await checked("GET", "/audit/verify", { token: admin.token });
    await checked("PUT", "/settings/lock", { token: admin.token, body: { locked_before: null } });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201, 200, 403, 200, 200, 200]);
  });
});
