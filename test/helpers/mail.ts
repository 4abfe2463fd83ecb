// Emails as tests see them: what the loopback mail receiver (test/global-setup.ts) got from the
// worker's `http` provider, the way a person's mailbox would. Delivery runs after the response
// (waitUntil), so these poll briefly.
import { inject } from "vitest";

const receiver = inject("mailReceiver");

export interface Email {
  to: string;
  template: string;
  /** The plain-text body, as sent. */
  text: string;
  /** The one-time token the email's link carries (null for notices). */
  token: string | null;
}

/** What the receiver holds for an address: the bodies it accepted, and every attempt. */
export interface Mailbox {
  attempts: number;
  received: {
    from: string;
    to: string[];
    subject: string;
    text: string;
    html: string;
    tags: { name: string; value: string }[];
    authorization: string;
  }[];
}

export async function mailbox(to: string): Promise<Mailbox> {
  const res = await fetch(`${receiver}/mail/${encodeURIComponent(to.toLowerCase())}`);
  return (await res.json()) as Mailbox;
}

/** The receiver answers 500 to this address's next `times` emails. */
export async function failMail(to: string, times: number): Promise<void> {
  await fetch(`${receiver}/fail/${encodeURIComponent(to.toLowerCase())}?times=${times}`, { method: "PUT" });
}

const toEmail = (m: Mailbox["received"][number]): Email => {
  const link = /#token=([^\s"<]+)/.exec(m.text)?.[1];
  return {
    to: m.to[0] ?? "",
    template: m.tags.find((t) => t.name === "template")?.value ?? "",
    text: m.text,
    token: link === undefined ? null : decodeURIComponent(link),
  };
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every email delivered to this address so far, oldest first (waits up to ~1 s for a first one). */
export async function emailsTo(to: string): Promise<Email[]> {
  for (let i = 0; ; i++) {
    const box = await mailbox(to);
    if (box.received.length > 0 || i >= 10) return box.received.map(toEmail);
    await pause(100);
  }
}

/** The newest email of a template to this address (waits up to ~2 s; throws when there is none). */
export async function lastEmail(to: string, template: string): Promise<Email> {
  for (let i = 0; i < 20; i++) {
    const found = (await mailbox(to)).received
      .map(toEmail)
      .filter((e) => e.template === template)
      .at(-1);
    if (found) return found;
    await pause(100);
  }
  throw new Error(`no ${template} email to ${to}`);
}
