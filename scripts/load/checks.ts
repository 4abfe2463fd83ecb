// What must hold after the load, asked of the database (invariants, acknowledged writes present,
// writes answered 503 absent) and of the responses (5xx only as 503s during faults, no hang); then
// the fuzz suite as one more check.
import { spawnSync } from "node:child_process";
import type autocannon from "autocannon";
import type { Stack } from "../bench/stack.ts";
import { INVARIANTS_SQL } from "../invariants.ts";
import { tallies } from "./faults.ts";
import { FUZZ_RUNS, ROOT } from "./options.ts";
import { abandoned, acknowledged } from "./workload.ts";

/** A check's name, whether it passed, and what was found. */
export type Check = [string, boolean, string];

export async function checkAfterLoad(stack: Stack, result: autocannon.Result): Promise<Check[]> {
  const [inv] = (await stack.sql.query(INVARIANTS_SQL)) as Record<string, number>[];
  const created = [...acknowledged.created];
  const [found] = (await stack.sql.query(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE id = ANY($2::int[]) AND end_time IS NULL)::int AS reopened
     FROM timelog WHERE id = ANY($1::int[])`,
    [`{${created.join(",")}}`, `{${[...acknowledged.closed].join(",")}}`],
  )) as { n: number; reopened: number }[];
  const noteRows = (await stack.sql.query("SELECT id, note FROM timelog WHERE id = ANY($1::int[])", [
    `{${[...acknowledged.notes.keys()].join(",")}}`,
  ])) as { id: number; note: string }[];
  const wrongNotes = noteRows.filter((r) => r.note !== acknowledged.notes.get(r.id)).length;
  const [left] = (await stack.sql.query(
    `SELECT (SELECT count(*) FROM idempotency_key WHERE key = ANY($1::text[]))::int AS keys,
            (SELECT count(*) FROM timelog WHERE note = ANY($2::text[]))::int AS notes`,
    [[...abandoned.keys], [...abandoned.notes]],
  )) as { keys: number; notes: number }[];
  const all5xx = [...tallies.values()].flatMap((t) => t.bad5xx);
  const down = tallies.get("down")?.statuses ?? new Map();
  const recovered = tallies.get("recovered")?.statuses ?? new Map();
  const count = (m: Map<string, number>, re: RegExp) =>
    [...m].filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0);
  return [
    [
      "no 5xx except 503 + Retry-After problems for requests in flight during a fault",
      all5xx.length === 0,
      all5xx.length ? `${all5xx.length} outside the fault windows, e.g. ${all5xx.slice(0, 3).join("; ")}` : "none",
    ],
    ["no request hung past the database timeout", result.timeouts === 0, `${result.timeouts} timeouts`],
    ["no overlapping logs", inv?.overlaps === 0, String(inv?.overlaps)],
    ["at most one open log per user", inv?.multi_open === 0, String(inv?.multi_open)],
    ["no log ends before it starts", inv?.backwards === 0, String(inv?.backwards)],
    ["no change to a log in a week after it was submitted", inv?.locked_changes === 0, String(inv?.locked_changes)],
    [
      "no audit event missing: every log's last audited state is its state, every deletion audited",
      inv?.audit_missing === 0,
      String(inv?.audit_missing),
    ],
    ["every audit chain verifies", inv?.broken_chains === 0, String(inv?.broken_chains)],
    ["every tag a log carries exists", inv?.dangling_tags === 0, String(inv?.dangling_tags)],
    ["every rate's span ends where the next begins", inv?.stale_rate_spans === 0, String(inv?.stale_rate_spans)],
    [
      "every acknowledged clock-in/switch is in the database",
      found?.n === created.length,
      `${found?.n} of ${created.length}`,
    ],
    ["every acknowledged close is still closed", found?.reopened === 0, `${found?.reopened} reopened`],
    [
      "every acknowledged edit is in the database",
      wrongNotes === 0,
      `${noteRows.length - wrongNotes} of ${noteRows.length}`,
    ],
    [
      "every write answered 503 left nothing behind (no idempotency key, no row with its note)",
      left?.keys === 0 && left?.notes === 0,
      `${abandoned.keys.size} writes answered 503; ${left?.keys} keys and ${left?.notes} rows left`,
    ],
    [
      "the mid-transaction slow phase answered writes with 503",
      abandoned.keys.size > 0,
      `${abandoned.keys.size} × 503 on writes`,
    ],
    ["the database outage was answered with 503s", count(down, / 503$/) > 0, `${count(down, / 503$/)} × 503`],
    [
      "the service recovered by itself",
      count(recovered, / 2\d\d$/) > 0,
      `${count(recovered, / 2\d\d$/)} × 2xx after the faults`,
    ],
  ];
}

/** The full fuzz suite (`npm run fuzz`) at the run's size, as one check. */
export function fuzzCheck(): Check {
  const fuzz = spawnSync("npx", ["vitest", "run", "test/fuzz"], {
    cwd: ROOT,
    env: { ...process.env, FUZZ_RUNS: String(FUZZ_RUNS) },
    encoding: "utf8",
  });
  const fuzzLine = /fuzz: .*/.exec(fuzz.stdout + fuzz.stderr)?.[0] ?? "no summary line";
  return ["fuzz: no 5xx, 4xx are problem+json, rejected requests change nothing", fuzz.status === 0, fuzzLine];
}
