// The README cannot drift from the API: every route it names (`GET /projects/{id}`, curl URLs) is
// an operation of the document in its canonical form (no trailing slash), and its typed-client
// examples type-check against the generated paths; its table of each operation's scope and role is
// the one the document's declarations make (scripts/access-table.ts).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AccessDocument, withAccessTable } from "./access-table.ts";

const ROOT = join(import.meta.dirname, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const doc = JSON.parse(readFileSync(join(ROOT, "scripts", "client", "generated", "openapi.json"), "utf8")) as {
  paths: Record<string, Record<string, unknown>>;
} & AccessDocument;
/** Routes of other servers the README describes (the local Neon endpoint, the webhook receiver). */
const ELSEWHERE = new Set(["POST /sql", "GET /__stats"]);

/** `/projects/{id}` or `/projects/42` → the document's template it names, if any. */
function operation(method: string, path: string): string | undefined {
  const templates = Object.keys(doc.paths).filter((t) => doc.paths[t]?.[method.toLowerCase()]);
  return templates.find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, "(\\{\\w+\\}|[^/{}]+)")}$`).test(path));
}

describe("README", () => {
  it("names only routes the document has, in their canonical form", () => {
    const named = [...readme.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)/g)].map((m) => [m[1], m[2]]);
    const curls = [
      ...readme.matchAll(/curl [^\n]*?(?:-X (\w+) )?[^\n]*?http:\/\/127\.0\.0\.1:8787(\/[^\s"'?`;]*)/g),
    ].map((m) => [m[1] ?? "GET", m[2]]);
    expect(named.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const [method = "", path = ""] of [...named, ...curls]) {
      if (ELSEWHERE.has(`${method} ${path}`) || path.includes("…") || path.startsWith("/{")) continue;
      if (path === "/openapi.json" || path.startsWith("/docs")) continue;
      if (path !== "/" && path.endsWith("/")) wrong.push(`${method} ${path} (trailing slash)`);
      else if (!operation(method, path)) wrong.push(`${method} ${path} (no such operation)`);
    }
    expect(wrong).toEqual([]);
  });

  it("its table of scopes and roles is the one the routes declare (npm run openapi rewrites it)", () => {
    expect(readme.split("\n")).toEqual(withAccessTable(readme, doc).split("\n"));
  });

  it("its typed-client examples type-check against the generated paths", () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? "")
      .filter((code) => code.includes("createTimelogClient"));
    expect(blocks.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(ROOT, "scripts", "client", ".readme-"));
    try {
      blocks.forEach((code, i) => {
        writeFileSync(
          join(dir, `example${i}.ts`),
          `${code.replace(/from "timelog-api-client"/g, 'from "../index.ts"')}\nexport {};\n`,
        );
      });
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "es2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            allowImportingTsExtensions: true,
            rewriteRelativeImportExtensions: false,
            lib: ["es2024", "dom"],
            types: ["node"],
            typeRoots: [join(ROOT, "node_modules", "@types")],
          },
          include: ["*.ts"],
        }),
      );
      const tsc = join(ROOT, "node_modules", ".bin", "tsc");
      let output = "";
      try {
        execFileSync(tsc, ["-p", dir], { cwd: dir, encoding: "utf8" });
      } catch (err) {
        output = String((err as { stdout?: string }).stdout ?? err);
      }
      expect(output).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
