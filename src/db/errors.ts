// SQLSTATE → HTTP, in one place. The database enforces the invariants; this turns its refusals
// into answers a client can act on, without leaking SQL.
import { ApiError } from "../lib/errors";

interface DbError {
  hint?: string;
  code?: string;
  constraint?: string;
  message: string;
  detail?: string;
}

/** Friendlier words for named constraints; anything unnamed falls back to its SQLSTATE class. */
const CONSTRAINTS: Record<string, { status: 409 | 422; code: string; detail: string }> = {};

export function registerConstraint(name: string, status: 409 | 422, code: string, detail: string) {
  CONSTRAINTS[name] = { status, code, detail };
}

/** What to say when a delete is refused because rows still point at the row (a RESTRICT key). */
const IN_USE: Record<string, { code: string; detail: string }> = {};

export function registerInUse(name: string, code: string, detail: string) {
  IN_USE[name] = { code, detail };
}

const RETRY = { "Retry-After": "2" };

export function fromDbError(err: unknown): ApiError | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & DbError;
  if (/^(Error connecting to database|Server error \(HTTP status (5\d\d|429))/.test(e.message) || isAbort(err)) {
    return new ApiError(503, "database_unavailable", "The database is unreachable; try again shortly.", {}, RETRY);
  }
  const code = e.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code === "23001" || (code === "23503" && /^update or delete on/.test(e.message))) {
    const named = e.constraint ? IN_USE[e.constraint] : undefined;
    return new ApiError(
      409,
      named?.code ?? "in_use",
      named?.detail ?? "It is still in use by other records; it cannot be deleted.",
    );
  }
  const named = e.constraint ? CONSTRAINTS[e.constraint] : undefined;
  if (named) return new ApiError(named.status, named.code, named.detail, appDetail(e));
  // Our own functions and triggers raise class-TL codes whose message is written for clients.
  if (code.startsWith("TL")) {
    const status = Number(code.slice(2));
    if ([400, 401, 403, 404, 409, 422, 429].includes(status)) {
      const extra = appDetail(e);
      // A refusal that ends by itself says when: the database computed it, the header carries it.
      const headers: Record<string, string> =
        typeof extra.retry_after === "number" ? { "Retry-After": String(extra.retry_after) } : {};
      return new ApiError(status as 401, e.hint ?? "rejected", e.message, extra, headers);
    }
  }
  if (code === "23505") return new ApiError(409, "conflict", "That already exists.");
  if (code === "23P01") return new ApiError(409, "conflict", "That conflicts with an existing record.");
  if (code === "23503") return new ApiError(422, "unknown_reference", "A referenced record does not exist.");
  if (code.startsWith("23") || code.startsWith("22")) {
    return new ApiError(422, "invalid_value", "A value is out of range or invalid.");
  }
  if (code === "57014") {
    // Our statement_timeout (or a cancel) stopped it: the database is not held past our deadline.
    return new ApiError(
      503,
      "database_timeout",
      "This took too long in the database and was stopped; try again, or ask for less.",
      {},
      RETRY,
    );
  }
  if (code === "40001" || code === "40P01" || code === "55P03") {
    return new ApiError(503, "busy", "The database was busy; try again.", {}, RETRY);
  }
  if (code.startsWith("08") || code.startsWith("53") || code.startsWith("57P")) {
    return new ApiError(503, "database_unavailable", "The database is unavailable; try again shortly.", {}, RETRY);
  }
  return undefined;
}

/** Our functions put client-facing JSON in DETAIL (e.g. the id of a conflicting log). */
function appDetail(e: DbError): Record<string, unknown> {
  if (!e.detail?.startsWith("{")) return {};
  try {
    return JSON.parse(e.detail) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function isAbort(err: Error): boolean {
  const source = (err as { sourceError?: Error }).sourceError;
  return (
    ["AbortError", "TimeoutError"].includes(err.name) || ["AbortError", "TimeoutError"].includes(source?.name ?? "")
  );
}
