// An RFC 5322 message for Cloudflare's send_email binding, built by hand: a text and an HTML
// part (multipart/alternative), every body base64, the subject an RFC 2047 encoded word. Nothing
// a person typed reaches a header raw, so a CR/LF in a subject or name can never start a header.
// (mimetext would do the same and was not added: a dependency of the Worker bundle for ~60 lines.)

export interface MimeInput {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Message-ID's domain: the sender's. */
  messageId: string;
  date?: Date;
}

const utf8 = new TextEncoder();

function base64(text: string): string {
  const bytes = utf8.encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Lines of at most 76 characters (RFC 2045). */
const wrap = (b64: string) => b64.match(/.{1,76}/g)?.join("\r\n") ?? "";

/**
 * A header value as RFC 2047 encoded words (UTF-8, base64), each 60 characters at most, folded
 * onto continuation lines (of at most 78): whatever the value holds, the header stays one header.
 */
export function encodedWord(value: string): string {
  // Chunks of whole code points whose UTF-8 base64 fits one word (36 bytes → 48 characters).
  const words: string[] = [];
  let chunk = "";
  for (const ch of value) {
    if (utf8.encode(chunk + ch).length > 36) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk !== "" || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${base64(w)}?=`).join("\r\n ");
}

/** A plain address (the outbox's CHECK already refuses CR, LF and lists): no display name. */
const address = (a: string) => `<${a.replace(/[\r\n<>]/g, "")}>`;

/** `Name <addr>` with the name encoded, or a bare address. */
export function mailbox(value: string): string {
  const m = /^(.*?)\s*<([^<>\r\n]+)>\s*$/s.exec(value);
  if (!m) return address(value.trim());
  const name = (m[1] ?? "").trim();
  return name === "" ? address(m[2] ?? "") : `${encodedWord(name)}\r\n ${address(m[2] ?? "")}`;
}

/** Just the address of `Name <addr>` (the envelope sender). */
export const bareAddress = (value: string) => /<([^<>\r\n]+)>/.exec(value)?.[1] ?? value.trim();

export function buildMime(m: MimeInput): string {
  const boundary = `tl-${crypto.randomUUID()}`;
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      "Content-Transfer-Encoding: base64",
      "",
      wrap(base64(body)),
    ].join("\r\n");
  return [
    `From: ${mailbox(m.from)}`,
    `To: ${address(m.to)}`,
    `Subject: ${encodedWord(m.subject)}`,
    `Date: ${(m.date ?? new Date()).toUTCString()}`,
    `Message-ID: <${m.messageId}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
    "",
    part("text/plain", m.text),
    part("text/html", m.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}
