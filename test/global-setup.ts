// Runs in Node before the workerd test pool starts: brings up the local Neon endpoint, and a
// gateway whose database is down (it answers 502 as Neon's proxy does when it cannot reach the
// compute). A closed port would do too, but workerd logs every refused fetch as an uncaught
// rejection even when the caller handles it, and a test run should print none.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startTestDatabase } from "../scripts/test-database.ts";
import { enforce, startOperationCollector } from "./helpers/operation-gate.ts";
import { TURNSTILE_TEST_SECRETS } from "./helpers/turnstile.ts";

declare module "vitest" {
  export interface ProvidedContext {
    neonEndpoint: string;
    downEndpoint: string;
    databaseKind: "pglite" | "postgres";
    fuzzRuns: number;
    webhookReceiver: string;
    mailReceiver: string;
    turnstileVerifier: string;
    operationCollector: string;
  }
}

interface Received {
  headers: Record<string, string>;
  body: string;
  /** When the request arrived (ms since the epoch), before any delay. */
  at: number;
}

/**
 * A webhook receiver on loopback, as a customer would run one: POST /hooks/<name> records the
 * request; `?fail=N` answers 500 to the first N, `?status=S` always answers S, `?delay=MS` answers
 * only after MS milliseconds (a slow receiver). GET /received/<name> tells the tests what arrived (and was answered 2xx) and how many
 * attempts there were.
 */
async function startReceiver() {
  const log = new Map<string, { attempts: number; received: Received[] }>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, kind, name = ""] = url.pathname.split("/");
    const entry = log.get(name) ?? { attempts: 0, received: [] };
    log.set(name, entry);
    if (req.method === "GET" && kind === "received") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(entry));
      return;
    }
    const at = Date.now();
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const delay = Number(url.searchParams.get("delay") ?? 0);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      entry.attempts += 1;
      const status = Number(url.searchParams.get("status") ?? 0);
      const fail = entry.attempts <= Number(url.searchParams.get("fail") ?? 0);
      const answer = status || (fail ? 500 : 204);
      if (answer < 300) {
        const headers = Object.fromEntries(
          ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"].map((h) => [
            h,
            String(req.headers[h] ?? ""),
          ]),
        );
        entry.received.push({ headers, body, at });
      }
      res.writeHead(answer, answer === 302 ? { location: "http://127.0.0.1:1/elsewhere" } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * A mail API on loopback, as Resend's POST /emails (the worker's EMAIL_PROVIDER=http): POST /send
 * records the JSON body and Authorization by recipient (to[0]); PUT /fail/<address>?times=N
 * answers 500 to that address's next N posts. GET /mail/<address> tells the tests what arrived
 * (and was answered 200) and how many attempts there were.
 */
async function startMailReceiver() {
  const boxes = new Map<string, { attempts: number; failing: number; received: unknown[] }>();
  const box = (address: string) => {
    const key = address.toLowerCase();
    const found = boxes.get(key) ?? { attempts: 0, failing: 0, received: [] };
    boxes.set(key, found);
    return found;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, kind, name = ""] = url.pathname.split("/");
    const address = decodeURIComponent(name);
    if (req.method === "GET" && kind === "mail") {
      const { attempts, received } = box(address);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ attempts, received }));
      return;
    }
    if (req.method === "PUT" && kind === "fail") {
      box(address).failing = Number(url.searchParams.get("times") ?? 1);
      res.writeHead(204);
      res.end();
      return;
    }
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const mail = JSON.parse(body || "{}") as { to?: string[] };
      const entry = box(mail.to?.[0] ?? "");
      entry.attempts += 1;
      if (entry.failing > 0) {
        entry.failing -= 1;
        res.writeHead(500);
        res.end();
        return;
      }
      entry.received.push({ ...mail, authorization: req.headers.authorization ?? "" });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: crypto.randomUUID() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * A Turnstile siteverify on loopback (form or JSON: secret, response, remoteip). The test secrets
 * behave as Cloudflare documents; any other secret acts as a real one: the test sitekeys' dummy
 * token is refused, a token "pass-…" is accepted once, then "timeout-or-duplicate". GET
 * /seen/<token> tells the tests how often a token was verified, and from which remoteip.
 */
async function startVerifier() {
  const seen = new Map<string, { count: number; remoteip: string }>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname.startsWith("/seen/")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(seen.get(decodeURIComponent(url.pathname.slice(6))) ?? { count: 0, remoteip: "" }));
      return;
    }
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const json = /json/.test(req.headers["content-type"] ?? "");
      const form = json
        ? new Map(Object.entries(JSON.parse(body || "{}") as Record<string, string>))
        : new URLSearchParams(body);
      const secret = form.get("secret") ?? "";
      const token = form.get("response") ?? "";
      const before = seen.get(token)?.count ?? 0;
      seen.set(token, { count: before + 1, remoteip: form.get("remoteip") ?? "" });
      let errors: string[] = [];
      if (secret === TURNSTILE_TEST_SECRETS.fail) errors = ["invalid-input-response"];
      else if (secret === TURNSTILE_TEST_SECRETS.spent) errors = ["timeout-or-duplicate"];
      else if (secret === "") errors = ["missing-input-secret"];
      else if (secret !== TURNSTILE_TEST_SECRETS.pass) {
        if (!token.startsWith("pass-")) errors = ["invalid-input-response"];
        else if (before > 0) errors = ["timeout-or-duplicate"];
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: errors.length === 0, "error-codes": errors }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export default async function setup(project: TestProject) {
  const local = await startTestDatabase();
  const down = createServer((_req, res) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("Couldn't connect to compute node");
  });
  await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
  project.provide("neonEndpoint", local.url);
  project.provide("downEndpoint", `http://127.0.0.1:${(down.address() as AddressInfo).port}/sql`);
  project.provide("databaseKind", process.env.TEST_DATABASE_URL ? "postgres" : "pglite");
  project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 300));
  const receiver = await startReceiver();
  project.provide("webhookReceiver", receiver.url);
  const mail = await startMailReceiver();
  project.provide("mailReceiver", mail.url);
  const verifier = await startVerifier();
  project.provide("turnstileVerifier", verifier.url);
  const collector = await startOperationCollector();
  project.provide("operationCollector", collector.url);
  return async () => {
    down.close();
    receiver.server.close();
    mail.server.close();
    verifier.server.close();
    collector.server.close();
    await local.close();
    // Last, so a gap fails the run without leaving the servers above running.
    await enforce(project, collector.reports);
  };
}
