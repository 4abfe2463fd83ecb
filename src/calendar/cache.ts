// The edge cache of calendar feeds (Cache API, caches.default): calendar apps poll, and a feed
// shared in a team is fetched by many. Keyed by the token's hash under our own origin, never by
// the token, so the cache holds no credential; a revocation or replacement deletes the entry here.
// The Cache API is per data centre: elsewhere a revoked feed may be served until FEED_TTL ends.
import { sha256Hex } from "../lib/hash";
import { b64url } from "../lib/page";

/** Seconds a feed is kept at the edge and by the client (Cache-Control max-age). */
export const FEED_TTL = 300;

const TOKEN = /^tl_cal_[A-Za-z0-9_-]{43}$/;

/** 256 random bits with a prefix secret scanners can find; only the hash is stored. */
export async function newFeedToken(): Promise<{ token: string; hash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = `tl_cal_${b64url(String.fromCharCode(...bytes))}`;
  return { token, hash: await sha256Hex(token) };
}

/** The hash to look up, or undefined for something that cannot be a token (no database trip). */
export async function feedHash(token: string): Promise<string | undefined> {
  return TOKEN.test(token) ? sha256Hex(token) : undefined;
}

/** The Cache API, where the runtime has one (workers.dev and some test runtimes: a no-op). */
const edge = (): Cache | undefined => (typeof caches === "undefined" ? undefined : caches.default);

const key = (origin: string, hash: string) => new Request(`${origin}/calendar/.cache/${hash}`);

export async function cachedFeed(origin: string, hash: string): Promise<string | undefined> {
  const hit = await edge()?.match(key(origin, hash));
  return hit ? hit.text() : undefined;
}

export async function cacheFeed(origin: string, hash: string, ics: string): Promise<void> {
  // The Cache API stores only what its Cache-Control lets a shared cache store.
  const response = new Response(ics, { headers: { "cache-control": `public, max-age=${FEED_TTL}` } });
  await edge()?.put(key(origin, hash), response);
}

export async function forgetFeed(origin: string, hash: string | null | undefined): Promise<void> {
  if (hash) await edge()?.delete(key(origin, hash));
}
