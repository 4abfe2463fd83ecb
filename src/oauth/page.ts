// The consent page: server-rendered HTML on our origin, no script at all. Its CSP allows nothing
// but its own style (by nonce) and form posts to itself and to the client's redirect origin
// (Chromium applies form-action to the redirect that answers the post, RFC-conforming consent
// pages must allow it), and no page may frame it (clickjacking). The referrer policy is
// same-origin, by meta tag (secureHeaders() sets no-referrer on every answer): under no-referrer
// the form's POST carries "Origin: null", which the Origin check rightly refuses; nothing of the
// page leaks to the client's site either way.
import type { Context } from "hono";
import type { Scope } from "../lib/api-token";
import type { AppEnv } from "../lib/router";

const SCOPE_TEXT: Record<Scope, string> = {
  "timelog:read": "See your time logs, projects, timesheets and team",
  "timelog:write": "Clock you in and out, log and change your time, submit and approve weeks",
  "reports:read": "Read reports and summaries",
  admin: "Act as a superuser (superusers only; left out for everyone else)",
};

const htmlEscape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}label{display:block;margin:.5rem 0}input[type=email],input[type=password],input[type=text]{width:100%;padding:.4rem;box-sizing:border-box}
.error{color:#a00;border:1px solid #a00;padding:.5rem}.muted{color:#666;font-size:.9rem}button{margin:1rem .5rem 0 0;padding:.5rem 1rem}`;

export interface PageOptions {
  title: string;
  body: string;
  status?: 200 | 400 | 401 | 403 | 422 | 429;
  /** The client's redirect origin, which the form's answer redirects to. */
  redirectOrigin?: string;
}

/**
 * The redirect origin as a CSP source. CSP's host grammar has no IP-literal: Chromium ignores
 * "http://[::1]:8765" as invalid (and then blocks the redirect to the client), so an IPv6 host
 * becomes "*" on the same scheme and port (form posts go only to this page; the redirect target is
 * the signed, registered URI).
 */
function cspSource(origin: string): string {
  const url = new URL(origin);
  return url.hostname.startsWith("[") ? `${url.protocol}//*${url.port ? `:${url.port}` : ""}` : origin;
}

export function page(c: Context<AppEnv>, { title, body, status = 200, redirectOrigin }: PageOptions) {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const formAction = redirectOrigin ? `'self' ${cspSource(redirectOrigin)}` : "'self'";
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="same-origin"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${htmlEscape(title)}</title><style nonce="${nonce}">${STYLE}</style></head><body><h1>${htmlEscape(title)}</h1>${body}</body></html>`;
  return c.html(html, status);
}

export const errorBox = (message: string | undefined) =>
  message ? `<p class="error" role="alert">${htmlEscape(message)}</p>` : "";

const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${htmlEscape(name)}" value="${htmlEscape(value)}">`;

export interface Consent {
  request: string;
  clientName: string;
  redirectUri: string;
  scopes: Scope[];
  resource: string;
}

/** Sign in and approve: the scopes asked for, each to keep or leave out. */
export function consentBody(consent: Consent, error?: string) {
  const host = new URL(consent.redirectUri).host;
  const scopes = consent.scopes
    .map(
      (s) =>
        `<label><input type="checkbox" name="scope" value="${s}" checked> <b>${s}</b>: ${htmlEscape(SCOPE_TEXT[s])}</label>`,
    )
    .join("");
  return `${errorBox(error)}<p><b>${htmlEscape(consent.clientName)}</b> (answers go to <b>${htmlEscape(host)}</b>) asks to use your TimeLog account for <b>${htmlEscape(consent.resource)}</b>:</p>
<form method="post" action="/oauth/authorize">${hidden("request", consent.request)}<fieldset><legend>Allow</legend>${scopes}</fieldset>
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="approve" id="approve">Sign in and allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button></form>
<p class="muted">You can disconnect it at any time (GET /users/me/apps). It never gets more than your own rights.</p>`;
}

/** The second factor, after the password: the challenge and the chosen scopes ride along. */
export function codeBody(request: string, challenge: string, scopes: Scope[], error?: string) {
  return `${errorBox(error)}<p>Enter the code from your authenticator app, or a recovery code.</p>
<form method="post" action="/oauth/authorize">${hidden("request", request)}${hidden("challenge", challenge)}${scopes
    .map((s) => hidden("scope", s))
    .join("")}
<label>Code <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code"></label>
<label>Recovery code <input type="text" name="recovery_code"></label>
<button type="submit" name="action" value="approve" id="approve">Verify and allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button></form>`;
}
