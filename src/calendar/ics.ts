// iCalendar (RFC 5545) text from a feed the database built (calendar_feed_json, 0050): the
// database decides what is in it and formats the instants; this writes the lines.

/** One event as calendar_feed_json() builds it: times already in iCalendar form (UTC or DATE). */
export interface FeedEvent {
  uid: string;
  /** Timed events: UTC DATE-TIMEs (`20261207T083000Z`). */
  start?: string;
  end?: string;
  /** All-day events: the first DATE and the day after the last (DTEND is exclusive, §3.6.1). */
  date?: string;
  end_date?: string;
  summary: string;
  description: string | null;
  status: "CONFIRMED" | "TENTATIVE";
  stamp: string;
}

export interface Feed {
  name: string;
  events: FeedEvent[];
}

/**
 * TEXT values (§3.3.11): backslash, semicolon and comma escaped, line breaks as `\n`; other
 * control characters, which TEXT may not hold, dropped.
 */
export function escapeText(value: string): string {
  return (
    value
      .replace(/[\\;,]/g, (ch) => `\\${ch}`)
      .replace(/\r\n|\r|\n/g, "\\n")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "")
  );
}

const encoder = new TextEncoder();

/**
 * A content line folded so that no line is longer than 75 octets (§3.1): each continuation starts
 * with one space. Cut only between characters, never inside a UTF-8 sequence (or a surrogate pair).
 */
export function fold(line: string): string {
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let size = 0;
  // The first line holds 75 octets; each continuation 74 after its leading space.
  let room = 75;
  for (const ch of line) {
    const n = encoder.encode(ch).length;
    if (size + n > room) {
      parts.push(current);
      current = "";
      size = 0;
      room = 74;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** The feed as an iCalendar object: CRLF line ends, folded lines, one VEVENT per event. */
export function toIcs(feed: Feed, host: string): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//TimeLog//TimeLog API//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(feed.name)}`,
    // Hints for clients that poll (Apple, Outlook); Google polls on its own schedule.
    "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    "X-PUBLISHED-TTL:PT1H",
  ];
  for (const e of feed.events) {
    lines.push("BEGIN:VEVENT", `UID:${e.uid}@${host}`, `DTSTAMP:${e.stamp}`);
    if (e.date !== undefined && e.end_date !== undefined) {
      lines.push(`DTSTART;VALUE=DATE:${e.date}`, `DTEND;VALUE=DATE:${e.end_date}`, "TRANSP:TRANSPARENT");
    } else {
      lines.push(`DTSTART:${e.start}`, `DTEND:${e.end}`);
    }
    lines.push(`SUMMARY:${escapeText(e.summary)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    lines.push(`STATUS:${e.status}`, `LAST-MODIFIED:${e.stamp}`, "END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
