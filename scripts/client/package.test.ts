// The client package as people install it: built (build.ts), packed with `npm pack`, installed
// offline into a consumer project of its own (consumer/), type-checked there under NodeNext and
// bundler resolution, and run on Node 20 and the project's Node 24 against a loopback server.
// What broke before: a .ts export that NodeNext, Node 20 and Node 24's type stripping (inside
// node_modules) all refused, and an install that pulled the whole worker with it.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClient } from "./build.ts";

const run = promisify(execFile);
const HERE = import.meta.dirname;
const ROOT = join(HERE, "..", "..");
const MODULES = join(ROOT, "node_modules");
const TSC7 = join(MODULES, "typescript", "bin", "tsc");
// Most apps still compile with TypeScript 5: the package's declarations (emitted by our tsc 7) must
// read there too. The one installed for openapi-typescript serves (scripts/openapi-typescript).
const TSC5 = join(MODULES, "openapi-typescript-ts5", "node_modules", "typescript", "bin", "tsc");
const NODE24 = join(MODULES, ".bin", "node");
const MANIFEST = JSON.parse(readFileSync(join(HERE, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};

/** Node 20 from outside node_modules (the machine's, or NODE20=/path/to/node), or undefined. */
function findNode20(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d && !d.includes("node_modules"));
  const candidates = [process.env.NODE20, ...dirs.map((d) => join(d, "node")), "/usr/bin/node", "/usr/local/bin/node"];
  for (const node of candidates) {
    if (!node || !existsSync(node)) continue;
    try {
      if (execFileSync(node, ["--version"], { encoding: "utf8" }).startsWith("v20.")) return node;
    } catch {}
  }
  return undefined;
}

/** The loopback API the consumer calls: canned answers, and every request it saw. */
interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  body: string;
}
function startApi(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const json = (status: number, type: string, body: object) => ({ status, type, body: JSON.stringify(body) });
  const answer = (req: IncomingMessage) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method === "GET" && path === "/timelog/current") return json(200, "application/json", { open: false });
    if (req.method === "POST" && path === "/timelog")
      return json(409, "application/problem+json", { status: 409, code: "already_running", title: "Conflict" });
    if (req.method === "GET" && path === "/reports/summary") return json(200, "application/json", { groups: [{}, {}] });
    return json(404, "application/problem+json", { status: 404, code: "not_found", title: "Not Found" });
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const { status, type, body: out } = answer(req);
      res.writeHead(status, { "content-type": type }).end(out);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

let work = "";
let app = "";
let packed: { filename: string; files: { path: string }[] };
const tsc = (compiler: string, ...args: string[]) =>
  run(process.execPath, [compiler, ...args], { cwd: app }).catch((e: { stdout?: string; message: string }) => {
    throw new Error(`tsc ${args.join(" ")} failed:\n${e.stdout ?? e.message}`);
  });
beforeAll(async () => {
  buildClient();
  work = mkdtempSync(join(tmpdir(), "timelog-client-"));
  const pack = async (...folders: string[]) =>
    JSON.parse(
      (await run("npm", ["pack", ...folders, "--pack-destination", work, "--ignore-scripts", "--json"])).stdout,
    ) as (typeof packed)[];
  // "./": a bare "scripts/client" is read as a GitHub repository.
  [packed] = (await pack(`./${join("scripts", "client")}`)) as [typeof packed];
  // Offline: openapi-fetch and its one dependency come from the project's own installed copies.
  const deps = await pack("./node_modules/openapi-fetch", "./node_modules/openapi-typescript-helpers");
  app = join(work, "app");
  cpSync(join(HERE, "consumer"), app, { recursive: true });
  const tarballs = [packed, ...deps].map((p) => join(work, p.filename));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs], { cwd: app });
  // The consumer's own build, as a Node app compiles: NodeNext, emitting out/main.js.
  await tsc(TSC7, "-p", "tsconfig.nodenext.json");
}, 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the client package (timelog-api-client)", () => {
  it("packs compiled JavaScript and declarations only: no TypeScript source, no repository", () => {
    expect(packed.files.map((f) => f.path).sort()).toEqual([
      "dist/generated/openapi.d.ts",
      "dist/index.d.ts",
      "dist/index.js",
      "package.json",
    ]);
    // The compiled code imports openapi-fetch and its own files, nothing of the worker.
    const js = readFileSync(join(app, "node_modules", MANIFEST.name, "dist", "index.js"), "utf8");
    expect([...js.matchAll(/^import\b[^"]*"([^"]+)"/gm)].map((m) => m[1])).toEqual(["openapi-fetch"]);
  });

  it("depends on openapi-fetch alone (the range the project itself uses) and installs nothing else", () => {
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as typeof MANIFEST;
    expect(MANIFEST.dependencies).toEqual({ "openapi-fetch": root.dependencies["openapi-fetch"] });
    const installed = readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installed.sort()).toEqual(["openapi-fetch", "openapi-typescript-helpers", MANIFEST.name]);
    for (const banned of ["hono", "@hono", "zod", "kysely", "@neondatabase"])
      expect(existsSync(join(app, "node_modules", banned))).toBe(false);
  });

  it("type-checks in a consumer under NodeNext and bundler resolution, with TypeScript 7 and 5", async () => {
    // NodeNext with TypeScript 7 is the consumer's build (beforeAll). main.ts also expects an error
    // on an unknown path: were the types lost to `any`, that expectation would fail tsc.
    expect(existsSync(join(app, "out", "main.js"))).toBe(true);
    await Promise.all([
      tsc(TSC7, "-p", "tsconfig.bundler.json"),
      tsc(TSC5, "-p", "tsconfig.nodenext.json", "--noEmit"),
    ]);
  }, 60_000);

  it("bundles for the browser (esbuild) from the package and openapi-fetch alone, in under 10 kB", async () => {
    const bundle = await build({
      absWorkingDir: app,
      entryPoints: ["main.ts"],
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      metafile: true,
      logLevel: "silent",
    });
    expect(Object.keys(bundle.metafile.inputs).sort()).toEqual([
      "main.ts",
      "node_modules/openapi-fetch/dist/index.mjs",
      `node_modules/${MANIFEST.name}/dist/index.js`,
    ]);
    // About 7 kB minified today (openapi-fetch is most of it): the README's "6 kB" stays roughly true.
    expect(bundle.outputFiles[0]?.contents.length).toBeLessThan(10_000);
  });

  const node20 = findNode20();
  const strict = process.env.CI === "true";
  if (!node20 && !strict) console.warn("client package: no Node 20 found (set NODE20=/path/to/node): not run on it");
  const runtimes: [string, string, (major: number) => boolean][] = [
    ["the project's Node (24)", NODE24, (major) => major >= 24],
  ];
  if (node20 || strict)
    runtimes.unshift(["Node 20", node20 ?? "no-node-20-found (set NODE20)", (major) => major === 20]);

  it.each(runtimes)("runs the compiled consumer on %s against a loopback API", async (_, node, wanted) => {
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    expect(wanted(Number(version.slice(1).split(".")[0])), version).toBe(true);
    const api = await startApi();
    try {
      const main = join(app, "out", "main.js");
      const { stdout } = await run(node, [main, api.url], {
        cwd: app,
        env: { ...process.env, TIMELOG_TOKEN: "tl_pat_consumer" },
      });
      expect(JSON.parse(stdout)).toEqual({
        open: false,
        code: "already_running",
        groups: 2,
        status: 409,
        unknown: "/no-such-path",
      });
      expect(api.seen.map((r) => `${r.method} ${new URL(r.url ?? "", api.url).pathname}`)).toEqual([
        "GET /timelog/current",
        "POST /timelog",
        "GET /reports/summary",
      ]);
      expect(api.seen.every((r) => r.authorization === "Bearer tl_pat_consumer")).toBe(true);
      expect(JSON.parse(api.seen[1]?.body ?? "")).toEqual({ project_fk: 7 });
      // The package's query serializer survived compilation: lists as the document says.
      expect(new URL(api.seen[2]?.url ?? "", api.url).searchParams.get("group_by")).toBe("project,day");
    } finally {
      api.server.close();
    }
  });
});
