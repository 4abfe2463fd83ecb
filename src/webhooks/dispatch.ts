// Delivery, outside any request's round trip: right after a response whose write queued events
// (waitUntil), and from the Cron Trigger for retries. At least once: a receiver deduplicates by
// `webhook-id`. In order per endpoint: one dispatcher holds an endpoint's lease at a time, posts its
// pending deliveries oldest first, and stops at the first failure (the rest wait behind it).
import { type Db, single } from "../db/client";
import { webhookSignature } from "../lib/webhook-signature";
import type { Settings } from "../settings";
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
/** No post starts later than this after a claim: with its timeout it ends inside the 60 s lease. */
const LEASE_BUDGET_MS = 40_000;
/**
 * Posts per invocation. Workers Paid allows 10,000 subrequests per invocation (Free: 50, which
 * this does not target); a claim takes at most 5 endpoints × 10 deliveries, so a round's posts
 * stay within the 6 connections a Worker may have waiting at once, near enough.
 */
const MAX_POSTS = 200;

async function post(d: Claimed, settings: Settings): Promise<Outcome> {
  if (!allowedUrl(d.url, settings)) return { id: d.delivery_id, ok: false, code: null, error: "URL not allowed" };
  const id = `msg_${d.event_id}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: d.type, timestamp: d.occurred_at, data: d.data });
  try {
    const res = await fetch(d.url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
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
  } catch (err) {
    return { id: d.delivery_id, ok: false, code: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** One endpoint's claimed deliveries, in order, until one fails, one is not yet due, or time is up. */
async function deliverInOrder(deliveries: Claimed[], settings: Settings, deadline: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const d of deliveries) {
    if (!d.due || Date.now() > deadline) break;
    const outcome = await post(d, settings);
    outcomes.push(outcome);
    if (!outcome.ok) break;
  }
  return outcomes;
}

/**
 * Delivers what is due until nothing is, the budget is spent (no post starts after it) or the
 * post cap is reached; returns deliveries attempted. Each round claims, posts and records, so a
 * round cut off loses nothing: its lease expires and the deliveries are posted again.
 */
export async function deliverDue(database: Db, settings: Settings, budgetMs: number): Promise<number> {
  const until = Date.now() + budgetMs;
  let attempted = 0;
  while (Date.now() < until && attempted < MAX_POSTS) {
    const claimed = await single<Claimed>(database, "SELECT * FROM webhook_claim()", []);
    const lease = claimed[0]?.lease;
    if (lease === undefined) break;
    const deadline = Math.min(until, Date.now() + LEASE_BUDGET_MS);
    const byEndpoint = Map.groupBy(claimed, (d) => d.endpoint_id);
    const outcomes = (
      await Promise.all([...byEndpoint.values()].map((ds) => deliverInOrder(ds, settings, deadline)))
    ).flat();
    await single(database, "SELECT webhook_record($1::uuid, $2::jsonb)", [lease, JSON.stringify(outcomes)]);
    attempted += outcomes.length;
  }
  return attempted;
}

/** The Cron Trigger's work: retries that are due, then old events pruned. */
export async function scheduledWork(database: Db, settings: Settings): Promise<void> {
  try {
    await deliverDue(database, settings, 40_000);
    await single(database, "SELECT webhook_prune()", []);
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
export async function deliverSoon(database: Db, settings: Settings): Promise<void> {
  if (Date.now() - dispatcher.since < 30_000) {
    dispatcher.again = true;
    return;
  }
  const since = Date.now();
  dispatcher.since = since;
  try {
    // waitUntil gets 30 s after the response: posts start within 15 s and time out after 10.
    do {
      dispatcher.again = false;
      await deliverDue(database, settings, since + 15_000 - Date.now());
    } while (dispatcher.again && Date.now() < since + 15_000);
  } catch (err) {
    console.error("webhook delivery", err);
  } finally {
    if (dispatcher.since === since) dispatcher.since = 0;
  }
}
