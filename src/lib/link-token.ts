// One-time link tokens (invitations, email verification and change, password reset): 256 random
// bits, base64url, with a prefix saying what they are for (secret scanners, support). Only the
// hash is stored; the token itself travels in the email's link and is never logged or listed.
import { sha256Hex } from "./hash";
import { b64url } from "./page";

export type LinkKind = "inv" | "ver" | "chg" | "rst";

export async function newLinkToken(kind: LinkKind): Promise<{ token: string; hash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = `tl_${kind}_${b64url(String.fromCharCode(...bytes))}`;
  return { token, hash: await linkTokenHash(token) };
}

/** What the database stores and looks up: any string hashes, so a malformed token just finds nothing. */
export const linkTokenHash = (token: string) => sha256Hex(token);
