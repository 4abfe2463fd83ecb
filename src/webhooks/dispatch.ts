// Delivery, outside any request's round trip: right after a response whose write queued events
// (waitUntil), and from the Cron Trigger for retries. At least once: a receiver deduplicates by
// `webhook-id`. In order per endpoint: one dispatcher holds an endpoint's lease at a time, posts its
// pending deliveries oldest first, and stops at the first failure (the rest wait behind it).
// Fair between endpoints: claims take the least recently served first, a pass posts round robin
// over six lanes, and each endpoint gets at most PER_ENDPOINT posts a pass.
import { type Compilable, sql } from "kysely";
import type { Config } from "../config";
import { batch, type Db, single } from "../db/client";
import { webhookSignature } from "../lib/webhook-signature";
import { noteAfterTick, tickHasWork } from "./signal";
import { allowedUrl } from "./url";

interface Claimed {
  lease: string;
  endpoint_id: number;
  url: string;
  secrets: string[];
  delivery_id: string;
  event_id: string;
  type: string;
  data: unknown;
  occurred_at: string;
  due: boolean;
}
interface Outcome {
  id: string;
  ok: boolean;
  code: number | null;
  error: string | null;
}

/** A receiver gets this long to answer one delivery. */
const POST_TIMEOUT_MS = 10_000;
/** No post of a pass starts later than this after its claim: with its timeout, inside the 60 s lease. */
const PASS_MS = 5_000;
/** Posts at once: an invocation has at most 6 connections open (more would only wait for one). */
const LANES = 6;
/** Endpoints per claim (of at most 50), and each one's deliveries per pass: none takes a whole pass. */
const CLAIM_ENDPOINTS = 25;
const PER_ENDPOINT = 20;
/**
 * Subrequests (posts and database round trips) per invocation: Workers Paid allowed 1,000 per
 * invocation (10,000 since 2025); Free's 50 is not a target. What is left waits for the next one.
 */
const MAX_SUBREQUESTS = 950;

/** Any failure without an HTTP answer reads the same: no oracle for which ports are open. */
const NO_ANSWER = "connection failed (no HTTP response)";

async function post(d: Claimed, settings: Config): Promise<Outcome> {
  if (!allowedUrl(d.url, settings)) return { id: d.delivery_id, ok: false, code: null, error: "URL not allowed" };
  const id = `msg_${d.event_id}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: d.type, timestamp: d.occurred_at, data: d.data });
  // A timer cleared when the post ends (AbortSignal.timeout's would stay set for the full 10 s,
  // and an invocation may have at most 10,000 timers set at once).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), POST_TIMEOUT_MS);
  try {
    const res = await fetch(d.url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: timeout.signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "TimeLog-Webhooks/1",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await webhookSignature(d.secrets, id, timestamp, body),
      },
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { id: d.delivery_id, ok, code: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch {
    return { id: d.delivery_id, ok: false, code: null, error: NO_ANSWER };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One pass over the claimed endpoints, round robin, one post at a time per endpoint: a lane takes
 * the endpoint at the head of the queue, posts its next delivery, and puts it back at the tail.
 * An endpoint is in at most one lane, so its deliveries go in order; it leaves the pass at its
 * first failure or first delivery not yet due. A slow receiver holds one lane, never the others.
 */
async function deliverPass(claimed: Claimed[], settings: Config, deadline: number, budget: Budget) {
  const queue = [...Map.groupBy(claimed, (d) => d.endpoint_id).values()];
  const outcomes: Outcome[] = [];
  const lane = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const d = next.shift();
      if (!d?.due || Date.now() > deadline || budget.left <= 0) continue;
      budget.left -= 1;
      const outcome = await post(d, settings);
      outcomes.push(outcome);
      if (outcome.ok && next.length > 0) queue.push(next);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  return outcomes;
}

interface Budget {
  left: number;
}
/** What one invocation may still spend: shared by every pass it runs. */
const invocationBudget = (): Budget => ({ left: MAX_SUBREQUESTS });

const claim = ({ db }: Db) =>
  db.selectFrom(sql<Claimed>`webhook_claim(${CLAIM_ENDPOINTS}::int, ${PER_ENDPOINT}::int)`.as("c")).selectAll();
const record = ({ db }: Db, lease: string, outcomes: Outcome[]) =>
  db.selectNoFrom(sql<number>`webhook_record(${lease}::uuid, ${JSON.stringify(outcomes)}::jsonb)`.as("recorded"));

/** One statement on its own: no transaction. */
function alone<R>(database: Db, query: Compilable<R>): Promise<R[]> {
  const { sql: text, parameters } = query.compile();
  return single<R>(database, text, parameters);
}

/** Every claimed endpoint sent all it had, and had less than a full share: nothing was left. */
function drained(claimed: Claimed[], outcomes: Outcome[]): boolean {
  const counts = [...Map.groupBy(claimed, (d) => d.endpoint_id).values()].map((ds) => ds.length);
  return (
    counts.length < CLAIM_ENDPOINTS &&
    counts.every((n) => n < PER_ENDPOINT) &&
    outcomes.length === claimed.length &&
    outcomes.every((o) => o.ok)
  );
}

/**
 * Delivers what is due until nothing is, the time is up (no post starts after it) or the
 * invocation's subrequests are spent; returns deliveries attempted. A pass claims, posts and
 * records; recording a pass and claiming the next share one round trip (one transaction), so a
 * drain of n passes costs n + 1 round trips. A pass cut off loses nothing: its lease expires and
 * its deliveries are posted again.
 */
export async function deliverDue(database: Db, settings: Config, budgetMs: number, budget = invocationBudget()) {
  const until = Date.now() + budgetMs;
  let attempted = 0;
  if (budget.left <= 1 || budgetMs <= 0) return 0;
  budget.left -= 1;
  let claimed = await alone(database, claim(database));
  while (claimed[0] !== undefined) {
    const lease = claimed[0].lease;
    const outcomes = await deliverPass(claimed, settings, Math.min(until, Date.now() + PASS_MS), budget);
    attempted += outcomes.length;
    budget.left -= 1;
    const last = outcomes.length === 0 || Date.now() >= until || budget.left <= 1 || drained(claimed, outcomes);
    if (last) {
      await alone(database, record(database, lease, outcomes));
      break;
    }
    [, claimed] = await batch(database, [record(database, lease, outcomes), claim(database)]);
  }
  return attempted;
}

/** When the next pending delivery of an endpoint that is not paused is due (null: none). */
const PRUNE_AND_NEXT = `SELECT webhook_prune() IS NULL AS pruned, (SELECT api_time(min(d.next_attempt_at))
  FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_fk
  WHERE d.status = 'pending' AND e.status <> 'paused') AS next_due`;

/**
 * The Cron Trigger's work: retries that are due, then old events pruned — only when the KV note
 * says something is due, or for the hourly recovery check (src/webhooks/signal.ts): an idle tick
 * makes no database round trip.
 */
export async function scheduledWork(database: Db, settings: Config, kv?: KVNamespace): Promise<void> {
  try {
    const { work, seen } = await tickHasWork(kv);
    if (!work) return;
    // Cron Triggers may run for minutes; posts start within 50 s, so one run ends near the next.
    await deliverDue(database, settings, 50_000);
    const [row] = await single<{ next_due: string | null }>(database, PRUNE_AND_NEXT, []);
    await noteAfterTick(kv, seen, row?.next_due ?? null);
  } catch (err) {
    console.error("scheduled webhook work", err);
  }
}

/**
 * One after-response dispatcher per isolate at a time. A write that queues events while one runs
 * asks it for one more pass instead of starting another: under a burst of writes every dispatcher
 * raced for the same endpoint's lease (a row lock and three round trips each, most of them finding
 * the lease taken), which the load measured as 40% more database requests. A dispatcher older than
 * waitUntil's 30 s is taken to be gone (its request's context ended); the Cron Trigger delivers
 * whatever no pass reached.
 */
const dispatcher = { since: 0, again: false };

/** After a response: deliver what the write queued, within waitUntil's time after a response. */
export async function deliverSoon(database: Db, settings: Config): Promise<void> {
  if (Date.now() - dispatcher.since < 30_000) {
    dispatcher.again = true;
    return;
  }
  const since = Date.now();
  dispatcher.since = since;
  try {
    // waitUntil gets 30 s after the response: posts start within 15 s and time out after 10.
    const budget = invocationBudget();
    do {
      dispatcher.again = false;
      await deliverDue(database, settings, since + 15_000 - Date.now(), budget);
    } while (dispatcher.again && Date.now() < since + 15_000);
  } catch (err) {
    console.error("webhook delivery", err);
  } finally {
    if (dispatcher.since === since) dispatcher.since = 0;
  }
}
