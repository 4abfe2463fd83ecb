// `npm run holidays:import -- --region DE-BY --years 2026-2028 [--calendar ID] [--name NAME]
//   [--half-days] [--language de] [--url URL] [--token TOKEN]`
// Fills a holiday calendar with a region's public holidays from the date-holidays dataset, through
// the API (the same checks, lock and audit as any superuser's PUT). URL and token may come from
// TIMELOG_URL and TIMELOG_TOKEN (a superuser's API token with scope admin). Re-runnable.
import { parseArgs } from "node:util";
import { holidayDays, importHolidays } from "./holidays.ts";

const USAGE =
  "usage: npm run holidays:import -- --region DE-BY --years 2026-2028 [--calendar ID] [--name NAME] " +
  "[--half-days] [--language de] [--url URL] [--token TOKEN]";

function fail(message: string): never {
  console.error(`holidays:import: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        region: { type: "string" },
        years: { type: "string" },
        calendar: { type: "string" },
        name: { type: "string" },
        "half-days": { type: "boolean", default: false },
        language: { type: "string" },
        url: { type: "string", default: process.env.TIMELOG_URL },
        token: { type: "string", default: process.env.TIMELOG_TOKEN },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();

const region = values.region ?? fail("--region is required (e.g. DE-BY)");
const span = /^(\d{4})(?:-(\d{4}))?$/.exec(values.years ?? "") ?? fail("--years is YYYY or YYYY-YYYY");
const [first, last] = [Number(span[1]), Number(span[2] ?? span[1])];
if (first < 1970 || last > 9998 || last < first || last - first > 50) fail("--years: at most 51 years in 1970–9998");
const calendar = values.calendar === undefined ? undefined : Number(values.calendar);
if (calendar !== undefined && !(Number.isInteger(calendar) && calendar > 0)) fail("--calendar is a calendar id");
const url = values.url || fail("--url or TIMELOG_URL is required");
const token = values.token || fail("--token or TIMELOG_TOKEN is required (a superuser's API token, scope admin)");

try {
  const years = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const days = holidayDays(region, years, { halfDays: values["half-days"], language: values.language });
  const done = await importHolidays({ base: url, token }, { calendar, name: values.name ?? region, region }, days);
  console.log(
    `calendar ${done.calendar}: ${days.length} days from date-holidays ${region} ${first}–${last}; ` +
      `${done.created.length} added, ${done.replaced.length} already there or updated` +
      (done.locked.length
        ? `, ${done.locked.length} refused and left as they were (closed time: the payroll lock or a submitted/approved week): ${done.locked.join(", ")}`
        : ""),
  );
} catch (e) {
  console.error(`holidays:import: ${(e as Error).message}`);
  process.exit(1);
}
