// `npm run webhooks:listen [-- --port 8788] [--secret whsec_…]`: a webhook receiver for local
// development, offline. Register http://127.0.0.1:8788/ as an endpoint (npm run dev allows loopback
// receivers), give it the endpoint's secret, and each delivery is printed with whether its
// Standard Webhooks signature verifies. Answers 204 to a good one and 400 to a bad one (which the
// API then retries, as it would a real receiver's refusal).
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8788" },
    secret: { type: "string", default: process.env.WEBHOOK_SECRET ?? "" },
  },
});
const verifier = values.secret ? new Webhook(values.secret.replace(/^whsec_/, "")) : undefined;

const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    const headers = Object.fromEntries(
      ["webhook-id", "webhook-timestamp", "webhook-signature"].map((h) => [h, String(req.headers[h] ?? "")]),
    );
    let verdict = "unverified (no --secret given)";
    let ok = true;
    if (verifier) {
      try {
        verifier.verify(body, headers);
        verdict = "signature ok";
      } catch (err) {
        verdict = `BAD SIGNATURE (${(err as Error).message})`;
        ok = false;
      }
    }
    let event: { type?: string; timestamp?: string; data?: unknown } = {};
    try {
      event = JSON.parse(body) as typeof event;
    } catch {
      verdict += ", body is not JSON";
    }
    console.log(`${new Date().toISOString()} ${headers["webhook-id"]} ${event.type ?? "?"} — ${verdict}`);
    console.log(JSON.stringify(event.data ?? body, null, 2));
    res.writeHead(ok ? 204 : 400).end();
  });
});
server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(`webhook receiver on http://127.0.0.1:${values.port}/ (Ctrl-C stops it)`);
  if (!verifier) console.log("pass --secret whsec_… (the endpoint's secret) to verify signatures");
});
