// `npm run openapi`: writes the OpenAPI document the app serves at GET /openapi.json to
// scripts/client/generated/openapi.json (2-space JSON) and the TypeScript types openapi-typescript
// makes of it to scripts/client/generated/openapi.d.ts, which the client package (scripts/client) is
// built from: generated files, kept apart from the hand-written sources. No database: the document
// is the app's own answer to a request that never reaches one. `--check` writes both to a temporary
// folder instead and fails if the committed files differ (`npm run lint:openapi`). The README's
// table of each operation's token scope and role is made from the same document
// (scripts/access-table.ts): written here, compared under --check.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { type AccessDocument, withAccessTable } from "./access-table.ts";

const ROOT = join(import.meta.dirname, "..");
const GENERATED = join(ROOT, "scripts", "client", "generated");
const SHOWN = "scripts/client/generated";
const FILES = ["openapi.json", "openapi.d.ts"];
const README = join(ROOT, "README.md");
// openapi-typescript needs TypeScript 5's compiler API, so it lives in a package of its own
// (scripts/openapi-typescript) beside the project's TypeScript 7.
const OPENAPI_TS = join(ROOT, "scripts", "openapi-typescript", "node_modules", "openapi-typescript", "bin", "cli.js");
const check = process.argv.includes("--check");

const work = mkdtempSync(join(tmpdir(), "timelog-openapi-"));
try {
  // src/ imports without extensions, as a bundler reads them: bundle it, then load the bundle.
  await build({
    stdin: { contents: 'export { app } from "./src/app";', resolveDir: ROOT, loader: "ts" },
    outfile: join(work, "app.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2024",
    logLevel: "warning",
  });
  // Typed by hand: src/ is checked against the Workers types, scripts/ against Node's.
  type App = { request(path: string, init: RequestInit, env: object): Promise<Response> };
  const { app } = (await import(pathToFileURL(join(work, "app.mjs")).href)) as { app: App };
  // Config good enough to parse; nothing is ever sent to this database or signed with this key.
  const env = { DATABASE_URL: "postgres://openapi:openapi@localhost/openapi", JWT_PRIVATE_KEY: "unused" };
  const res = await app.request("/openapi.json", {}, env);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
  const doc = (await res.json()) as AccessDocument;
  const readme = readFileSync(README, "utf8");
  const documented = withAccessTable(readme, doc);

  const out = check ? work : GENERATED;
  writeFileSync(join(out, "openapi.json"), `${JSON.stringify(doc, null, 2)}\n`);
  // Run where no redocly.yaml is: openapi-typescript would lint with ours, and linting is lint:openapi's job.
  execFileSync(process.execPath, [OPENAPI_TS, join(out, "openapi.json"), "-o", join(out, "openapi.d.ts")], {
    cwd: work,
    stdio: ["ignore", "ignore", "inherit"],
  });

  if (check) {
    const stale = FILES.filter((f) => {
      const read = (dir: string) => {
        try {
          return readFileSync(join(dir, f), "utf8");
        } catch {
          return undefined;
        }
      };
      return read(work) !== read(GENERATED);
    }).map((f) => `${SHOWN}/${f}`);
    if (documented !== readme) stale.push("README.md (its access table)");
    if (stale.length) {
      console.error(
        `openapi: out of date with the app's document: ${stale.join(", ")}. ` +
          "Run `npm run openapi` and commit the result.",
      );
      process.exitCode = 1;
    } else console.log(`openapi: ${SHOWN}/openapi.json and openapi.d.ts, and README.md's access table, are up to date`);
  } else {
    if (documented !== readme) writeFileSync(README, documented);
    console.log(`openapi: wrote ${FILES.map((f) => `${SHOWN}/${f}`).join(" and ")}, and README.md's access table`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
