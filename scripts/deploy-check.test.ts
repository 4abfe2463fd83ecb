// `npm run deploy:check`: the repository's wrangler.toml is refused as it stands (placeholder KV id,
// open registration), a safe configuration passes, and each unsafe setting alone is refused with its
// own line. Configurations are the repository's own with one change each, so the checks follow it.
// The command runs as a process; the single settings are checked in this process (each run of the
// command loads wrangler, about 2 s).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployProblems, loadConfigSchema, readDeployConfig, type Schema } from "./deploy-rules.ts";

const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "timelog-deploy-check-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOTH_SECRETS = join(dir, "secrets.json");
writeFileSync(
  BOTH_SECRETS,
  JSON.stringify([
    { name: "DATABASE_URL", type: "secret_text" },
    { name: "JWT_PRIVATE_KEY", type: "secret_text" },
  ]),
);

/** The repository's wrangler.toml with each `from` replaced (which must be there) by `to`. */
function edited(...changes: [from: string | RegExp, to: string][]): string {
  let text = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  for (const [from, to] of changes) {
    const next = text.replace(from, to);
    expect(next, `wrangler.toml no longer has ${from}`).not.toBe(text);
    text = next;
  }
  return text;
}
const SAFE: [string, string][] = [
  ['id = "00000000000000000000000000000000"', 'id = "0123456789abcdef0123456789abcdef"'],
  ['CORS_ORIGINS = ""', 'CORS_ORIGINS = "https://app.example.com,https://admin.example.com:8443"'],
];

let configs = 0;
function configFile(text: string): string {
  const path = join(dir, `wrangler-${++configs}.toml`);
  writeFileSync(path, text);
  return path;
}

function check(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const script = join(ROOT, "scripts", "deploy-check.ts");
  const child = spawn(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", script, ...args],
    {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise<{ code: number | null; out: string; problems: string[] }>((resolve) => {
    child.on("close", (code) => {
      const problems = out.split("\n").filter((l) => l.trim().startsWith("✘"));
      resolve({ code, out, problems });
    });
  });
}

it("refuses the repository's wrangler.toml: placeholder KV id", async () => {
  const { code, problems } = await check(["--secrets-json", BOTH_SECRETS]);
  expect(code).toBe(1);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(
    /SIGNALS KV namespace id is the placeholder 0{32}: run `npx wrangler kv namespace create SIGNALS`/,
  );
});

it("passes a safe configuration whose Worker has both secrets", async () => {
  const { code, out } = await check(["--config", configFile(edited(...SAFE)), "--secrets-json", BOTH_SECRETS]);
  expect(out).toMatch(/deploy check: .*wrangler-\d+\.toml passed\n/);
  expect(code).toBe(0);
});

describe("refuses each unsafe setting alone, with its line", () => {
  let schema: Schema;
  beforeAll(async () => {
    schema = await loadConfigSchema();
  });
  const cases: [string, [string | RegExp, string][], RegExp][] = [
    [
      "webhook receivers on loopback",
      [['WEBHOOK_ALLOW_LOOPBACK = "false"', 'WEBHOOK_ALLOW_LOOPBACK = "true"']],
      /WEBHOOK_ALLOW_LOOPBACK is "true": .*set WEBHOOK_ALLOW_LOOPBACK = "false"/,
    ],
    [
      "a leftover REGISTRATION_OPEN (the company setting decides now)",
      [['WEBHOOK_ALLOW_LOOPBACK = "false"', 'WEBHOOK_ALLOW_LOOPBACK = "false"\nREGISTRATION_OPEN = "false"']],
      /REGISTRATION_OPEN is no longer read: registration is the company setting \(PATCH \/settings/,
    ],
    ["the placeholder KV id", [['id = "0123456789abcdef0123456789abcdef"', `id = "${"0".repeat(32)}"`]], /placeholder/],
    [
      "a rate limit binding out of step with its var",
      [["limit = 300,", "limit = 600,"]],
      /\[\[ratelimits\]\] RATE_LIMIT_ADDRESS allows 600 per window but RATE_LIMIT_ANONYMOUS_PER_MINUTE .* is 300: make them equal/,
    ],
    [
      "a var out of step with its binding",
      [['RATE_LIMIT_HEAVY_PER_MINUTE = "60"', 'RATE_LIMIT_HEAVY_PER_MINUTE = "90"']],
      /RATE_LIMIT_HEAVY allows 60 per window but RATE_LIMIT_HEAVY_PER_MINUTE .* is 90/,
    ],
    [
      "a missing rate limit binding",
      [[/\[\[ratelimits\]\]\nname = "RATE_LIMIT_CREDENTIAL"\n.*\n.*\n/, ""]],
      /no \[\[ratelimits\]\] binding named RATE_LIMIT_CREDENTIAL: add one with simple = \{ limit = 1200, period = 60 \}/,
    ],
    [
      "a rate limit window other than a minute",
      [["limit = 60, period = 60", "limit = 60, period = 10"]],
      /RATE_LIMIT_HEAVY has period = 10: the \*_PER_MINUTE settings need period = 60/,
    ],
    [
      "Turnstile verified over plain http",
      [["[vars]\n", '[vars]\nTURNSTILE_VERIFY_URL = "http://127.0.0.1:9/siteverify"\n']],
      /TURNSTILE_VERIFY_URL is not https/,
    ],
    ["CORS for any origin", [["https://app.example.com,", "*,"]], /CORS_ORIGINS has "\*": list exact https origins/],
    [
      "CORS over plain http",
      [["https://app.example.com,", "http://localhost:5173,"]],
      /CORS_ORIGINS has "http:\/\/localhost:5173"/,
    ],
    [
      "a CORS origin with a path",
      [["https://app.example.com,", "https://app.example.com/,"]],
      /CORS_ORIGINS has "https:\/\/app.example.com\/"/,
    ],
    [
      "a value the worker's settings refuse",
      [['ACCESS_TOKEN_TTL = "900"', 'ACCESS_TOKEN_TTL = "5"']],
      /ACCESS_TOKEN_TTL = "5" is refused by the worker's settings/,
    ],
    [
      "a misspelt setting",
      [["[vars]\n", '[vars]\nREGISTRATON_OPEN = "false"\n']],
      /REGISTRATON_OPEN in \[vars\] is not a setting the worker reads/,
    ],
    [
      "a secret in plain text",
      [["[vars]\n", '[vars]\nJWT_PUBLIC_KEYS = "{}"\n']],
      /JWT_PUBLIC_KEYS is in \[vars\], in plain text .*`npx wrangler secret put JWT_PUBLIC_KEYS`/,
    ],
    [
      "the read replica's connection string in plain text",
      [["[vars]\n", '[vars]\nDATABASE_URL_READ = "postgres://u:p@replica.example/db"\n']],
      /DATABASE_URL_READ is in \[vars\], in plain text .*`npx wrangler secret put DATABASE_URL_READ`/,
    ],
    [
      "the local database endpoint",
      [["[vars]\n", '[vars]\nNEON_FETCH_ENDPOINT = "http://127.0.0.1:4444/sql"\n']],
      /NEON_FETCH_ENDPOINT is set: it is for local development only/,
    ],
  ];
  it.each(cases)("%s", (_, changes, line) => {
    const config = readDeployConfig(configFile(edited(...SAFE, ...changes)));
    const problems = deployProblems(config, schema, { secrets: ["DATABASE_URL", "JWT_PRIVATE_KEY"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(line);
  });

  it("passes the same configuration without the change", () => {
    const config = readDeployConfig(configFile(edited(...SAFE)));
    expect(deployProblems(config, schema, { secrets: ["DATABASE_URL", "JWT_PRIVATE_KEY"] })).toEqual([]);
  });
});

it("refuses a Worker without its secrets", async () => {
  const one = join(dir, "one-secret.json");
  writeFileSync(one, JSON.stringify([{ name: "DATABASE_URL", type: "secret_text" }]));
  const { code, problems } = await check(["--config", configFile(edited(...SAFE)), "--secrets-json", one]);
  expect(problems).toEqual([
    "  ✘ the secret JWT_PRIVATE_KEY is not set on the Worker: run `npx wrangler secret put JWT_PRIVATE_KEY`",
  ]);
  expect(code).toBe(1);
});

it("refuses when wrangler cannot list the secrets (no login), unless --skip-secrets", async () => {
  // A home without wrangler's login and no API token: `wrangler secret list` fails before any request.
  const home = join(dir, "home");
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const safe = configFile(edited(...SAFE));
  const refused = await check(["--config", safe], env);
  expect(refused.problems).toHaveLength(1);
  expect(refused.problems[0]).toMatch(
    /could not list the Worker's secrets \(.*CLOUDFLARE_API_TOKEN.*\); run `npx wrangler login` or pass --skip-secrets to skip this check/,
  );
  expect(refused.code).toBe(1);
  const skipped = await check(["--config", safe, "--skip-secrets"], env);
  expect(skipped.out).toMatch(/passed \(secrets not checked: --skip-secrets\)/);
  expect(skipped.code).toBe(0);
}, 90_000);
