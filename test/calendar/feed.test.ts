// A person's calendar feed (issue 24 §4): what a calendar app reads at the secret URL, checked by a
// real iCalendar parser (ical.js) and by the raw text RFC 5545 asks for.
import { describe, expect, it, vi } from "vitest";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { addEntry, clockIn, createProject, createSuperuser, createUser, seedSql } from "../helpers/factories";
import { absence, day, makeFeed, readFeed, SICK, VACATION } from "./helpers";

const NOTE = `Met Ann, Bob; paths C:\\temp\\x\nsecond line\r\nthird: ${"é".repeat(40)}${"x".repeat(200)} 🎉 end`;

describe("GET /calendar/{token}.ics (a person's feed)", () => {
  it("holds their time logs as UTC events with stable UIDs, escaped and folded text, CRLF lines", async () => {
    const admin = await createSuperuser();
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    const project = await createProject(admin, { secret_name: "Apollo, Inc; R&D" });
    const start = new Date("2026-11-20T08:30:00Z");
    const log = await addEntry(ann, project.id, start, new Date("2026-11-20T12:15:00Z"), NOTE);
    await addEntry(bob, project.id, start, new Date("2026-11-20T12:15:00Z"), "Bob's own");
    const feed = await makeFeed(ann);
    expect(feed).toMatchObject({ kind: "person", team_fk: null });
    expect(feed.url).toMatch(/^http:\/\/api\.test\/calendar\/tl_cal_[A-Za-z0-9_-]{43}\.ics$/);
    expect(feed.webcal_url).toBe(feed.url.replace("http:", "webcal:"));

    let body: Awaited<ReturnType<typeof readFeed>> | undefined;
    expect(await countRoundTrips(async () => (body = await readFeed(feed.path)))).toBe(1);
    if (!body) throw new Error("no feed");
    const { text, name, events } = body;
    expect(name).toBe(`TimeLog: ${ann.username}`);
    expect(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")).toBe(true);
    expect(text).toContain("\r\nCALSCALE:GREGORIAN\r\n");
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    // Every line ends in CRLF and none is longer than 75 octets (folded, RFC 5545 §3.1).
    expect(text.replaceAll("\r\n", "")).not.toMatch(/[\r\n]/);
    const lines = text.split("\r\n");
    for (const line of lines) expect(new TextEncoder().encode(line).length, line).toBeLessThanOrEqual(75);
    expect(lines.filter((l) => l.startsWith(" ")).length).toBeGreaterThan(3);

    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.uid).toBe(`timelog-${log.id}@api.test`);
    expect(event?.summary).toBe("Apollo, Inc; R&D");
    // The note comes back exactly (CRLF in the note reads as one line break).
    expect(event?.description).toBe(NOTE.replace("\r\n", "\n"));
    expect(text).toContain("SUMMARY:Apollo\\, Inc\\; R&D");
    expect(text).toContain("DESCRIPTION:Met Ann\\, Bob\\; paths C:\\\\temp\\\\x\\nsecond line\\nthird:");
    expect(event?.start.zone?.tzid).toBe("UTC");
    expect(event?.start.toJSDate().toISOString()).toBe("2026-11-20T08:30:00.000Z");
    expect(event?.end.toJSDate().toISOString()).toBe("2026-11-20T12:15:00.000Z");
    expect(text).toMatch(/\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
  });

  it("holds their requested and approved absences as all-day events, a half day named, from 90 days back to 90 ahead", async () => {
    const ann = await createUser();
    const ids = {
      multi: await absence(ann.id, VACATION, day(10), day(14), "approved"),
      half: await absence(ann.id, VACATION, day(20), day(20), "requested", "am"),
      recent: await absence(ann.id, SICK, day(-89), day(-89), "approved"),
      soon: await absence(ann.id, SICK, day(89), day(89), "approved"),
      old: await absence(ann.id, SICK, day(-91), day(-91), "approved"),
      far: await absence(ann.id, SICK, day(91), day(91), "approved"),
      rejected: await absence(ann.id, VACATION, day(30), day(30), "rejected"),
      cancelled: await absence(ann.id, VACATION, day(31), day(31), "cancelled"),
    };
    const { events, text } = await readFeed((await makeFeed(ann)).path);
    const uids = events.map((e) => e.uid);
    for (const kept of [ids.multi, ids.half, ids.recent, ids.soon]) {
      expect(uids).toContain(`absence-${kept}@api.test`);
    }
    for (const left of [ids.old, ids.far, ids.rejected, ids.cancelled]) {
      expect(uids).not.toContain(`absence-${left}@api.test`);
    }
    const multi = events.find((e) => e.uid === `absence-${ids.multi}@api.test`);
    expect(multi?.start.isDate).toBe(true);
    expect(multi?.start.toString()).toBe(day(10));
    // DTEND is exclusive: the day after the last.
    expect(multi?.end.toString()).toBe(day(15));
    expect(multi).toMatchObject({ summary: "Vacation", status: "CONFIRMED" });
    const half = events.find((e) => e.uid === `absence-${ids.half}@api.test`);
    expect(half).toMatchObject({ summary: "Vacation (morning) (requested)", status: "TENTATIVE" });
    expect(half?.start.isDate).toBe(true);
    expect(half?.end.toString()).toBe(day(21));
    expect(text).toContain(`DTSTART;VALUE=DATE:${day(10).replaceAll("-", "")}`);
  });

  it("a running timer shows up to now; logs older than 90 days are left out", async () => {
    const admin = await createSuperuser();
    const ann = await createUser();
    const project = await createProject(admin, { secret_name: "Gemini" });
    const old = await addEntry(
      ann,
      project.id,
      new Date(Date.now() - 92 * 86_400_000),
      new Date(Date.now() - 91 * 86_400_000),
    );
    const recent = await addEntry(
      ann,
      project.id,
      new Date(Date.now() - 89 * 86_400_000),
      new Date(Date.now() - 88 * 86_400_000),
    );
    const running = (await (await clockIn(ann, project.id)).json()) as { id: number };
    const { events } = await readFeed((await makeFeed(ann)).path);
    const uids = events.map((e) => e.uid);
    expect(uids).toContain(`timelog-${recent.id}@api.test`);
    expect(uids).not.toContain(`timelog-${old.id}@api.test`);
    const timer = events.find((e) => e.uid === `timelog-${running.id}@api.test`);
    expect(timer?.summary).toBe("Gemini (running)");
    expect(Math.abs((timer?.end.toJSDate().getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
  });

  it("HEAD answers the headers only; the answer may be kept privately for minutes, never the token logged", async () => {
    const ann = await createUser();
    const feed = await makeFeed(ann);
    const token = feed.path.slice("/calendar/".length, -".ics".length);
    const logged = [vi.spyOn(console, "log"), vi.spyOn(console, "error"), vi.spyOn(console, "warn")];
    const head = await call("HEAD", feed.path);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(await head.text()).toBe("");
    const res = await call("GET", feed.path);
    expect(res.headers.get("cache-control")).toBe("private, max-age=300");
    await call("GET", `/calendar/${token}x.ics`);
    for (const spy of logged) {
      expect(JSON.stringify(spy.mock.calls)).not.toContain(token.slice(7));
      spy.mockRestore();
    }
  });
});

describe("the edge cache (Cache API)", () => {
  it("the second read is served without the database; a revocation empties it, so the next read misses and is 404", async () => {
    const ann = await createUser();
    const feed = await makeFeed(ann);
    let first = "";
    let second = "";
    expect(await countRoundTrips(async () => (first = (await readFeed(feed.path)).text))).toBe(1);
    expect(await countRoundTrips(async () => (second = (await readFeed(feed.path)).text))).toBe(0);
    expect(second).toBe(first);
    // Only the token's hash names the entry: the cache holds no credential.
    const token = feed.path.slice("/calendar/".length, -".ics".length);
    expect(await caches.default.match(`http://api.test${feed.path}`)).toBeUndefined();
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(await caches.default.match(`http://api.test/calendar/.cache/${hash}`)).toBeDefined();
    await call("DELETE", "/users/me/calendar-feed", { token: ann.token });
    expect(await caches.default.match(`http://api.test/calendar/.cache/${hash}`)).toBeUndefined();
    expect(await countRoundTrips(async () => expectProblem(await call("GET", feed.path), 404))).toBe(1);
  });
});

describe("refusals: every one the same 404", () => {
  it("unknown, malformed, suffix-less and revoked tokens, a deactivated owner", async () => {
    const [ann, bob] = await Promise.all([createUser(), createUser()]);
    const feed = await makeFeed(ann);
    const bodies: string[] = [];
    const refused = async (path: string, trips: number) => {
      let res: Response | undefined;
      expect(await countRoundTrips(async () => (res = await call("GET", path))), path).toBe(trips);
      const problem = await expectProblem(res as Response, 404);
      expect(JSON.stringify(problem)).not.toContain("tl_cal_");
      expect(problem.instance).toBe("/calendar/{token}.ics");
      bodies.push(JSON.stringify({ ...problem, request_id: undefined }));
    };
    // A well-formed token no one holds: one statement, like a real one.
    await refused(`/calendar/tl_cal_${"A".repeat(43)}.ics`, 1);
    // Not even the shape of a token: no database trip at all.
    await refused("/calendar/nonsense.ics", 0);
    await refused(`/calendar/tl_cal_${"A".repeat(43)}`, 0);
    await refused(`/calendar/${feed.path.slice(10, -4)}.ICS`, 0);
    // Bob cannot revoke Ann's feed: his own DELETE finds nothing.
    await expectProblem(await call("DELETE", "/users/me/calendar-feed", { token: bob.token }), 404);
    await readFeed(feed.path);
    // Revoked: 204, then dead (and out of the edge cache the first read filled).
    expect(await countRoundTrips(() => call("DELETE", "/users/me/calendar-feed", { token: ann.token })), "revoke").toBe(
      1,
    );
    await refused(feed.path, 1);
    await expectProblem(await call("DELETE", "/users/me/calendar-feed", { token: ann.token }), 404);
    // Deactivated: the feed ends, and stays ended after reactivation.
    const again = await makeFeed(ann);
    await seedSql("UPDATE app_user SET is_active = false WHERE id = $1", [ann.id]);
    await refused(again.path, 1);
    await seedSql("UPDATE app_user SET is_active = true WHERE id = $1", [ann.id]);
    await refused(again.path, 1);
    expect(new Set(bodies).size).toBe(1);
  });

  it("creating again replaces the feed: the old URL is dead at once, even after it was cached", async () => {
    const ann = await createUser();
    const first = await makeFeed(ann);
    await readFeed(first.path);
    const second = await makeFeed(ann);
    expect(second.path).not.toBe(first.path);
    await expectProblem(await call("GET", first.path), 404);
    await readFeed(second.path);
    // Parallel creations leave one live feed.
    const made = await Promise.all([makeFeed(ann), makeFeed(ann), makeFeed(ann)]);
    const live = await Promise.all(made.map(async (f) => (await call("GET", f.path)).status));
    expect(live.filter((s) => s === 200)).toHaveLength(1);
    const [row] = await seedSql("SELECT count(*)::int AS n FROM calendar_feed WHERE user_fk = $1", [ann.id]);
    expect(row?.n).toBe(1);
  });

  it("no Idempotency-Key on creation (the answer holds the secret); no API token may make one", async () => {
    const ann = await createUser();
    const res = await call("POST", "/users/me/calendar-feed", {
      token: ann.token,
      headers: { "idempotency-key": "k1" },
    });
    expect((await expectProblem(res, 422)).code).toBe("idempotency_unsupported");
    const minted = await call("POST", "/users/me/tokens", {
      token: ann.token,
      body: { name: "t", scopes: ["timelog:read", "timelog:write", "reports:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    expect((await expectProblem(await call("POST", "/users/me/calendar-feed", { token }), 403)).code).toBe(
      "insufficient_scope",
    );
    await expectProblem(await call("POST", "/users/me/calendar-feed"), 401);
  });
});
