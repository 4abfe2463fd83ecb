// The OpenAPI document tells a generated client about conditional requests the same way on every
// route (src/lib/openapi-doc.ts): what it documents is what the API does (every call() in these
// tests is also checked against it, so an undocumented 304 or 412 would fail them).
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { createProject, createSuperuser } from "../helpers/factories";

interface Operation {
  parameters?: { name: string; in: string }[];
  responses: Record<string, { headers?: Record<string, { required?: boolean }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const header = (op: Operation | undefined, name: string) =>
  op?.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === name) ?? false;

describe("conditional requests in the OpenAPI document", () => {
  it("every GET with a 200 takes If-None-Match, answers ETag, and documents its 304", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as Doc;
    const gets = Object.entries(doc.paths).flatMap(([path, ops]) => (ops.get?.responses[200] ? [[path, ops.get]] : []));
    expect(gets.length).toBeGreaterThan(40);
    for (const [path, op] of gets as [string, Operation][]) {
      expect(header(op, "if-none-match"), path).toBe(true);
      expect(op.responses[200]?.headers?.ETag?.required, path).toBe(true);
      expect(op.responses[304]?.headers?.ETag, path).toBeDefined();
    }
  });

  it("the writes that take If-Match document the 412 and the new ETag", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as Doc;
    const writes = [
      ["/timelog/{id}", "patch"],
      ["/timelog/{id}", "delete"],
      ["/projects/{id}", "put"],
      ["/projects/{id}", "patch"],
      ["/projects/{id}/tasks/{task_id}", "patch"],
      ["/users/{id}", "patch"],
      ["/users/me", "patch"],
      ["/absences/{id}", "patch"],
      ["/absences/{id}/cancel", "post"],
      ["/settings", "patch"],
      ["/teams/{id}", "patch"],
      ["/positions/{id}", "delete"],
      ["/clients/{id}", "patch"],
      ["/tags/{id}", "patch"],
    ] as const;
    for (const [path, method] of writes) {
      const op = doc.paths[path]?.[method];
      expect(header(op, "if-match"), `${method} ${path}`).toBe(true);
      expect(op?.responses[412], `${method} ${path}`).toBeDefined();
      const ok = op?.responses[200];
      if (ok) expect(ok.headers?.ETag?.required, `${method} ${path}`).toBe(true);
    }
  });

  it("a client that follows the document gets the documented headers and statuses", async () => {
    const admin = await createSuperuser();
    const p = await createProject(admin);
    const read = await call("GET", `/projects/${p.id}`, { token: admin.token });
    const etag = read.headers.get("etag") ?? "";
    expect(
      (await call("GET", `/projects/${p.id}`, { token: admin.token, headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    const write = await call("PATCH", `/projects/${p.id}`, {
      token: admin.token,
      body: { description: "documented" },
      headers: { "if-match": etag },
    });
    expect(write.status).toBe(200);
    const stale = await call("PATCH", `/projects/${p.id}`, {
      token: admin.token,
      body: { description: "again" },
      headers: { "if-match": etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("content-type")).toBe("application/problem+json");
  });
});
