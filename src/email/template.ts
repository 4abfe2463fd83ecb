// What an email template is: plain text and HTML from the outbox row's data, rendered at delivery
// (the outbox stores data, not bodies, so a template fix reaches emails still waiting). Each
// template is a file in src/email/templates/, registered in templates/index.ts.

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateContext {
  /** PUBLIC_APP_URL without a trailing slash: links point into the front end. */
  appUrl: string;
  /** The row's one-time token (null once sent, or for notices without a link). */
  secret: string | null;
  to: string;
}

export type Template = (data: Record<string, unknown>, ctx: TemplateContext) => EmailContent;

/**
 * A front-end link carrying a one-time token in the fragment: browsers do not send fragments to
 * servers or in Referer, so the token stays out of the front end's access logs.
 */
export function tokenLink(ctx: TemplateContext, path: string): string {
  return `${ctx.appUrl}${path}#token=${encodeURIComponent(ctx.secret ?? "")}`;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

/**
 * Anything a person typed (a username, a team's name) that goes into a subject: one line, so it
 * can never start a header of its own, and short.
 */
export const oneLine = (value: unknown, max = 80) =>
  String(value ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
    .trim()
    .slice(0, max);

/** The common HTML frame: one paragraph per text line, a button for the link when there is one. */
export function html(paragraphs: string[], button?: { href: string; label: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
  const link = button
    ? `\n<p><a href="${escapeHtml(button.href)}" style="display:inline-block;padding:10px 16px;background:#2456d6;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(button.label)}</a></p>\n<p style="color:#666;font-size:12px">${escapeHtml(button.href)}</p>`
    : "";
  return `<!doctype html>\n<html><body style="font-family:sans-serif;line-height:1.5">\n${body}${link}\n</body></html>`;
}
