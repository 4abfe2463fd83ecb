// `npm run dev`: the whole stack in one command. Starts the database (embedded PGlite under .data/,
// or DATABASE_URL), applies migrations, writes .dev.vars with fresh keys when missing, serves the
// Neon HTTP protocol on 127.0.0.1:5488 and runs `wrangler dev` on 127.0.0.1:8787, firing its Cron
// Trigger every minute. Ctrl-C stops all.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDatabase } from "./database.ts";
import { emailProvider, parseDevVars, webhookLoopback } from "./dev-vars.ts";
import { newSigningKey, newTotpKey } from "./keys.ts";
import { migrate } from "./migrate.ts";
import { fixedBackend } from "./neon-local/backend.ts";
import { distanceFromEnv, startNeonLocal } from "./neon-local/server.ts";
import { ensureDevSuperuser } from "./users.ts";

const ROOT = join(import.meta.dirname, "..");
// TIMELOG_DEV_VARS and TIMELOG_DEV_PORT move the settings file and the port (the quickstart test
// runs a second stack beside a developer's own).
const DEV_VARS = process.env.TIMELOG_DEV_VARS ?? join(ROOT, ".dev.vars");
const PORT = process.env.TIMELOG_DEV_PORT ?? "8787";

async function ensureDevVars(): Promise<Record<string, string>> {
  if (!existsSync(DEV_VARS)) {
    const example = await readFile(join(ROOT, ".dev.vars.example"), "utf8");
    const vars = example
      .replace(/^JWT_PRIVATE_KEY=.*$/m, `JWT_PRIVATE_KEY=${newSigningKey()}`)
      .replace(/^(# )?TOTP_ENCRYPTION_KEY=.*$/m, `TOTP_ENCRYPTION_KEY=${newTotpKey()}`);
    await writeFile(DEV_VARS, vars);
    console.log("wrote .dev.vars with a fresh development signing key and TOTP encryption key");
  }
  return parseDevVars(await readFile(DEV_VARS, "utf8"));
}

const vars = await ensureDevVars();
const db = await openDatabase();
console.log(`database: ${db.label}`);
const applied = await migrate(db.pool, (l) => console.log(l));
if (!applied.length) console.log("migrations: up to date");
await ensureDevSuperuser(db.pool);

const endpoint = new URL(vars.NEON_FETCH_ENDPOINT || "http://127.0.0.1:5488/sql");
const local = await startNeonLocal(fixedBackend(db.pool), {
  port: Number(endpoint.port),
  host: endpoint.hostname,
  // NEON_LOCAL_RTT_MS=80 npm run dev: every database round trip as from another continent.
  ...distanceFromEnv(),
});
console.log(
  `neon endpoint: ${local.url}${local.faults.rttMs ? ` (injected round trip ${local.faults.rttMs} ms)` : ""}`,
);
const loopback = webhookLoopback(vars);
console.log(
  `webhooks: ${loopback.message}; the Cron Trigger (retries) fires every minute; ` +
    "a local receiver: npm run webhooks:listen -- --secret whsec_… on http://127.0.0.1:8788/ (README, Webhooks)",
);

const email = emailProvider(vars);
console.log(`emails: ${email.message}`);
// The MCP server (issue 25 §1): an assistant connects here with an API token (README, Assistants).
console.log(`mcp: http://127.0.0.1:${PORT}/mcp (Streamable HTTP; Authorization: Bearer <API token>)`);

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const wrangler = spawn(
  process.execPath,
  [
    join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    PORT,
    // Another settings file than .dev.vars: wrangler reads it as an env file.
    ...(process.env.TIMELOG_DEV_VARS ? ["--env-file", DEV_VARS] : []),
    // Webhook receivers on loopback http, unless .dev.vars says otherwise.
    ...loopback.args,
    // Emails printed with their links, unless .dev.vars names a provider.
    ...email.args,
    // Local dev does not fire Cron Triggers: this exposes /__scheduled, which the timer below calls.
    "--test-scheduled",
  ],
  { cwd: ROOT, env, stdio: "inherit" },
);
// The Cron Trigger, as production runs it (wrangler.toml): webhook retries every minute.
const cron = setInterval(() => {
  fetch(`http://127.0.0.1:${PORT}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, 60_000);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(cron);
  wrangler.kill("SIGTERM");
  await local.close();
  await db.close();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
wrangler.on("exit", (code) => void stop(code ?? 0));
