// RFC 4180 CSV, streamed to the client in chunks as rows are formatted.
import { type CsvAfter, type CsvRow, morePages } from "./csv-queries";

export const CSV_HEADER = [
  "id",
  "user_id",
  "username",
  "position",
  "project_id",
  "project",
  "start",
  "end",
  "duration_seconds",
  "duration_hm",
  "open",
  "note",
];

/** A text cell a spreadsheet would run as a formula is neutralised with a leading apostrophe. */
export function textCell(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function offset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

function hm(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

export function csvLine(r: CsvRow): string {
  const ms = Number(r.duration_ms);
  return [
    String(r.id),
    String(r.user_fk),
    textCell(r.username),
    textCell(r.position),
    String(r.project_fk),
    textCell(r.secret_name),
    `${r.start_local}${offset(r.start_offset)}`,
    r.end_local === null || r.end_offset === null ? "" : `${r.end_local}${offset(r.end_offset)}`,
    String(ms / 1000),
    hm(ms),
    r.open ? "true" : "false",
    textCell(r.note),
  ].join(",");
}

/**
 * The CSV as a stream: the first page (read before the response started, so errors could still be
 * problem+json), then each next page as the client reads on. A page that fails after the headers
 * went out aborts the stream: a truncated export must not look complete.
 */
export function csvStream(
  first: CsvRow[],
  nextPage: (after: CsvAfter) => Promise<CsvRow[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page = first;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(`${CSV_HEADER.join(",")}\r\n`));
    },
    async pull(controller) {
      if (page.length) controller.enqueue(encoder.encode(page.map((r) => `${csvLine(r)}\r\n`).join("")));
      const last = page.at(-1);
      if (!last || !morePages(page)) return controller.close();
      page = await nextPage({ start: last.start_key, id: last.id });
      if (!page.length) controller.close();
    },
  });
}
