// Where deliveries may go: https only, except loopback http receivers when the setting allows them
// (`npm run dev` and the tests do; production does not).
import type { Settings } from "../settings";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function allowedUrl(url: string, settings: Settings): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === "https:") return true;
  return u.protocol === "http:" && settings.WEBHOOK_ALLOW_LOOPBACK && LOOPBACK.has(u.hostname);
}
