// The RFC 5322 message the send_email binding gets: whatever a subject or a name holds, every
// header stays one header (no injection through CR/LF), and the bodies decode to what was written.
import { describe, expect, it } from "vitest";
import { buildMime, encodedWord, mailbox } from "../../src/email/mime";
import { templates } from "../../src/email/templates";

const decodeWords = (value: string) =>
  value
    .split(/\r\n /)
    .map((w) => /^=\?UTF-8\?B\?(.*)\?=$/.exec(w.trim())?.[1] ?? "")
    .map((b) => new TextDecoder().decode(Uint8Array.from(atob(b), (ch) => ch.charCodeAt(0))))
    .join("");

function headersOf(message: string): string[] {
  const head = message.slice(0, message.indexOf("\r\n\r\n"));
  // Unfolded: a continuation line (starting with space) belongs to the header before it.
  return head.split(/\r\n(?![ \t])/);
}

describe("the MIME message", () => {
  const evil = "Hello\r\nBcc: victim@example.com\r\n\r\n<script>Zürich 🕐";
  const message = buildMime({
    from: "Time\r\nBcc: x@example.com <timelog@example.com>",
    to: "ada@example.com",
    subject: evil,
    text: "Plain: https://app.example.com/reset-password#token=abc\r\n.\r\nmore",
    html: "<p>Zürich</p>",
    messageId: "id-1@example.com",
  });

  it("keeps a subject or name with CR/LF in one header each", () => {
    const headers = headersOf(message);
    expect(headers.map((h) => h.split(":")[0])).toEqual([
      "From",
      "To",
      "Subject",
      "Date",
      "Message-ID",
      "MIME-Version",
      "Content-Type",
    ]);
    expect(message.slice(0, message.indexOf("\r\n\r\n"))).not.toMatch(/\r\nBcc:/i);
    const subject = headers.find((h) => h.startsWith("Subject: "))?.slice(9) ?? "";
    expect(decodeWords(subject)).toBe(evil);
    for (const line of message.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
  });

  it("carries both bodies in base64, decoding to what was written", () => {
    const parts = [...message.matchAll(/Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/g)];
    const decoded = parts.map((p) =>
      new TextDecoder().decode(Uint8Array.from(atob((p[1] ?? "").replaceAll("\r\n", "")), (ch) => ch.charCodeAt(0))),
    );
    expect(decoded).toEqual(["Plain: https://app.example.com/reset-password#token=abc\r\n.\r\nmore", "<p>Zürich</p>"]);
  });

  it("encodes names and keeps bare addresses bare", () => {
    expect(mailbox("timelog@example.com")).toBe("<timelog@example.com>");
    expect(mailbox("TimeLog <t@example.com>")).toBe(`${encodedWord("TimeLog")}\r\n <t@example.com>`);
    expect(encodedWord("x".repeat(200)).split("\r\n ").length).toBeGreaterThan(3);
  });

  it("templates keep a typed name out of the subject's line structure", () => {
    const name = "eve\r\nBcc: victim@example.com";
    for (const template of ["password_reset", "password_changed"]) {
      const out = templates[template]?.(
        { username: name },
        { appUrl: "https://app.example.com", secret: "s", to: "a@b.c" },
      );
      expect(out?.subject).not.toMatch(/[\r\n]/);
      expect(out?.html).not.toContain("<script");
    }
    const reset = templates.password_reset?.(
      { username: "<b>eve</b>" },
      { appUrl: "https://app.example.com", secret: "tok", to: "a@b.c" },
    );
    expect(reset?.html).toContain("&lt;b&gt;eve&lt;/b&gt;");
    expect(reset?.text).toContain("https://app.example.com/reset-password#token=tok");
  });
});
