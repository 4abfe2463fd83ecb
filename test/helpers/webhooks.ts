// The loopback receiver (test/global-setup.ts) as tests use it: a URL per name, what arrived there.
import { inject } from "vitest";
import { call } from "./api";
import { checkWebhookBody } from "./contract";
import type { TestUser } from "./factories";

const receiver = inject("webhookReceiver");
/** Receiver names are per test file: every file's events go to its own inboxes. */
const file = crypto.randomUUID().slice(0, 8);

export const hook = (name: string, query = "") => `${receiver}/hooks/${name}-${file}${query}`;

export interface Message {
  type: string;
  body: string;
  headers: Record<string, string>;
  /** When the receiver got it (ms since the epoch). */
  at: number;
}

/** What the receiver accepted (answered 2xx) under this name, in arrival order. */
/** For events a test enqueued by hand in SQL (arbitrary data, not a real change): not checked. */
export const SYNTHETIC = { documented: false };

export async function received(name: string, opts = { documented: true }): Promise<Message[]> {
  const res = await fetch(`${receiver}/received/${name}-${file}`);
  const { received } = (await res.json()) as { received: Omit<Message, "type">[] };
  // Every body any test receives is also checked against the document's webhooks section.
  if (opts.documented) for (const m of received) checkWebhookBody(m.body);
  return received.map((m) => ({ ...m, type: (JSON.parse(m.body) as { type: string }).type }));
}

export async function registerEndpoint(admin: TestUser, name: string, events: string[], query = "") {
  const res = await call("POST", "/webhooks", { token: admin.token, body: { url: hook(name, query), events } });
  if (res.status !== 201) throw new Error(`webhook registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; secret: string };
}
