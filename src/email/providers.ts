// Where a rendered email goes, by EMAIL_PROVIDER: a Resend-compatible JSON API (`http`),
// Cloudflare's send_email binding (`cloudflare`), or the console for `npm run dev` (`log`).
// Unset: nothing is sent (the rows wait, GET /emails says why).
import type { Config } from "../config";
import { bareAddress, buildMime } from "./mime";
import type { EmailContent } from "./template";

export interface Outgoing extends EmailContent {
  id: string;
  to: string;
  template: string;
}

/** sent; retry (a transient failure); failed (will never work); held (no provider: not attempted). */
export type Result = { result: "sent" } | { result: "retry" | "failed" | "held"; error: string };

const POST_TIMEOUT_MS = 10_000;

async function viaHttp(mail: Outgoing, settings: Config): Promise<Result> {
  if (!settings.EMAIL_HTTP_URL) return { result: "held", error: "EMAIL_HTTP_URL is not set" };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), POST_TIMEOUT_MS);
  try {
    const res = await fetch(settings.EMAIL_HTTP_URL, {
      method: "POST",
      redirect: "manual",
      signal: timeout.signal,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${settings.EMAIL_HTTP_TOKEN ?? ""}`,
        // Resend deduplicates retries of one email by this key for 24 hours.
        "idempotency-key": `email-${mail.id}`,
      },
      body: JSON.stringify({
        from: settings.EMAIL_FROM,
        to: [mail.to],
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        tags: [{ name: "template", value: mail.template }],
      }),
    });
    await res.body?.cancel();
    if (res.ok) return { result: "sent" };
    // A 4xx other than 408/429 is the request itself (bad address, unverified domain): final.
    const final = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    return { result: final ? "failed" : "retry", error: `HTTP ${res.status}` };
  } catch {
    return { result: "retry", error: "connection failed (no HTTP response)" };
  } finally {
    clearTimeout(timer);
  }
}

async function viaCloudflare(mail: Outgoing, settings: Config, binding: SendEmail | undefined): Promise<Result> {
  if (!binding) return { result: "held", error: "the EMAIL (send_email) binding is missing" };
  try {
    const { EmailMessage } = await import("cloudflare:email");
    const from = bareAddress(settings.EMAIL_FROM);
    const domain = from.split("@")[1] ?? "localhost";
    const raw = buildMime({ ...mail, from: settings.EMAIL_FROM, messageId: `${crypto.randomUUID()}@${domain}` });
    await binding.send(new EmailMessage(from, mail.to, raw));
    return { result: "sent" };
  } catch (err) {
    return { result: "retry", error: `send_email: ${String((err as Error).message ?? err).slice(0, 200)}` };
  }
}

export function send(mail: Outgoing, settings: Config, binding?: SendEmail): Promise<Result> | Result {
  switch (settings.EMAIL_PROVIDER) {
    case "http":
      return viaHttp(mail, settings);
    case "cloudflare":
      return viaCloudflare(mail, settings, binding);
    case "log":
      // Development only: the links are what a developer clicks through.
      console.log(`[email] to ${mail.to}: ${mail.subject}\n${mail.text}`);
      return { result: "sent" };
    default:
      return { result: "held", error: "EMAIL_PROVIDER is not set: nothing is sent" };
  }
}
