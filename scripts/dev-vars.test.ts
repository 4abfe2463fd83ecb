// What `npm run dev` prints about webhook receivers on loopback is what the worker will do.
import { describe, expect, it } from "vitest";
import { emailProvider, parseDevVars, webhookLoopback } from "./dev-vars.ts";

describe("npm run dev: webhook receivers on loopback", () => {
  it("allows them when .dev.vars does not say, and passes the setting to wrangler", () => {
    const { args, message } = webhookLoopback(parseDevVars("DATABASE_URL=postgres://a:b@h/d\n"));
    expect(args).toEqual(["--var", "WEBHOOK_ALLOW_LOOPBACK:true"]);
    expect(message).toMatch(/are allowed/);
  });

  it("says they are refused when .dev.vars turns them off, in any dotenv spelling", () => {
    for (const line of [
      "WEBHOOK_ALLOW_LOOPBACK=false",
      'WEBHOOK_ALLOW_LOOPBACK="false"',
      "WEBHOOK_ALLOW_LOOPBACK = false # prod-like",
    ]) {
      const { args, message } = webhookLoopback(parseDevVars(`A=1\n${line}\n`));
      expect(args).toEqual([]);
      expect(message).toMatch(/refused/);
      expect(message).not.toMatch(/allowed/);
    }
  });

  it("says so when .dev.vars turns them on, and warns about a value the worker rejects", () => {
    expect(webhookLoopback(parseDevVars("WEBHOOK_ALLOW_LOOPBACK=true")).message).toMatch(/allowed \(.dev.vars\)/);
    const odd = webhookLoopback(parseDevVars("WEBHOOK_ALLOW_LOOPBACK=yes"));
    expect(odd.args).toEqual([]);
    expect(odd.message).toMatch(/neither true nor false/);
  });

  it("keeps the last of repeated names and ignores comments", () => {
    const vars = parseDevVars(
      "# WEBHOOK_ALLOW_LOOPBACK=true\nWEBHOOK_ALLOW_LOOPBACK=true\nWEBHOOK_ALLOW_LOOPBACK=false",
    );
    expect(vars).toEqual({ WEBHOOK_ALLOW_LOOPBACK: "false" });
  });
});

describe("npm run dev: email", () => {
  it("prints emails (log) unless .dev.vars names a provider", () => {
    expect(emailProvider(parseDevVars("A=1\n")).args).toEqual(["--var", "EMAIL_PROVIDER:log"]);
    expect(emailProvider(parseDevVars("EMAIL_PROVIDER=\n")).args).toEqual(["--var", "EMAIL_PROVIDER:log"]);
    const http = emailProvider(parseDevVars("EMAIL_PROVIDER=http\n"));
    expect(http.args).toEqual([]);
    expect(http.message).toMatch(/EMAIL_PROVIDER=http/);
  });
});
