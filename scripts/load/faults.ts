// The faults the load injects (the database unreachable, then slower than the worker's deadline
// mid-transaction) on a timer, and every response sorted by the phase it was sent in: a 5xx is
// acceptable only as a 503 problem with Retry-After for a request in flight while the database
// was really faulty.
import type { Stack } from "../bench/stack.ts";
import { DB_TIMEOUT_MS, DOWN, log, SLOW } from "./options.ts";

export type Phase = "normal" | "down" | "slow" | "recovered";
export interface Tally {
  statuses: Map<string, number>;
  bad5xx: string[];
}
export const tallies = new Map<Phase, Tally>();
function tally(phase: Phase): Tally {
  let t = tallies.get(phase);
  if (!t) {
    t = { statuses: new Map(), bad5xx: [] };
    tallies.set(phase, t);
  }
  return t;
}

let loadStart = 0;
/** The load's time zero, which the fault windows and phases count from. */
export function startClock() {
  loadStart = Date.now();
}
/** The phase a request was sent in. */
const phaseAt = (sentAt: number): Phase => {
  const t = (sentAt - loadStart) / 1000;
  if (t >= DOWN[0] && t < DOWN[1]) return "down";
  if (t >= SLOW[0] && t < SLOW[1]) return "slow";
  return t >= SLOW[1] + 3 ? "recovered" : "normal";
};
/**
 * When the database was really faulty (ms since epoch): from when a fault was asked for until its
 * clearing took effect, plus the delay still held by requests that arrived before that.
 */
const faultWindows: [number, number][] = [];
const overlapsFault = (sentAt: number) => {
  const now = Date.now();
  return faultWindows.some(([from, to]) => sentAt < to && now > from);
};
async function fault(stack: Stack, f: { down?: boolean; delayMs?: number; commitDelayMs?: number }, holdMs: number) {
  const window: [number, number] = [Date.now(), Number.POSITIVE_INFINITY];
  faultWindows.push(window);
  await stack.faults(f);
  return async () => {
    await stack.faults({ down: false, delayMs: 0, commitDelayMs: 0 });
    window[1] = Date.now() + holdMs + 200;
  };
}

/** Faults on a timer while the load runs; the returned function cancels what has not fired yet. */
export function scheduleFaults(stack: Stack): () => void {
  let clear: (() => Promise<void>) | undefined;
  const timers = [
    setTimeout(async () => {
      clear = await fault(stack, { down: true }, 0);
      log("fault: database unreachable");
    }, DOWN[0] * 1000),
    setTimeout(async () => {
      await clear?.();
      log("fault cleared");
    }, DOWN[1] * 1000),
    setTimeout(async () => {
      // Statements run, then the batch is held before COMMIT past the worker's deadline.
      clear = await fault(stack, { commitDelayMs: DB_TIMEOUT_MS + 1000 }, DB_TIMEOUT_MS + 1000);
      log("fault: database slower than the timeout, mid-transaction");
    }, SLOW[0] * 1000),
    setTimeout(async () => {
      await clear?.();
      log("fault cleared");
    }, SLOW[1] * 1000),
  ];
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}

export function record(
  method: string,
  route: string,
  status: number,
  text: string,
  context: { sentAt?: number },
  raw: Record<string, string>,
) {
  const headers = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
  const sentAt = context.sentAt ?? Date.now();
  const t = tally(phaseAt(sentAt));
  const key = `${method} ${route} ${status}`;
  t.statuses.set(key, (t.statuses.get(key) ?? 0) + 1);
  if (status >= 500) {
    const proper =
      status === 503 && headers["content-type"] === "application/problem+json" && Number(headers["retry-after"]) > 0;
    if (!proper || !overlapsFault(sentAt)) {
      const at = (ms: number) => ((ms - loadStart) / 1000).toFixed(2);
      t.bad5xx.push(`${key} (sent ${at(sentAt)} s, answered ${at(Date.now())} s): ${text.slice(0, 120)}`);
    }
  }
}
