// Conditional writes (issue 24 §3): If-Match is compared by the database in the write's own batch.
// A stale tag is 412 precondition_failed and changes nothing; the current one (or *) lets the write
// through and the answer carries the new ETag; without If-Match a write works as before.
import { describe, expect, it } from "vitest";
import { requested } from "../absences/helpers";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import {
  addEntry,
  createProject,
  createSuperuser,
  createTeam,
  createUser,
  minutesAgo,
  type TestUser,
} from "../helpers/factories";

const tagOf = async (who: TestUser, path: string) => {
  const res = await call("GET", path, { token: who.token });
  expect(res.status).toBe(200);
  return res.headers.get("etag") ?? "";
};

/** A stale If-Match is refused, the resource unchanged; the current one writes and answers its new tag. */
async function staleThenCurrent(who: TestUser, path: string, first: unknown, second: unknown) {
  const seen = await tagOf(who, path);
  const other = await call("PATCH", path, { token: who.token, body: first });
  expect(other.status).toBe(200);
  const current = other.headers.get("etag");
  expect(current).toMatch(/^"[0-9a-f]{32}"$/);
  expect(current).not.toBe(seen);
  const before = await (await call("GET", path, { token: who.token })).text();
  const stale = await call("PATCH", path, { token: who.token, body: second, headers: { "if-match": seen } });
  expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
  expect(await (await call("GET", path, { token: who.token })).text()).toBe(before);
  const ok = await call("PATCH", path, { token: who.token, body: second, headers: { "if-match": current ?? "" } });
  expect(ok.status).toBe(200);
  expect(ok.headers.get("etag")).toBe(await tagOf(who, path));
  expect(ok.headers.get("etag")).not.toBe(current);
}

describe("If-Match on PATCH, per resource", () => {
  it("a time log", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60));
    await staleThenCurrent(alice, `/timelog/${log.id}`, { note: "phone" }, { note: "laptop" });
  });

  it("a project, a client, a tag, a team, a position, a user, yourself, the settings", async () => {
    const admin = await createSuperuser();
    const bob = await createUser();
    const p = await createProject(admin);
    await staleThenCurrent(admin, `/projects/${p.id}`, { description: "a" }, { description: "b" });
    const client = (await (
      await call("POST", "/clients", { token: admin.token, body: { name: `c-${p.id}` } })
    ).json()) as {
      id: number;
    };
    await staleThenCurrent(admin, `/clients/${client.id}`, { name: `c1-${p.id}` }, { name: `c2-${p.id}` });
    const tag = (await (await call("POST", "/tags", { token: admin.token, body: { name: `t-${p.id}` } })).json()) as {
      id: number;
    };
    await staleThenCurrent(admin, `/tags/${tag.id}`, { name: `t1-${p.id}` }, { name: `t2-${p.id}` });
    const team = await createTeam(admin);
    await staleThenCurrent(admin, `/teams/${team.id}`, { description: "a" }, { description: "b" });
    const position = (await (
      await call("POST", "/positions", { token: admin.token, body: { title: `pos-${p.id}` } })
    ).json()) as { id: number };
    await staleThenCurrent(admin, `/positions/${position.id}`, { title: `p1-${p.id}` }, { title: `p2-${p.id}` });
    await staleThenCurrent(admin, `/users/${bob.id}`, { weekly_hours: 30 }, { weekly_hours: 20 });
    await staleThenCurrent(bob, "/users/me", { time_zone: "Europe/Berlin" }, { time_zone: "Asia/Tokyo" });
    await staleThenCurrent(admin, "/settings", { timelog_max_seconds: 86400 }, { timelog_max_seconds: 604800 });
  });

  it("an absence, and its decisions", async () => {
    const alice = await createUser();
    const a = await requested(alice, { from: "2027-04-05", to: "2027-04-06" });
    await staleThenCurrent(alice, `/absences/${a.id}`, { note: "a" }, { note: "b" });
    const stale = await tagOf(alice, `/absences/${a.id}`);
    await call("PATCH", `/absences/${a.id}`, { token: alice.token, body: { note: "c" } });
    const refused = await call("POST", `/absences/${a.id}/cancel`, {
      token: alice.token,
      headers: { "if-match": stale },
    });
    expect((await expectProblem(refused, 412)).code).toBe("precondition_failed");
    const cancel = await call("POST", `/absences/${a.id}/cancel`, {
      token: alice.token,
      headers: { "if-match": await tagOf(alice, `/absences/${a.id}`) },
    });
    expect(cancel.status).toBe(200);
  });

  it("a task (its tag comes from its create and its writes: there is no GET of one task)", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const created = await call("POST", `/projects/${p.id}/tasks`, { token: admin.token, body: { name: "design" } });
    const task = (await created.json()) as { id: number };
    const first = created.headers.get("etag") ?? "";
    expect(first).toMatch(/^"[0-9a-f]{32}"$/);
    const path = `/projects/${p.id}/tasks/${task.id}`;
    const renamed = await call("PATCH", path, {
      token: admin.token,
      body: { name: "build" },
      headers: { "if-match": first },
    });
    expect(renamed.status).toBe(200);
    const stale = await call("PATCH", path, {
      token: admin.token,
      body: { name: "x" },
      headers: { "if-match": first },
    });
    expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
    const gone = await call("DELETE", path, { token: admin.token, headers: { "if-match": first } });
    expect((await expectProblem(gone, 412)).code).toBe("precondition_failed");
    const deleted = await call("DELETE", path, {
      token: admin.token,
      headers: { "if-match": renamed.headers.get("etag") ?? "" },
    });
    expect(deleted.status).toBe(204);
  });
});

describe("If-Match forms and edges", () => {
  it("* means it exists; a weak tag never matches (strong comparison); a list matches any", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const path = `/projects/${p.id}`;
    const star = await call("PATCH", path, {
      token: admin.token,
      body: { description: "a" },
      headers: { "if-match": "*" },
    });
    expect(star.status).toBe(200);
    const current = star.headers.get("etag") ?? "";
    const weak = await call("PATCH", path, {
      token: admin.token,
      body: { description: "b" },
      headers: { "if-match": `W/${current}` },
    });
    await expectProblem(weak, 412);
    const list = await call("PATCH", path, {
      token: admin.token,
      body: { description: "c" },
      headers: { "if-match": `"0123", ${current}` },
    });
    expect(list.status).toBe(200);
    const junk = await call("PATCH", path, {
      token: admin.token,
      body: { description: "d" },
      headers: { "if-match": "junk" },
    });
    await expectProblem(junk, 412);
  });

  it("a missing resource is 404 with any If-Match, * included (RFC 9110 §13.2.1: the 404 comes first)", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const gone = await call("PATCH", "/projects/2147483000", {
      token: admin.token,
      body: { description: "x" },
      headers: { "if-match": "*" },
    });
    await expectProblem(gone, 404);
    // Someone else's log is as missing, whatever tag is guessed: no oracle for its version.
    const log = await addEntry(admin, p.id, minutesAgo(120), minutesAgo(60));
    const tag = await tagOf(admin, `/timelog/${log.id}`);
    for (const guess of [tag, '"0"', "*"]) {
      const res = await call("PATCH", `/timelog/${log.id}`, {
        token: alice.token,
        body: { note: "mine" },
        headers: { "if-match": guess },
      });
      await expectProblem(res, 404);
    }
  });

  it("a stale DELETE changes nothing; the current one deletes; without If-Match as before", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60));
    const seen = await tagOf(alice, `/timelog/${log.id}`);
    await call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { note: "changed" } });
    const stale = await call("DELETE", `/timelog/${log.id}`, { token: alice.token, headers: { "if-match": seen } });
    expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
    expect((await call("GET", `/timelog/${log.id}`, { token: alice.token })).status).toBe(200);
    const now = await tagOf(alice, `/timelog/${log.id}`);
    expect(
      (await call("DELETE", `/timelog/${log.id}`, { token: alice.token, headers: { "if-match": now } })).status,
    ).toBe(204);
    const other = await addEntry(alice, p.id, minutesAgo(50), minutesAgo(40));
    expect((await call("DELETE", `/timelog/${other.id}`, { token: alice.token })).status).toBe(204);
  });

  it("two writes with the same If-Match at once: exactly one wins, the other is 412", async () => {
    const admin = await createSuperuser();
    const alice = await createUser();
    const p = await createProject(admin);
    const log = await addEntry(alice, p.id, minutesAgo(120), minutesAgo(60));
    const seen = await tagOf(alice, `/timelog/${log.id}`);
    const write = (note: string) =>
      call("PATCH", `/timelog/${log.id}`, { token: alice.token, body: { note }, headers: { "if-match": seen } });
    const results = await Promise.all([write("phone"), write("laptop"), write("watch")]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412]);
    const winner = results.find((r) => r.status === 200) as Response;
    const final = (await (await call("GET", `/timelog/${log.id}`, { token: alice.token })).json()) as { note: string };
    expect(final.note).toBe(((await winner.json()) as { note: string }).note);
  });

  it("a retry with the same Idempotency-Key gets the stored answer and ETag, not a 412", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const seen = await tagOf(admin, `/projects/${p.id}`);
    const send = () =>
      call("PATCH", `/projects/${p.id}`, {
        token: admin.token,
        body: { description: "once" },
        headers: { "if-match": seen, "idempotency-key": `k-${p.id}` },
      });
    const first = await send();
    expect(first.status).toBe(200);
    const retry = await send();
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("etag")).toBe(first.headers.get("etag"));
  });

  it("a conditional write is still one round trip", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const seen = await tagOf(admin, `/projects/${p.id}`);
    let status = 0;
    const trips = await countRoundTrips(async () => {
      const res = await call("PATCH", `/projects/${p.id}`, {
        token: admin.token,
        body: { description: "one trip" },
        headers: { "if-match": seen },
      });
      status = res.status;
    });
    expect(status).toBe(200);
    expect(trips).toBe(1);
  });

  it("a write without If-Match works as before and answers its ETag", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const res = await call("PATCH", `/projects/${p.id}`, { token: admin.token, body: { description: "plain" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(await tagOf(admin, `/projects/${p.id}`));
  });
});
