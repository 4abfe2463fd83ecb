// Calendar feeds as the tests use them: make one, read it, parse it with a real iCalendar parser.
import ICAL from "ical.js";
import { expect } from "vitest";
import { call } from "../helpers/api";
import { seedSql, type TestUser } from "../helpers/factories";

export interface Feed {
  url: string;
  webcal_url: string;
  kind: "person" | "team";
  team_fk: number | null;
  created_at: string;
}

/** POST /users/me/calendar-feed (or a team's), which must succeed. */
export async function makeFeed(who: TestUser, team?: number): Promise<Feed & { path: string }> {
  const res = await call("POST", team ? `/teams/${team}/calendar-feed` : "/users/me/calendar-feed", {
    token: who.token,
  });
  if (res.status !== 201) throw new Error(`feed failed: ${res.status} ${await res.text()}`);
  const feed = (await res.json()) as Feed;
  return { ...feed, path: new URL(feed.url).pathname };
}

export interface Event {
  uid: string;
  summary: string;
  description: string | null;
  start: ICAL.Time;
  end: ICAL.Time;
  status: string;
}

/** The feed's text parsed by ical.js: the calendar's name and its events. */
export function parse(text: string): { name: string; events: Event[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      description: (v.getFirstPropertyValue("description") as string | null) ?? null,
      start: e.startDate,
      end: e.endDate,
      status: String(v.getFirstPropertyValue("status")),
    };
  });
  return { name: String(calendar.getFirstPropertyValue("x-wr-calname")), events };
}

/** GET the feed: 200 with an iCalendar body, parsed. */
export async function readFeed(path: string) {
  const res = await call("GET", path);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
  return { text, ...parse(text) };
}

/** An absence filed straight into the table (the workflow is tested elsewhere). */
export async function absence(
  user: number,
  type: number,
  from: string,
  to: string,
  status: string,
  half?: "am" | "pm",
) {
  const [row] = await seedSql(
    `INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, status, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $1) RETURNING id`,
    [user, type, from, to, half ?? null, status],
  );
  return row?.id as number;
}

/** A date `days` from today (UTC), as YYYY-MM-DD. */
export const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
export const [VACATION, SICK] = [1, 2];
