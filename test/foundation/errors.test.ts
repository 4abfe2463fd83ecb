/// <reference types="vite/client" />
import { NeonDbError } from "@neondatabase/serverless";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { fromDbError } from "../../src/db/errors";
import { ApiError, problem, toApiError } from "../../src/lib/errors";
import { isProblemCode, PROBLEMS, type ProblemCode } from "../../src/lib/problems";

const MIGRATIONS = Object.values(
  import.meta.glob("../../migrations/*.sql", { query: "?raw", import: "default", eager: true }) as Record<
    string,
    string
  >,
).join("\n");

// A throwaway app with the real renderer, to see what an unexpected error turns into.
function appThatThrows(err: unknown) {
  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    await next();
  });
  app.get("/", () => {
    throw err;
  });
  app.onError((e, c) => problem(c, fromDbError(e) ?? toApiError(e, "req-1")));
  return app;
}

describe("unexpected errors", () => {
  it("answer a generic 500 problem without stack traces or SQL", async () => {
    const err = Object.assign(new Error('relation "secret_table" does not exist'), {
      code: "42P01",
      stack: "at db.ts:1",
    });
    // The log line is the point (the request id leads to it); it is captured, not printed, so a
    // test run's output carries no "unhandled error" (.ci/run fails on one).
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await appThatThrows(err).request("/");
    expect(logged).toHaveBeenCalledWith("[req-1] unhandled error", err);
    logged.mockRestore();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(text).not.toMatch(/secret_table|db\.ts|42P01/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: "internal", request_id: "req-1" });
  });

  it("maps database refusals by SQLSTATE", () => {
    const cases: [Record<string, string>, number][] = [
      [{ code: "23505", message: "dup" }, 409],
      [{ code: "23P01", message: "overlap" }, 409],
      [{ code: "23503", message: 'insert or update on table "x" violates foreign key' }, 422],
      [{ code: "23503", message: 'update or delete on table "x" violates foreign key' }, 409],
      [{ code: "23001", message: "restrict" }, 409],
      [{ code: "22007", message: "bad date" }, 422],
      [{ code: "40001", message: "serialization" }, 503],
      [{ code: "57P01", message: "admin shutdown" }, 503],
    ];
    for (const [fields, status] of cases) {
      expect(fromDbError(Object.assign(new Error(fields.message), fields))?.status, fields.code).toBe(status);
    }
    // An unreachable database is told by the error's type, whatever its message says.
    const down = fromDbError(Object.assign(new NeonDbError("anything"), { sourceError: new TypeError("x") }));
    expect(down?.status).toBe(503);
    expect(down?.headers["Retry-After"]).toBeTruthy();
    expect(fromDbError(new Error("Error connecting to database: fetch failed"))).toBeUndefined();
    expect(fromDbError(new Error("plain bug"))).toBeUndefined();
    expect(toApiError(new ApiError("overlap", "x"), "r").status).toBe(409);
  });
});

describe("the error catalogue", () => {
  it("holds every HINT the migrations raise, with the status of its SQLSTATE", () => {
    const raised = [...MIGRATIONS.matchAll(/ERRCODE = 'TL(\d{3})', HINT = '([a-z_]+)'/g)].map((m) => [
      m[2],
      Number(m[1]),
    ]);
    expect(raised.length).toBeGreaterThan(10);
    for (const [hint, status] of raised) {
      expect(isProblemCode(String(hint)), `HINT ${hint}`).toBe(true);
      expect(PROBLEMS[hint as ProblemCode][0], `HINT ${hint}`).toBe(status);
    }
  });
});
