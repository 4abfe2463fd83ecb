// Delivery, outside any request's round trip: right after a response whose write queued events
// (waitUntil), and from the Cron Trigger for retries. At least once: a receiver deduplicates by
// `webhook-id`. In order per endpoint: one dispatcher holds an endpoint's lease at a time, posts its
// pending deliveries oldest first, and stops at the first failure (the rest wait behind it).
import { type Db, single } from "../db/client";
import { webhookSignature } from "../lib/webhook-signature";
import type { Settings } from "../settings";
import { allowedUrl } from "./url";

interface Claimed {
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
/** Stop starting posts well inside the 60 s lease, so two dispatchers never overlap on an endpoint. */
const LEASE_BUDGET_MS = 40_000;

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

/** One endpoint's claimed deliveries, in order, until one fails or one is not yet due. */
async function deliverInOrder(deliveries: Claimed[], settings: Settings, started: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const d of deliveries) {
    if (!d.due || Date.now() - started > LEASE_BUDGET_MS) break;
    const outcome = await post(d, settings);
    outcomes.push(outcome);
    if (!outcome.ok) break;
  }
  return outcomes;
}

/** Delivers what is due until nothing is or the budget is spent; returns deliveries attempted. */
export async function deliverDue(database: Db, settings: Settings, budgetMs: number): Promise<number> {
  const until = Date.now() + budgetMs;
  let attempted = 0;
  while (Date.now() < until) {
    const claimed = await single<Claimed>(database, "SELECT * FROM webhook_claim()", []);
    if (claimed.length === 0) break;
    const started = Date.now();
    const byEndpoint = Map.groupBy(claimed, (d) => d.endpoint_id);
    const outcomes = (
      await Promise.all([...byEndpoint.values()].map((ds) => deliverInOrder(ds, settings, started)))
    ).flat();
    await single(database, "SELECT webhook_record($1::jsonb, $2::integer[])", [
      JSON.stringify(outcomes),
      [...byEndpoint.keys()],
    ]);
    attempted += outcomes.length;
  }
  return attempted;
}

/** The Cron Trigger's work: retries that are due, then old events pruned. */
export async function scheduledWork(database: Db, settings: Settings): Promise<void> {
  try {
    await deliverDue(database, settings, 50_000);
    await single(database, "SELECT webhook_prune()", []);
  } catch (err) {
    console.error("scheduled webhook work", err);
  }
}

/** After a response: deliver what the write queued, within waitUntil's time after a response. */
export async function deliverSoon(database: Db, settings: Settings): Promise<void> {
  await deliverDue(database, settings, 20_000).catch((err) => console.error("webhook delivery", err));
}
