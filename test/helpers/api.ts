// Talks to the worker the way a client does: a Request into its fetch handler, inside workerd.
// Every test file gets its own database, cloned from the migrated template on first use.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import { deliveryRoundTrips } from "../../src/email/dispatch";
import worker from "../../src/index";
import { checkResponse, useDocument } from "./contract";

const endpoint = inject("neonEndpoint");
/** The bearer token the worker sends to the mail receiver. */
export const MAIL_TOKEN = "test-mail-api-key";
export const databaseName = `test_${crypto.randomUUID().replaceAll("-", "")}`;
export const testEnv: Record<string, unknown> = {
  ...env,
  DATABASE_URL: `postgres://test:test@localhost/${databaseName}`,
  NEON_FETCH_ENDPOINT: endpoint,
  // Without the KV notes every Cron tick works, as the webhook tests expect of it (they make
  // deliveries due in SQL); test/webhooks/idle.test.ts passes the binding.
  SIGNALS: undefined,
  // Every email goes to the loopback mail receiver (test/global-setup.ts, test/helpers/mail.ts).
  EMAIL_PROVIDER: "http",
  EMAIL_HTTP_URL: `${inject("mailReceiver")}/send`,
  EMAIL_HTTP_TOKEN: MAIL_TOKEN,
};

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  env?: Record<string, unknown>;
}

export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  let body: BodyInit | undefined;
  if (typeof opts.body === "string" || opts.body instanceof URLSearchParams) {
    body = opts.body;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  const request = new Request(`http://api.test${path}`, { method, headers, body });
  const response = await send(request, opts.env ?? testEnv);
  await documented;
  await checkResponse(method, path, response);
  return response;
}

/** The worker's fetch handler, with its waitUntil work (webhook deliveries) finished. */
export async function send(request: Request, env: Record<string, unknown> = testEnv): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env as never, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The document every response is checked against (test/helpers/contract.ts). */
const documented = send(new Request("http://api.test/openapi.json"))
  .then((res) => res.json())
  .then((doc) => useDocument(doc as Parameters<typeof useDocument>[0]));

/** Requests the local Neon endpoint has served for this file's database so far. */
export async function roundTrips(): Promise<number> {
  return (await stats()).requests;
}

async function stats(): Promise<{ requests: number; transactions: number }> {
  const url = new URL("/__stats", endpoint);
  url.searchParams.set("db", databaseName);
  return (await (await fetch(url)).json()) as { requests: number; transactions: number };
}

/**
 * How many database round trips `fn`'s requests made. Email delivery after a response (waitUntil,
 * which call() waits for) is not the request's: its round trips are left out (src/email/dispatch.ts).
 */
export async function countRoundTrips(fn: () => Promise<unknown>): Promise<number> {
  const before = await roundTrips();
  const delivery = deliveryRoundTrips.count;
  await fn();
  return (await roundTrips()) - before - (deliveryRoundTrips.count - delivery);
}

/** How many round trips `fn` caused, and how many of them were transactions (batches). */
export async function countStatements(fn: () => Promise<unknown>): Promise<{ requests: number; transactions: number }> {
  const before = await stats();
  const delivery = deliveryRoundTrips.count;
  await fn();
  const after = await stats();
  const requests = after.requests - before.requests - (deliveryRoundTrips.count - delivery);
  return { requests, transactions: after.transactions - before.transactions };
}

/** Asserts an RFC 9457 problem response and returns its body. */
export async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  if (res.headers.get("content-type") !== "application/problem+json") {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")}: ${text}`);
  }
  const body = JSON.parse(text) as Record<string, unknown>;
  if (body.status !== status || typeof body.title !== "string" || typeof body.type !== "string") {
    throw new Error(`malformed problem: ${text}`);
  }
  return body;
}
