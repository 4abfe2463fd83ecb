// Public holidays from the date-holidays dataset (a maintained, dated source), written through the
// API: the library of `npm run holidays:import` (scripts/holidays-import.ts). Node only: the
// worker never imports date-holidays (src/ does not name it; the bundle stays small).
import Holidays from "date-holidays";

export interface Day {
  date: string;
  name: string;
  half_day: boolean;
}

export interface DatasetOptions {
  /** Also take the dataset's "bank" days that begin in the afternoon (DE: 24 and 31 December) as half days. */
  halfDays?: boolean;
  /** The names' language (ISO 639-1); the region's own language when not given. */
  language?: string;
}

/**
 * The public holidays of a region ("DE-BY", "AT", "US-CA") in the given years, one per date.
 * Only the dataset's type "public" counts as a day off: "bank", "optional", "school" and
 * "observance" days are not public holidays (DE's 24th and 31st are "bank" from 14:00), so they
 * come only with halfDays, and then as half days.
 */
export function holidayDays(region: string, years: number[], opts: DatasetOptions = {}): Day[] {
  const [country = "", state, place] = region.split("-");
  const hd = new Holidays();
  const known =
    hd.getCountries()[country] !== undefined &&
    (state === undefined || hd.getStates(country)?.[state] !== undefined) &&
    (place === undefined || hd.getRegions(country, state ?? "")?.[place] !== undefined);
  if (!known) throw new Error(`date-holidays does not know the region ${region}`);
  hd.init(country, state ?? "", place ?? "", opts.language ? { languages: [opts.language] } : {});
  const byDate = new Map<string, Day>();
  for (const year of years) {
    for (const h of hd.getHolidays(year)) {
      const date = h.date.slice(0, 10);
      const afternoon = h.date.slice(11) !== "00:00:00";
      const half = opts.halfDays === true && h.type === "bank" && afternoon;
      if (h.type !== "public" && !half) continue;
      const seen = byDate.get(date);
      // Two holidays on one date: one day off, both names; a full day wins over a half.
      const name = seen ? `${seen.name} / ${h.name}`.slice(0, 100) : h.name.slice(0, 100);
      byDate.set(date, { date, name, half_day: (seen?.half_day ?? true) && half });
    }
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}

export interface Api {
  /** The API's base URL, e.g. https://timelog.example.com */
  base: string;
  /** A superuser's API token with scope admin. */
  token: string;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface Imported {
  calendar: number;
  created: string[];
  replaced: string[];
  /**
   * Dates in closed time whose holiday would change: before the payroll lock or inside a submitted or
   * approved week of someone on the calendar. Left as they are (409 period_locked).
   */
  locked: string[];
}

/** One API call; 429 and 503 are retried after their Retry-After, anything else unexpected throws. */
async function request(api: Api, method: string, path: string, body?: unknown): Promise<Response> {
  const send = api.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  for (let attempt = 1; ; attempt++) {
    const res = await send(`${api.base.replace(/\/+$/, "")}${path}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if ((res.status !== 429 && res.status !== 503) || attempt >= 5) return res;
    const wait = Number(res.headers.get("retry-after") ?? "2");
    await new Promise((r) => setTimeout(r, Math.min(Math.max(wait, 1), 30) * 1000));
  }
}

async function failed(res: Response, what: string): Promise<never> {
  throw new Error(`${what}: ${res.status} ${await res.text()}`);
}

/** The calendar of that name, if there is one (reads every page: calendars are few). */
async function calendarNamed(api: Api, name: string): Promise<number | undefined> {
  let cursor: string | null = null;
  do {
    const res = await request(api, "GET", `/holiday-calendars?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    if (!res.ok) await failed(res, "listing holiday calendars");
    const page = (await res.json()) as { items: { id: number; name: string }[]; next_cursor: string | null };
    const found = page.items.find((c) => c.name === name);
    if (found) return found.id;
    cursor = page.next_cursor;
  } while (cursor);
  return undefined;
}

/** The calendar to fill: the one given, else the one named (created when missing). */
async function targetCalendar(api: Api, target: { calendar?: number; name: string; region: string }) {
  if (target.calendar !== undefined) {
    const res = await request(api, "GET", `/holiday-calendars/${target.calendar}`);
    if (!res.ok) await failed(res, `holiday calendar ${target.calendar}`);
    return target.calendar;
  }
  const existing = await calendarNamed(api, target.name);
  if (existing !== undefined) return existing;
  const res = await request(api, "POST", "/holiday-calendars", { name: target.name, region: target.region });
  if (res.status === 201) return ((await res.json()) as { id: number }).id;
  // Created meanwhile by another run: use it.
  const raced = res.status === 409 ? await calendarNamed(api, target.name) : undefined;
  return raced ?? failed(res, "creating the holiday calendar");
}

/**
 * PUTs each day into the calendar. Re-runnable: a day already as the dataset says changes
 * nothing (200, not audited); a renamed one is replaced. Days the dataset no longer lists are
 * left alone (an operator may have added company days by hand).
 */
export async function importHolidays(
  api: Api,
  target: { calendar?: number; name: string; region: string },
  days: Day[],
): Promise<Imported> {
  const calendar = await targetCalendar(api, target);
  const done: Imported = { calendar, created: [], replaced: [], locked: [] };
  for (const day of days) {
    const res = await request(api, "PUT", `/holiday-calendars/${calendar}/days/${day.date}`, {
      name: day.name,
      half_day: day.half_day,
    });
    if (res.status === 201) done.created.push(day.date);
    else if (res.status === 200) done.replaced.push(day.date);
    else if (res.status === 409 && ((await res.clone().json()) as { code?: string }).code === "period_locked") {
      done.locked.push(day.date);
    } else await failed(res, `PUT ${day.date}`);
  }
  return done;
}
