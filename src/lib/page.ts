// One page shape for every list: `{items, next_cursor}`, where next_cursor is opaque (base64url of
// the last row's keyset) or null on the last page. Queries read `limit + 1` rows to know.
import { z } from "@hono/zod-openapi";
import { ApiError } from "./errors";
import { MAX_INT } from "./schemas";

/** Base64url without padding (RFC 4648 §5) of a binary string (one character per byte). */
export const b64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
const unb64url = (text: string) => atob(text.replaceAll("-", "+").replaceAll("_", "/"));

export const encodeCursor = (...parts: (string | number)[]) => b64url(parts.join("|"));

export const invalidCursor = () => new ApiError("invalid_cursor", "cursor is not a next_cursor this API gave out.");

/** The parts of a cursor this API gave out, or 422. */
export function decodeCursor(cursor: string, count: number): string[] {
  try {
    const parts = unb64url(cursor).split("|");
    if (parts.length === count && parts.every((p) => p.length > 0)) return parts;
  } catch {}
  throw invalidCursor();
}

/** A cursor over ids: only the opaque form this API gives out (bare ids were retired in 0.2.0). */
export function idAfter(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const [id] = decodeCursor(cursor, 1);
  const n = Number(id);
  if (!Number.isInteger(n) || n < 0 || n > MAX_INT) throw invalidCursor();
  return n;
}

/**
 * The page: the bodies of the first `limit` rows (each built by its resource's SQL function), and
 * a cursor after the last of them if there were more.
 */
export function pageOf<R extends { body: unknown }>(rows: R[], limit: number, key: (row: R) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map((r): R["body"] => r.body),
    next_cursor: rows.length > limit && last ? encodeCursor(...key(last)) : null,
  };
}

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor of the previous page (opaque)" }),
});

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      next_cursor: z.string().nullable().openapi({ description: "opaque; null on the last page" }),
    })
    .openapi(name);
}
