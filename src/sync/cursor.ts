// The feed's cursor: opaque to clients (base64url), checked strictly here so that garbage is a 422
// and never reaches SQL. Two phases: "s" walks the snapshot and remembers the xmin it started
// at; "c" reads changes after (xid, rank, key).
import { ApiError } from "../lib/errors";
import type { ChangesAt, SnapshotAt } from "./queries";
import { TYPES } from "./queries";

export type Cursor = { phase: "s"; since: string; at: SnapshotAt } | { phase: "c"; at: ChangesAt };

const XID = "(\\d{1,19})";
const RANK = `(-1|\\d{1,2})`;
const NUM = "(-1|\\d{1,15})";
const SNAPSHOT = new RegExp(`^s\\.${XID}\\.${RANK}\\.${NUM}\\.${NUM}$`);
const CHANGES = new RegExp(
  `^c\\.${XID}\\.${RANK}\\.(|company|\\d{1,10}|\\d{1,10}:\\d{1,10}|\\d{1,10}:\\d{4}-W\\d{2})$`,
);

const invalid = () =>
  new ApiError("validation_failed", "cursor is not a next_cursor this API gave out.", {
    errors: [{ path: "query.cursor", message: "pass back next_cursor unchanged, or leave it out for a snapshot" }],
  });

export const encode = (raw: string) => btoa(raw).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

export const snapshotCursor = (since: string, at: SnapshotAt) => encode(`s.${since}.${at.rank}.${at.a}.${at.b}`);
export const changesCursor = (at: ChangesAt) => encode(`c.${at.xid}.${at.rank}.${at.key}`);

export function decode(cursor: string | undefined): Cursor {
  if (cursor === undefined) return { phase: "s", since: "0", at: { rank: 0, a: "-1", b: "-1" } };
  let raw: string;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw invalid();
    raw = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    throw invalid();
  }
  // xid8 is unsigned 64-bit: 19 digits always fit; ranks name a type (or -1: before the first).
  const s = SNAPSHOT.exec(raw);
  if (s?.[1] && s[2] && s[3] && s[4] && Number(s[2]) < TYPES.length && Number(s[2]) >= 0)
    return { phase: "s", since: s[1], at: { rank: Number(s[2]), a: s[3], b: s[4] } };
  const c = CHANGES.exec(raw);
  if (c?.[1] && c[2] && Number(c[2]) < TYPES.length)
    return { phase: "c", at: { xid: c[1], rank: Number(c[2]), key: c[3] ?? "" } };
  throw invalid();
}
