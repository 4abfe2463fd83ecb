// `npm run webhooks:listen`: verifies each delivery's signature and says so.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { expect, it } from "vitest";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

it("prints each delivery with its verdict: 204 for a good signature, 400 for a forged one", async () => {
  const secret = `whsec_${Buffer.from("a".repeat(32)).toString("base64")}`;
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "--experimental-strip-types",
      "--no-warnings=ExperimentalWarning",
      join(import.meta.dirname, "webhook-receiver.ts"),
      "--port",
      String(port),
      "--secret",
      secret,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  try {
    while (!out.includes("webhook receiver on")) await new Promise((r) => setTimeout(r, 20));
    const body = JSON.stringify({ type: "timer.started", timestamp: new Date().toISOString(), data: { id: 7 } });
    const headers = (sign: string) => ({
      "content-type": "application/json",
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": sign,
    });
    const now = new Date();
    const good = new Webhook(secret.slice("whsec_".length)).sign("msg_1", now, body);
    const ok = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      body,
      headers: { ...headers(good), "webhook-timestamp": String(Math.floor(now.getTime() / 1000)) },
    });
    expect(ok.status).toBe(204);
    const bad = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers: headers("v1,Zm9yZ2Vk") });
    expect(bad.status).toBe(400);
    // The answer can arrive before the receiver's printed line has crossed the pipe.
    for (const until = Date.now() + 10_000; !out.includes("BAD SIGNATURE") && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(out).toMatch(/msg_1 timer\.started — signature ok/);
    expect(out).toMatch(/msg_1 timer\.started — BAD SIGNATURE/);
  } finally {
    child.kill();
  }
});
