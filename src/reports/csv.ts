// RFC 4180 CSV, streamed to the client a page of PostgreSQL-written lines at a time.
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
  "duration_ms",
  "duration_hm",
  "open",
  "note",
  "client",
  "task",
  "tags",
  "billable",
];

/** The header for what the caller may see: rate and amount (managers, superusers), cost (superusers). */
export const csvHeader = (money: { billable: boolean; cost: boolean }) => [
  ...CSV_HEADER,
  ...(money.billable ? ["rate", "amount"] : []),
  ...(money.cost ? ["cost"] : []),
];

/**
 * The CSV as a stream: the first page (read before the response started, so errors could still be
 * problem+json), then each next page as the client reads on. A page that fails after the headers
 * went out aborts the stream: a truncated export must not look complete.
 */
export function csvStream(
  header: string[],
  first: CsvRow[],
  nextPage: (after: CsvAfter) => Promise<CsvRow[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page = first;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(`${header.join(",")}\r\n`));
    },
    async pull(controller) {
      // The lines are PostgreSQL's (migrations/0009_csv.sql): joined, never parsed or re-encoded.
      if (page.length) controller.enqueue(encoder.encode(`${page.map((r) => r.line).join("\r\n")}\r\n`));
      const last = page.at(-1);
      if (!last || !morePages(page)) return controller.close();
      page = await nextPage({ start: last.start_key, id: last.id });
      if (!page.length) controller.close();
    },
  });
}
