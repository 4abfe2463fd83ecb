// Writes with safe retries. A write is some statements plus a result query (the last write with
// RETURNING, or a SELECT of what they did). With an Idempotency-Key the key is claimed first and
// the result stored last, all in the request's one batch; a retry gets the stored result, mapped
// to the response exactly as the first time.
import type { Context } from "hono";
import { type Compilable, sql } from "kysely";
import { authBatch } from "../auth/middleware";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import type { AppEnv } from "../lib/router";

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A SELECT, or an INSERT/UPDATE/DELETE … RETURNING: what the response is made of. */
type ResultQuery<R> = Compilable<R>;

export async function write<R>(
  c: Context<AppEnv>,
  writes: readonly Compilable<unknown>[],
  result: ResultQuery<R>,
  opts: { superuser?: boolean } = {},
): Promise<R[]> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const { results } = await authBatch(c, [...writes, result], opts);
    return results.at(-1) as R[];
  }
  if (!KEY.test(key))
    throw new ApiError("invalid_idempotency_key", "Idempotency-Key must be 1–255 visible ASCII characters.");
  const { db } = c.get("database");
  const { userId } = c.get("auth");
  const hash = await requestHash(c);
  const begin = db.selectNoFrom(sql<null>`idempotency_begin(${userId}::int, ${key}, ${hash})`.as("begun"));
  // The result runs as a CTE so that it may itself be a data-modifying statement. Only a result
  // with rows is stored; a write that found nothing (a 404) leaves no trace and is not replayed.
  const store = db
    // biome-ignore lint/suspicious/noExplicitAny: any query with rows can be the CTE
    .with("r", () => result as any)
    .updateTable("idempotency_key")
    .set({ response: sql`(SELECT jsonb_agg(to_jsonb(r)) FROM r)` })
    .where("user_fk", "=", userId)
    .where("key", "=", key)
    .where(sql<boolean>`EXISTS (SELECT 1 FROM r)`)
    .returning("response");
  const unclaim = db
    .deleteFrom("idempotency_key")
    .where("user_fk", "=", userId)
    .where("key", "=", key)
    .where("response", "is", null);
  try {
    const { results } = await authBatch(c, [begin, ...writes, store, unclaim], opts);
    const [stored] = results.at(-2) as { response: R[] }[];
    return stored?.response ?? [];
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code === "TL200" && e.detail) {
      c.header("Idempotent-Replayed", "true");
      return JSON.parse(e.detail) as R[];
    }
    throw err;
  }
}

async function requestHash(c: Context<AppEnv>): Promise<string> {
  const body = ["GET", "HEAD", "DELETE"].includes(c.req.method) ? "" : await c.req.text();
  return sha256Hex(`${c.req.method} ${new URL(c.req.url).pathname.replace(/\/$/, "")}\n${body}`);
}
