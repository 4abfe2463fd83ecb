// Standard Webhooks (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of random
// bytes; a message is signed as HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with
// the decoded secret, sent as `v1,<base64>`; several signatures (during a rotation) are
// space-separated.

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A new signing secret: 256 random bits. */
export const newWebhookSecret = () => `whsec_${base64(crypto.getRandomValues(new Uint8Array(32)))}`;

async function signOne(secret: string, content: Uint8Array): Promise<string> {
  const raw = Uint8Array.from(atob(secret.slice("whsec_".length)), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1,${base64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
}

/** The `webhook-signature` header: one signature per live secret. */
export async function webhookSignature(secrets: string[], id: string, timestamp: number, body: string) {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  return (await Promise.all(secrets.map((s) => signOne(s, content)))).join(" ");
}
