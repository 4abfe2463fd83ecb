// `npm run docs:check`: proves /docs renders with no network but loopback. Starts `wrangler dev`
// (static assets included) and loads /docs in headless Chromium whose every host but 127.0.0.1
// resolves to nothing; the rendered DOM must hold Swagger UI with our operations in it.
// Needs Debian's chromium (`apt-get install chromium`); .ci/run installs it.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSigningKey } from "./keys.ts";

const ROOT = join(import.meta.dirname, "..");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
if (!CHROMIUM) throw new Error("docs:check needs Chromium: apt-get install chromium");

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), "timelog-docs-"));
const envFile = join(dir, ".env");
writeFileSync(envFile, `DATABASE_URL=postgres://docs:docs@localhost/docs\nJWT_PRIVATE_KEY=${newSigningKey()}\n`);

const wrangler = spawn(
  process.execPath,
  [
    join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
  ].concat(["--env-file", envFile, "--persist-to", join(dir, "state")]),
  {
    cwd: ROOT,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    stdio: "ignore",
  },
);
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/openapi.json`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 120) throw new Error("wrangler dev did not start");
    await new Promise((r) => setTimeout(r, 500));
  }
  const screenshot = join(dir, "docs.png");
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${join(dir, "profile")}`,
    // Offline but for the API: any other host name resolves to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
    "--window-size=1280,1600",
  ];
  // The time-log section, as its link opens it (tags start collapsed: scripts/docs-assets.mjs).
  const dom = execFileSync(CHROMIUM, [...flags, "--dump-dom", `${base}/docs#/timelog`], {
    encoding: "utf8",
    timeout: 120_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  execFileSync(CHROMIUM, [...flags, `--screenshot=${screenshot}`, `${base}/docs`], {
    stdio: "ignore",
    timeout: 120_000,
  });
  const expected = ['class="swagger-ui', "TimeLog API", "/timelog/switch", "Clock in now"];
  const missing = expected.filter((text) => !dom.includes(text));
  if (missing.length) throw new Error(`/docs did not render offline; missing: ${missing.join(", ")}`);
  console.log(`docs:check: /docs rendered offline (${dom.length} bytes of DOM); screenshot ${screenshot}`);
  if (process.env.DOCS_SCREENSHOT) execFileSync("cp", [screenshot, process.env.DOCS_SCREENSHOT]);
} finally {
  wrangler.kill("SIGTERM");
  await new Promise((r) => wrangler.once("exit", r));
  if (!process.env.DOCS_KEEP) rmSync(dir, { recursive: true, force: true });
}
