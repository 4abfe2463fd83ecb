import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { call } from "../helpers/api";

describe("OpenAPI document", () => {
  it("covers every route the app serves", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map(
          (m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1").replace(/\/$/, "") || "/"}`,
        ),
      ),
    );
    // /mcp is one JSON-RPC endpoint for MCP clients (issue 25), documented in the README like /docs.
    const undocumented = new Set(["GET /openapi.json", "GET /docs", "POST /mcp", "GET /mcp", "DELETE /mcp"]);
    const served = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/\/$/, "") || "/"}`)
      .filter((r) => !undocumented.has(r));
    expect(served.length).toBeGreaterThan(10);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it("publishes the logs that may be null as nullable (a client that believes it must not crash)", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const nullableLog = { anyOf: [{ $ref: "#/components/schemas/Timelog" }, { type: "null" }] };
    const { schemas } = doc.components;
    expect(schemas.CurrentTimelog?.properties.log).toEqual(nullableLog);
    expect(schemas.SwitchResult?.properties.stopped).toEqual(nullableLog);
    expect(schemas.TimelogChange?.properties.log).toMatchObject(nullableLog);
    // No allOf with a nullable type anywhere: JSON Schema reads it as "never null".
    expect(JSON.stringify(doc)).not.toMatch(/"allOf":\[\{"\$ref":"[^"]+"\},\{"type":\["object","null"\]/);
  });

  it("names every operation once, and documents the problems and headers any route may answer", async () => {
    type Op = {
      operationId?: string;
      security?: unknown[];
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const doc = (await (await call("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, Op>>;
      tags: { name: string }[];
      servers: unknown[];
      components: { securitySchemes: Record<string, unknown> };
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    const ids = ops.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/timelog/{id}/history"]?.get?.operationId).toBe("getTimelogByIdHistory");
    for (const op of ops) {
      expect(op.responses.default, op.operationId).toBeDefined();
      expect(op.security, op.operationId).toBeDefined();
      for (const r of Object.values(op.responses)) expect(r.headers, op.operationId).toHaveProperty("X-Request-Id");
    }
    expect(doc.paths["/health"]?.get?.security).toEqual([]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearer", "cookie"]);
    const declared = new Set(doc.tags.map((t) => t.name));
    for (const op of ops) for (const t of (op as { tags?: string[] }).tags ?? []) expect(declared).toContain(t);
    expect(doc.servers.length).toBeGreaterThan(0);
  });
});
