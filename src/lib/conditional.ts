// Conditional reads and the caching rule (issue 24 §3, h-etag), after the handler:
// - every successful GET carries an ETag: a single resource's comes from the database (api_etag of
//   its *_json body, set by one() in src/db/request.ts, the version If-Match compares against);
//   any other answer (lists, reports, CSV) gets a strong tag hashed here from its bytes;
// - If-None-Match naming the current tag (weak comparison, RFC 9110 §13.1.2) turns the answer into
//   a 304 without a body that keeps every other header (CORS, X-Request-Id, Vary, Cache-Control);
//   the database was still asked, in the request's one round trip;
// - answers to GET that a client may keep are `private, no-cache` (stored by the client only,
//   revalidated with If-None-Match before each use); everything else stays `no-store` (writes,
//   problems, and routes that mark themselves with noStore(): credentials, secret URLs, exports).
// hono/etag is not used: it hashes with SHA-1 through a tee'd stream and drops every header but six
// from a 304 (the CORS headers too, so a browser script would never see its 304).
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./router";

export const CACHEABLE = "private, no-cache";
const TAG = /(?:W\/)?"[^"]*"/g;

/** Keeps this answer `no-store` even when it is a successful GET (it holds a credential or a secret). */
export const noStore = (c: Context<AppEnv>) => c.set("noStore", true);

/** If-None-Match against the answer's tag: `*`, or any listed tag equal once W/ is ignored. */
export function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const strip = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);
  const current = strip(etag);
  return (header.match(TAG) ?? []).some((tag) => strip(tag) === current);
}

/** A strong tag of a body: SHA-256, the first 128 bits in hex (crypto.subtle runs outside JS). */
async function digestTag(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += (digest[i] as number).toString(16).padStart(2, "0");
  return `"${hex}"`;
}

export const conditional: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const method = c.req.method;
  if ((method !== "GET" && method !== "HEAD") || c.res.status !== 200) return;
  const res = c.res;
  if (!c.get("noStore") && res.headers.get("Cache-Control") === "no-store") {
    res.headers.set("Cache-Control", CACHEABLE);
    // The same URL answers each caller with their own view.
    res.headers.append("Vary", "Authorization");
  }
  let etag = res.headers.get("ETag");
  if (!etag) {
    // Read once; the bytes become the answer again (no tee, no second copy in flight).
    const bytes = await res.arrayBuffer();
    etag = await digestTag(bytes);
    c.res = undefined;
    c.res = new Response(bytes, { status: 200, headers: res.headers });
    c.res.headers.set("ETag", etag);
  }
  const wanted = c.req.header("if-none-match");
  if (wanted === undefined || !noneMatchHits(wanted, etag)) return;
  const headers = new Headers(c.res.headers);
  headers.delete("Content-Type");
  headers.delete("Content-Length");
  headers.delete("Content-Disposition");
  await c.res.body?.cancel();
  c.res = undefined;
  c.res = new Response(null, { status: 304, headers });
};
