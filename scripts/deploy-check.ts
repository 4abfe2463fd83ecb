// `npm run deploy:check` (and so `npm run deploy`): refuses a deployment whose settings are unsafe
// or wrong, one line per problem with what to do (the rules: scripts/deploy-rules.ts). The secrets'
// names come from `wrangler secret list` (needs a Cloudflare login); their values cannot be read, so
// only their presence is checked.
//
//   --config <path>              the Wrangler configuration (default: wrangler.toml)
//   --env <name>                 its [env.<name>], as `wrangler deploy --env <name>`
//   --skip-secrets               does not ask Cloudflare which secrets are set
//   --secrets-json <file>        what `wrangler secret list --format json` would print, from a file
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type DeployConfig, deployProblems, loadConfigSchema, readDeployConfig } from "./deploy-rules.ts";

const ROOT = join(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const args = (() => {
  try {
    return parseArgs({
      options: {
        config: { type: "string" },
        env: { type: "string" },
        "skip-secrets": { type: "boolean", default: false },
        "secrets-json": { type: "string" },
      },
    }).values;
  } catch (e) {
    console.error(`deploy check: ${(e as Error).message}`);
    process.exit(2);
  }
})();
const configPath = args.config ? resolve(args.config) : join(ROOT, "wrangler.toml");
const shown = `${args.config ?? "wrangler.toml"}${args.env ? ` [env.${args.env}]` : ""}`;

/** The names of the Worker's secrets, or why they could not be listed. */
function secretNames(): string[] | { failure: string } {
  const file = args["secrets-json"];
  if (file) {
    try {
      return namesOf(readFileSync(file, "utf8"));
    } catch (e) {
      return { failure: `could not read --secrets-json ${file} (${(e as Error).message})` };
    }
  }
  const envArgs = args.env ? ["--env", args.env] : [];
  const run = spawnSync(
    process.execPath,
    [WRANGLER, "secret", "list", "--format", "json", "--config", configPath, ...envArgs],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
      encoding: "utf8",
      // No terminal: without a login wrangler fails with a sentence instead of opening a browser.
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    },
  );
  if (run.status === 0) {
    try {
      return namesOf(run.stdout);
    } catch (e) {
      return { failure: `could not read what \`wrangler secret list\` printed (${(e as Error).message})` };
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const lines = `${run.stderr}\n${run.stdout}`.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const error = lines.find((l) => l.includes("[ERROR]"))?.replace(/^.*\[ERROR\]\s*/, "");
  const reason = (error ?? run.error?.message ?? lines.findLast((l) => l.trim()) ?? "no output").trim();
  return {
    failure: `could not list the Worker's secrets (${reason}); run \`npx wrangler login\` or pass --skip-secrets to skip this check`,
  };
}

/** What `wrangler secret list --format json` prints: [{"name": "…", "type": "secret_text"}, …]. */
function namesOf(json: string): string[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list) || !list.every((s) => typeof s?.name === "string")) {
    throw new Error('expected a JSON array of {"name": …}');
  }
  return list.map((s: { name: string }) => s.name);
}

let config: DeployConfig;
try {
  config = readDeployConfig(configPath, args.env);
} catch (e) {
  console.error(`deploy check: could not read ${shown}: ${(e as Error).message}`);
  process.exit(1);
}
const problems = deployProblems(config, await loadConfigSchema(), {
  secrets: args["skip-secrets"] ? undefined : secretNames(),
});
if (problems.length) {
  console.error(`deploy check: ${shown} is refused (${problems.length} problem${problems.length > 1 ? "s" : ""}):`);
  for (const p of problems) console.error(`  ✘ ${p}`);
  process.exit(1);
}
console.log(`deploy check: ${shown} passed${args["skip-secrets"] ? " (secrets not checked: --skip-secrets)" : ""}`);
