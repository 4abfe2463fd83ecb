// RFC 4180 CSV, streamed to the client in chunks as rows are formatted.
import type { CsvRow } from "./queries";

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

const ROWS_PER_CHUNK = 500;

export function csvStream(rows: CsvRow[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(`${CSV_HEADER.join(",")}\r\n`));
    },
    pull(controller) {
      const chunk = rows.slice(next, next + ROWS_PER_CHUNK);
      next += chunk.length;
      if (chunk.length) controller.enqueue(encoder.encode(chunk.map((r) => `${csvLine(r)}\r\n`).join("")));
      if (next >= rows.length) controller.close();
    },
  });
}
