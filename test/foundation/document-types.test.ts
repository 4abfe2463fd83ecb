// The document as generated clients read it (Kotlin, Swift, TypeScript): every class of finding
// from issue #20 §1, checked over the whole document so a new route cannot bring one back.
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/webhooks/schemas";
import { call } from "../helpers/api";

type Schema = Record<string, unknown>;
interface Op {
  operationId: string;
  security: unknown[];
  parameters?: { name: string; in: string; schema: Schema }[];
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Op>>;
  webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: Schema }> } } }>;
  components: { schemas: Record<string, Schema> };
}

/** The properties a schema adds to the one it extends (allOf [$ref, {properties}]). */
const own = (doc: Doc, name: string) =>
  ((doc.components.schemas[name]?.allOf as Schema[] | undefined)?.[1]?.properties ?? {}) as Record<string, Schema>;

const load = async () => (await (await call("GET", "/openapi.json")).json()) as Doc;

/** Every schema object in the document, with where it is. */
function schemas(node: unknown, at = "#", out: [string, Schema][] = []): [string, Schema][] {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      schemas(n, `${at}/${i}`, out);
    });
  } else if (node && typeof node === "object") {
    const s = node as Schema;
    if ("type" in s || "enum" in s) out.push([at, s]);
    for (const [k, v] of Object.entries(s)) schemas(v, `${at}/${k}`, out);
  }
  return out;
}

describe("the document a generator can trust", () => {
  it("gives every integer a width: int32 when its bounds fit, else int64 (amounts, big ids)", async () => {
    const doc = await load();
    const ints = schemas(doc).filter(
      ([, s]) => s.type === "integer" || (Array.isArray(s.type) && s.type.includes("integer")),
    );
    expect(ints.length).toBeGreaterThan(100);
    for (const [at, s] of ints) {
      expect(["int32", "int64"], at).toContain(s.format);
      const top = s.enum ? Math.max(...(s.enum as number[])) : (s.maximum as number);
      if (s.format === "int32") expect(top <= 2 ** 31 - 1, at).toBe(true);
    }
    const { schemas: c } = doc.components;
    const prop = (name: string, field: string) => ((c[name]?.properties ?? {}) as Record<string, Schema>)[field];
    expect(prop("WebhookDelivery", "id")?.format).toBe("int64");
    expect(prop("AuditEvent", "id")?.format).toBe("int64");
    expect(prop("Summary", "total_ms")?.format).toBe("int64");
    expect(prop("Project", "budget_amount")).toMatchObject({ format: "int64" });
  });

  it("types ids in query strings as integers, never as number", async () => {
    const doc = await load();
    const params = Object.values(doc.paths).flatMap((p) => Object.values(p).flatMap((op) => op.parameters ?? []));
    for (const p of params) expect(p.schema.type, p.name).not.toBe("number");
    const ids = params.filter((p) => p.in === "query" && /_fk$/.test(p.name));
    expect(ids.length).toBeGreaterThan(10);
    for (const p of ids) expect(p.schema).toMatchObject({ type: "integer", format: "int32" });
  });

  it("documents 403 on every signed-in operation and 429 on every operation, with their codes", async () => {
    const doc = await load();
    const problem = (op: Op, status: string) => op.responses[status]?.content?.["application/problem+json"]?.schema;
    for (const op of Object.values(doc.paths).flatMap((p) => Object.values(p))) {
      expect(problem(op, "429"), op.operationId).toEqual({ $ref: "#/components/schemas/Problem429" });
      if (op.security.length > 0) {
        expect(problem(op, "403"), op.operationId).toEqual({ $ref: "#/components/schemas/Problem403" });
      }
    }
    const codes = own(doc, "Problem403").code?.enum;
    expect(codes).toEqual(expect.arrayContaining(["insufficient_scope", "csrf_rejected"]));
    expect(own(doc, "Problem429").code?.enum).toContain("rate_limited");
    expect(own(doc, "Problem429").status).toMatchObject({ type: "integer", enum: [429] });
  });

  it("describes every webhook event's body, so a receiver needs no cast", async () => {
    const doc = await load();
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const ref = doc.webhooks[type]?.post.requestBody.content["application/json"]?.schema.$ref as string;
      const body = doc.components.schemas[ref.split("/").pop() ?? ""] as { properties: Record<string, Schema> };
      expect(body.properties.type).toMatchObject({ type: "string", enum: [type] });
      expect(body.properties.data).toBeDefined();
    }
  });

  it("marks every date or time string with its format, and enums that may grow as extensible", async () => {
    const doc = await load();
    const { schemas: c } = doc.components;
    const prop = (name: string, field: string) => ((c[name]?.properties ?? {}) as Record<string, Schema>)[field];
    for (const [name, field] of [
      ["Summary", "from"],
      ["Summary", "to"],
      ["Problem", "earliest"],
      ["Problem", "locked_before"],
      ["Timelog", "start_time"],
      ["ClockIn", "start_time"],
    ] as const) {
      expect(prop(name, field)?.format, `${name}.${field}`).toBe("date-time");
    }
    // Any property named like a time carries a format, wherever it is.
    for (const [at, s] of schemas(c)) {
      const field = at.split("/").at(-1) ?? "";
      if (s.type === "string" && /(_at|_time|^earliest|^locked_before)$/.test(field)) {
        // A time of day (HH:MM, e.g. reminder_submit_time) is no instant: its pattern says so instead.
        if (s.format === undefined && s.pattern === "^([01]\\d|2[0-3]):[0-5]\\d$") continue;
        expect(s.format, at).toMatch(/^date(-time)?$/);
      }
    }
    expect(prop("Problem", "code")).toMatchObject({ "x-extensible-enum": true });
    expect(own(doc, "Problem403").code).toMatchObject({ "x-extensible-enum": true });
    expect(c.AuditKind).toMatchObject({ "x-extensible-enum": true });
    expect(c.WebhookEventType).toMatchObject({ "x-extensible-enum": true });
  });

  it("has one canonical path per operation (no trailing slash); the slash form is the same operation", async () => {
    const doc = await load();
    for (const path of Object.keys(doc.paths)) expect(path === "/" || !path.endsWith("/"), path).toBe(true);
    const admin = await import("../helpers/factories").then((f) => f.createSuperuser());
    const bare = (await (await call("GET", "/projects?limit=1", { token: admin.token })).json()) as unknown;
    const slash = (await (await call("GET", "/projects/?limit=1", { token: admin.token })).json()) as unknown;
    expect(slash).toEqual(bare);
    expect(slash).toHaveProperty("items");
    const logs = await call("GET", "/timelog/", { token: admin.token });
    expect(((await logs.json()) as { items: unknown[] }).items).toEqual([]);
  });
});
