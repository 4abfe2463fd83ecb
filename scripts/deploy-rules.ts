// What `npm run deploy:check` refuses (scripts/deploy-check.ts): each rule returns one line saying
// what is wrong and what to do. The configuration is what wrangler itself resolves; the settings are
// checked by the worker's own schema.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { unstable_readConfig } from "wrangler";

const ROOT = join(import.meta.dirname, "..");
export const REQUIRED_SECRETS = ["DATABASE_URL", "JWT_PRIVATE_KEY"];
/** Config that are secrets: in [vars] they would sit in the repository in plain text. */
const SECRET_SETTINGS = [...REQUIRED_SECRETS, "DATABASE_URL_READ", "JWT_PUBLIC_KEYS", "TURNSTILE_SECRET"];
/** Each [[ratelimits]] binding and the var that tells clients its limit (src/lib/rate-limit.ts). */
const RATE_LIMITS = {
  RATE_LIMIT_CREDENTIAL: "RATE_LIMIT_PER_MINUTE",
  RATE_LIMIT_ADDRESS: "RATE_LIMIT_ANONYMOUS_PER_MINUTE",
  RATE_LIMIT_HEAVY: "RATE_LIMIT_HEAVY_PER_MINUTE",
} as const;
const PLACEHOLDER_KV_ID = "00000000000000000000000000000000";

// Typed by hand: src/ is checked against the Workers types, scripts/ against Node's.
type Issue = { path: PropertyKey[]; message: string };
type Parsed = { success: true; data: unknown } | { success: false; error: { issues: Issue[] } };
export type Schema = { shape: Record<string, { safeParse(v: unknown): Parsed }> };
/** What the rules read of wrangler's resolved configuration (its `Config`). */
export interface DeployConfig {
  vars: Record<string, unknown>;
  ratelimits: { name: string; simple: { limit: number; period: number } }[];
  kv_namespaces: { binding: string; id?: string }[];
}

/** The configuration as `wrangler deploy` resolves it ([env.<name>] included), read offline. */
export function readDeployConfig(path: string, env?: string): DeployConfig {
  const { vars, ratelimits, kv_namespaces } = unstable_readConfig({ config: path, env }, { hideWarnings: true });
  return { vars, ratelimits, kv_namespaces };
}

/** src/config.ts imports without extensions, as a bundler reads them: bundle it, then load it. */
export async function loadConfigSchema(): Promise<Schema> {
  const work = mkdtempSync(join(tmpdir(), "timelog-deploy-check-"));
  try {
    await build({
      stdin: { contents: 'export { ConfigSchema } from "./src/config";', resolveDir: ROOT, loader: "ts" },
      outfile: join(work, "settings.mjs"),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "es2024",
      logLevel: "warning",
    });
    const module = (await import(pathToFileURL(join(work, "settings.mjs")).href)) as { ConfigSchema: Schema };
    return module.ConfigSchema;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface Checked {
  /** The Worker's secret names, or why they could not be listed; undefined: not checked. */
  secrets?: string[] | { failure: string };
}

export function deployProblems(config: DeployConfig, schema: Schema, checked: Checked): string[] {
  const vars = config.vars;
  const { settings, problems } = parseSettings(vars, schema);
  problems.push(...settingProblems(vars, settings), ...bindingProblems(config, settings));
  const secrets = checked.secrets;
  if (secrets && "failure" in secrets) problems.push(secrets.failure);
  else if (secrets) {
    for (const name of REQUIRED_SECRETS.filter((n) => !secrets.includes(n))) {
      problems.push(`the secret ${name} is not set on the Worker: run \`npx wrangler secret put ${name}\``);
    }
    if (secrets.includes("NEON_FETCH_ENDPOINT")) {
      problems.push(
        "NEON_FETCH_ENDPOINT is a secret of the Worker: it is for local development only; `npx wrangler secret delete NEON_FETCH_ENDPOINT`",
      );
    }
  }
  return problems;
}

/**
 * Every setting through the worker's schema, field by field so one bad value does not hide the
 * others; defaults apply as in the worker. Placeholders stand in for the secrets' unreadable values.
 */
const RETIRED = ["REGISTRATION_OPEN"];

function parseSettings(vars: Record<string, unknown>, schema: Schema) {
  const env: Record<string, unknown> = { DATABASE_URL: "postgres://check:check@localhost/check", JWT_PRIVATE_KEY: "x" };
  Object.assign(env, vars);
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, field] of Object.entries(schema.shape)) {
    const parsed = field.safeParse(env[name]);
    if (parsed.success) {
      settings[name] = parsed.data;
      continue;
    }
    for (const issue of parsed.error.issues) {
      const where = [name, ...issue.path.map(String)].join(".");
      problems.push(`${where} = ${JSON.stringify(env[name])} is refused by the worker's settings: ${issue.message}`);
    }
  }
  // Retired settings have their own line, saying what replaced them (settingProblems).
  for (const name of Object.keys(vars).filter((n) => !(n in schema.shape) && !RETIRED.includes(n))) {
    problems.push(`${name} in [vars] is not a setting the worker reads (a typo?): remove or rename it`);
  }
  return { settings, problems };
}

function settingProblems(vars: Record<string, unknown>, settings: Record<string, unknown>) {
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS.filter((n) => n in vars)) {
    problems.push(
      `${name} is in [vars], in plain text in the repository: remove it and \`npx wrangler secret put ${name}\``,
    );
  }
  if (settings.WEBHOOK_ALLOW_LOOPBACK === true) {
    problems.push(
      'WEBHOOK_ALLOW_LOOPBACK is "true": webhook receivers on plain http to the loopback are for `npm run dev` and tests; set WEBHOOK_ALLOW_LOOPBACK = "false"',
    );
  }
  if ("NEON_FETCH_ENDPOINT" in vars) {
    problems.push(
      "NEON_FETCH_ENDPOINT is set: it is for local development only (the worker would send its queries there); remove it",
    );
  }
  // Who may register is the company setting `registration` now (in the database, changed by
  // PATCH /settings): a leftover var would suggest a closed deployment that is open.
  if ("REGISTRATION_OPEN" in vars) {
    problems.push(
      'REGISTRATION_OPEN is no longer read: registration is the company setting (PATCH /settings {"registration": "invite_only"} closes it, before this deploy); remove the var',
    );
  }
  for (const origin of (settings.CORS_ORIGINS as string[] | undefined) ?? []) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {}
    // The worker compares the Origin header with each entry as a string: it must be an origin exactly.
    if (origin.includes("*") || url?.protocol !== "https:" || url.origin !== origin) {
      problems.push(
        `CORS_ORIGINS has ${JSON.stringify(origin)}: list exact https origins (https://app.example.com, no "*", no path or trailing slash)`,
      );
    }
  }
  const verify = settings.TURNSTILE_VERIFY_URL;
  if (typeof verify === "string" && !verify.startsWith("https://")) {
    problems.push("TURNSTILE_VERIFY_URL is not https: leave it unset (Cloudflare's siteverify URL)");
  }
  return problems;
}

function bindingProblems(config: DeployConfig, settings: Record<string, unknown>) {
  const problems: string[] = [];
  for (const [binding, varName] of Object.entries(RATE_LIMITS)) {
    const limit = settings[varName];
    const found = config.ratelimits.find((r) => r.name === binding);
    if (!found) {
      problems.push(
        `no [[ratelimits]] binding named ${binding}: add one with simple = { limit = ${limit}, period = 60 } (without it nothing is limited)`,
      );
      continue;
    }
    if (found.simple.limit !== limit) {
      problems.push(
        `[[ratelimits]] ${binding} allows ${found.simple.limit} per window but ${varName} (what the RateLimit headers tell clients) is ${limit}: make them equal`,
      );
    }
    if (found.simple.period !== 60) {
      problems.push(
        `[[ratelimits]] ${binding} has period = ${found.simple.period}: the *_PER_MINUTE settings need period = 60`,
      );
    }
  }
  const signals = config.kv_namespaces.find((kv) => kv.binding === "SIGNALS");
  if (signals?.id === PLACEHOLDER_KV_ID) {
    problems.push(
      `the SIGNALS KV namespace id is the placeholder ${PLACEHOLDER_KV_ID}: run \`npx wrangler kv namespace create SIGNALS\` and put its id in [[kv_namespaces]]`,
    );
  }
  return problems;
}
