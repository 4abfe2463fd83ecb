// Reading .dev.vars as wrangler does, for what `npm run dev` decides and prints from it.

/** KEY=value lines (dotenv syntax: optional quotes, comments); the last one of a name wins. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m?.[1]) continue;
    const raw = m[2] ?? "";
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    vars[m[1]] = quoted ? (quoted[2] ?? "") : raw.replace(/\s+#.*$/, "");
  }
  return vars;
}

/**
 * Webhook receivers on loopback http: on unless .dev.vars sets WEBHOOK_ALLOW_LOOPBACK, in which
 * case the worker reads that value (only "true" turns it on), so the message says what it will do.
 */
export function webhookLoopback(vars: Record<string, string>): { args: string[]; message: string } {
  const value = vars.WEBHOOK_ALLOW_LOOPBACK;
  if (value === undefined) {
    return { args: ["--var", "WEBHOOK_ALLOW_LOOPBACK:true"], message: "receivers on http://127.0.0.1 are allowed" };
  }
  if (value === "true") return { args: [], message: "receivers on http://127.0.0.1 are allowed (.dev.vars)" };
  if (value === "false") {
    return { args: [], message: "receivers on loopback are refused (.dev.vars sets WEBHOOK_ALLOW_LOOPBACK=false)" };
  }
  return {
    args: [],
    message: `.dev.vars sets WEBHOOK_ALLOW_LOOPBACK=${JSON.stringify(value)}, which is neither true nor false: the worker will refuse every request (settings)`,
  };
}

/**
 * Email under `npm run dev`: the `log` provider (each email printed with its links, so every flow
 * can be clicked through offline) unless .dev.vars names a provider.
 */
export function emailProvider(vars: Record<string, string>): { args: string[]; message: string } {
  const value = vars.EMAIL_PROVIDER;
  if (value === undefined || value === "") {
    return { args: ["--var", "EMAIL_PROVIDER:log"], message: "printed here with their links (EMAIL_PROVIDER=log)" };
  }
  return { args: [], message: `sent by EMAIL_PROVIDER=${value} (.dev.vars)` };
}
