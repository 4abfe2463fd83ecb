// A person's reminder emails, per kind: GET/PATCH /users/me/notifications (one round trip each),
// and the three reminder templates (plain text and HTML, times in the person's zone, links into
// PUBLIC_APP_URL without tokens).
import { describe, expect, it } from "vitest";
import { templates } from "../../src/email/templates";
import { call, countRoundTrips, expectProblem } from "../helpers/api";
import { createUser, type TestUser } from "../helpers/factories";

/** An API token that may read reports only. */
async function mintReportsOnly(who: TestUser) {
  const res = await call("POST", "/users/me/tokens", {
    token: who.token,
    body: { name: "r", scopes: ["reports:read"] },
  });
  return ((await res.json()) as { token: string }).token;
}

const ALL_ON = { timer_forgotten: true, timesheet_overdue: true, absence_pending: true };

describe("GET/PATCH /users/me/notifications", () => {
  it("every kind is on until turned off; a change answers the whole object; one round trip each", async () => {
    const [ann, bob] = [await createUser(), await createUser()];
    let res: Response | undefined;
    expect(
      await countRoundTrips(async () => {
        res = await call("GET", "/users/me/notifications", { token: ann.token });
      }),
    ).toBe(1);
    expect(res?.status).toBe(200);
    expect(await res?.json()).toEqual(ALL_ON);

    expect(
      await countRoundTrips(async () => {
        res = await call("PATCH", "/users/me/notifications", { token: ann.token, body: { timer_forgotten: false } });
      }),
    ).toBe(1);
    expect(res?.status).toBe(200);
    expect(await res?.json()).toEqual({ ...ALL_ON, timer_forgotten: false });

    // A second change keeps the first; another person's settings are their own.
    const again = await call("PATCH", "/users/me/notifications", {
      token: ann.token,
      body: { absence_pending: false, timesheet_overdue: true },
    });
    expect(await again.json()).toEqual({ timer_forgotten: false, timesheet_overdue: true, absence_pending: false });
    const read = await call("GET", "/users/me/notifications", { token: ann.token });
    expect(await read.json()).toEqual({ timer_forgotten: false, timesheet_overdue: true, absence_pending: false });
    expect(await (await call("GET", "/users/me/notifications", { token: bob.token })).json()).toEqual(ALL_ON);

    // An empty change changes nothing and answers the settings.
    const none = await call("PATCH", "/users/me/notifications", { token: bob.token, body: {} });
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual(ALL_ON);
  });

  it("refuses unknown kinds and values that are not booleans (422), and callers without a login", async () => {
    const ann = await createUser();
    await expectProblem(
      await call("PATCH", "/users/me/notifications", {
        token: ann.token,
        body: { user_fk: 1, timer_forgotten: false },
      }),
      422,
    );
    await expectProblem(
      await call("PATCH", "/users/me/notifications", { token: ann.token, body: { timer_forgotten: "no" } }),
      422,
    );
    await expectProblem(await call("GET", "/users/me/notifications", {}), 401);
    // An API token needs timelog:read to read them and timelog:write to change them (403).
    const minted = await call("POST", "/users/me/tokens", {
      token: ann.token,
      body: { name: "reports", scopes: ["reports:read", "timelog:read"] },
    });
    const { token } = (await minted.json()) as { token: string };
    const denied = await call("GET", "/users/me/notifications", { token: await mintReportsOnly(ann) });
    expect((await expectProblem(denied, 403)).code).toBe("insufficient_scope");
    expect(await (await call("GET", "/users/me/notifications", { token })).json()).toEqual(ALL_ON);
    const readOnly = await call("PATCH", "/users/me/notifications", { token, body: { timer_forgotten: false } });
    expect((await expectProblem(readOnly, 403)).code).toBe("insufficient_scope");
    await expectProblem(await call("PATCH", "/users/me/notifications", { body: { timer_forgotten: false } }), 401);
    // Nothing changed.
    expect(await (await call("GET", "/users/me/notifications", { token: ann.token })).json()).toEqual(ALL_ON);
  });
});

describe("reminder templates", () => {
  const ctx = { appUrl: "https://app.example.com", secret: null, to: "ann@example.com" };

  it("timer_forgotten: the start in the person's zone, a link to the timer", () => {
    const mail = templates.timer_forgotten?.(
      { time_log_fk: 7, started_local: "2026-12-07 08:15", time_zone: "Europe/Berlin", hours: 11 },
      ctx,
    );
    expect(mail?.text).toContain("2026-12-07 08:15 (Europe/Berlin)");
    expect(mail?.text).toContain("https://app.example.com/timer");
    expect(mail?.html).toContain('href="https://app.example.com/timer"');
    expect(mail?.text).not.toContain("#token");
  });

  it("timesheet_overdue: the week, the deadline in the person's zone, a link to the week", () => {
    const mail = templates.timesheet_overdue?.(
      { week: "2026-W49", status: "rejected", due_local: "2026-12-07 12:00", time_zone: "Asia/Tokyo" },
      ctx,
    );
    expect(mail?.subject).toBe("Timesheet 2026-W49 is overdue");
    expect(mail?.text).toContain("sent back");
    expect(mail?.text).toContain("2026-12-07 12:00 (Asia/Tokyo)");
    expect(mail?.text).toContain("https://app.example.com/timesheets/2026-W49");
  });

  it("absence_pending: a name cannot inject a header or markup", () => {
    const mail = templates.absence_pending?.(
      {
        absence_fk: 123,
        person: "Eve\r\nBcc: all@example.com <b>",
        from: "2027-03-02",
        to: "2027-03-02",
        requested_local: "2027-03-01 09:00",
        time_zone: "UTC",
      },
      ctx,
    );
    expect(mail?.subject).not.toMatch(/[\r\n]/);
    expect(mail?.html).not.toContain("<b>");
    expect(mail?.html).toContain("&lt;b&gt;");
    expect(mail?.text).toContain("https://app.example.com/absences/123");
  });
});
