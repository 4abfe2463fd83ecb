// Review of conditional writes (issue 24 §3): a resource whose GET answers an ETag must not ignore
// If-Match on its writes (RFC 9110 §13.1.1: a false condition means the method is not performed).
import { describe, expect, it } from "vitest";
import { createType } from "../absences/helpers";
import { call, expectProblem } from "../helpers/api";
import { createSuperuser, createUser, type TestUser, unique } from "../helpers/factories";
import { hook } from "../helpers/webhooks";

async function staleIsRefused(admin: TestUser, path: string, first: unknown, second: unknown) {
  const seen = (await call("GET", path, { token: admin.token })).headers.get("etag") ?? "";
  expect(seen).toMatch(/^"[0-9a-f]{32}"$/);
  expect((await call("PATCH", path, { token: admin.token, body: first })).status).toBe(200);
  const before = await (await call("GET", path, { token: admin.token })).text();
  const stale = await call("PATCH", path, { token: admin.token, body: second, headers: { "if-match": seen } });
  expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
  const gone = await call("DELETE", path, { token: admin.token, headers: { "if-match": seen } });
  expect((await expectProblem(gone, 412)).code).toBe("precondition_failed");
  expect(await (await call("GET", path, { token: admin.token })).text()).toBe(before);
  const current = (await call("GET", path, { token: admin.token })).headers.get("etag") ?? "";
  const ok = await call("PATCH", path, { token: admin.token, body: second, headers: { "if-match": current } });
  expect(ok.status).toBe(200);
  expect(ok.headers.get("etag")).toBe((await call("GET", path, { token: admin.token })).headers.get("etag"));
}

describe("If-Match on the other resources that answer an ETag", () => {
  it("an absence type", async () => {
    const admin = await createSuperuser();
    const type = await createType(admin);
    await staleIsRefused(admin, `/absence-types/${type.id}`, { name: `${type.name}-1` }, { name: `${type.name}-2` });
  });

  it("a webhook endpoint", async () => {
    const admin = await createSuperuser();
    const res = await call("POST", "/webhooks", {
      token: admin.token,
      body: { url: hook("review"), events: ["timer.started"] },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    await staleIsRefused(admin, `/webhooks/${id}`, { description: "a" }, { description: "b" });
  });
});

describe("If-Match on the writes review r1 found ignoring it", () => {
  // GET /users/me/notifications answers an ETag; PATCH ignored If-Match (review r1), now honours it.
  it("your notification settings", async () => {
    const alice = await createUser();
    const path = "/users/me/notifications";
    const seen = (await call("GET", path, { token: alice.token })).headers.get("etag") ?? "";
    expect((await call("PATCH", path, { token: alice.token, body: { timer_forgotten: false } })).status).toBe(200);
    const stale = await call("PATCH", path, {
      token: alice.token,
      body: { timer_forgotten: true },
      headers: { "if-match": seen },
    });
    expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
  });

  // GET /holiday-calendars/{id}/days/{date} answers an ETag; PUT and DELETE of the day ignored
  // If-Match (review r1), and now compare it under the calendar's lock.
  it("a holiday", async () => {
    const admin = await createSuperuser();
    const cal = await call("POST", "/holiday-calendars", { token: admin.token, body: { name: `cal-${unique()}` } });
    const { id } = (await cal.json()) as { id: number };
    const path = `/holiday-calendars/${id}/days/2027-12-25`;
    expect((await call("PUT", path, { token: admin.token, body: { name: "Christmas" } })).status).toBe(201);
    const seen = (await call("GET", path, { token: admin.token })).headers.get("etag") ?? "";
    expect((await call("PUT", path, { token: admin.token, body: { name: "Xmas" } })).status).toBe(200);
    const stale = await call("DELETE", path, { token: admin.token, headers: { "if-match": seen } });
    expect((await expectProblem(stale, 412)).code).toBe("precondition_failed");
  });
});
