// GET /oauth/authorize shows the consent page; POST /oauth/authorize is its form: the person signs
// in (the same password and second-factor steps, throttles included, as POST /users/login and
// /users/login/otp) and approves scopes; the answer redirects to the client with a one-time code.
// Until the client and its exact redirect URI are known, every error is shown on the page, never
// redirected (no open redirect).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { signFor, verifyFor } from "../auth/jwt";
import { access } from "../auth/middleware";
import { passwordStep, refuseCrossSite } from "../auth/sign-in";
import { fromDbError } from "../db/errors";
import { anonymous } from "../db/request";
import type { Scope } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { noContent } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { COMMON_HEADERS, problems } from "../lib/schemas";
import { codeStep } from "../two-factor/code-step";
import { audienceFor, CHALLENGE, hashOf, newSecret, parseScopes, resources } from "./credentials";
import { malformed } from "./errors";
import { type Consent, codeBody, consentBody, errorBox, page } from "./page";
import * as q from "./queries";
import { AuthorizeForm, AuthorizeQuery } from "./schemas";

const PURPOSE = "oauth-consent";
const CONSENT_TTL = 600;
const html = (description: string) => ({ ...noContent(description), content: { "text/html": { schema: z.string() } } });
const limited = (problems(429) as unknown as Record<number, { description: string; content: object }>)[429] as {
  description: string;
  content: object;
};
const redirect = (description: string) => ({
  description,
  headers: z.object({ ...COMMON_HEADERS, Location: z.string().openapi({ description: "the client's redirect URI" }) }),
});

/** The request the consent form carries, signed: what the person approves cannot be swapped. */
interface Signed {
  cid: string;
  ruri: string;
  cc: string;
  st?: string;
  sc: Scope[];
  res: string;
  cn: string;
}

const errorPage = (c: Context<AppEnv>, message: string, status: 400 | 403 = 400) =>
  page(c, { title: "This sign-in link does not work", body: errorBox(message), status });

/** Back to the client: its redirect URI with our answer, the state and who answers (RFC 9207). */
function back(c: Context<AppEnv>, redirectUri: string, params: Record<string, string | undefined>) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries({ ...params, iss: new URL(c.req.url).origin })) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  return c.redirect(url.href, 303);
}

const consentOf = (request: string, s: Signed): Consent => ({
  request,
  clientName: s.cn,
  redirectUri: s.ruri,
  scopes: s.sc,
  resource: s.res,
});

async function show(c: Context<AppEnv>, p: z.infer<typeof AuthorizeQuery>) {
  if (!p.client_id || !p.redirect_uri) return errorPage(c, "client_id and redirect_uri are both required.");
  const [[client]] = await anonymous(c, [q.clientFor(c.get("database").db, p.client_id, p.redirect_uri)]);
  if (!client) {
    return errorPage(c, "The app is not registered, or this redirect URI is not one it registered (exact match).");
  }
  // From here on the redirect URI is the client's own: errors go back to it.
  const fail = (error: string, description: string) =>
    back(c, p.redirect_uri as string, { error, error_description: description, state: p.state });
  if (p.response_type !== "code") return fail("unsupported_response_type", "response_type must be code.");
  if (p.code_challenge === undefined || !CHALLENGE.test(p.code_challenge)) {
    return fail("invalid_request", "code_challenge is required: BASE64URL(SHA-256(code_verifier)), 43 characters.");
  }
  if (p.code_challenge_method !== "S256") return fail("invalid_request", "code_challenge_method must be S256.");
  const scopes = parseScopes(p.scope);
  if (!scopes) return fail("invalid_scope", "scope names a scope this server does not have.");
  const audience = audienceFor(c, p.resource);
  if (!audience) return fail("invalid_target", "resource must be this server's /mcp or its API origin.");
  const signed: Signed = {
    cid: p.client_id,
    ruri: p.redirect_uri,
    cc: p.code_challenge,
    st: p.state,
    sc: scopes,
    res: resources(c)[audience],
    cn: client.name,
  };
  const request = await signFor(c.get("config"), PURPOSE, { ...signed }, CONSENT_TTL);
  const redirectOrigin = new URL(p.redirect_uri).origin;
  return page(c, { title: `Connect ${client.name}`, body: consentBody(consentOf(request, signed)), redirectOrigin });
}

const given = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

async function decide(c: Context<AppEnv>, form: z.infer<typeof AuthorizeForm>) {
  const claims = (await verifyFor(c.get("config"), PURPOSE, form.request)) as unknown as Signed | undefined;
  if (!claims) return errorPage(c, "This consent form is invalid or expired (10 minutes): start again from the app.");
  try {
    refuseCrossSite(c);
  } catch {
    return errorPage(c, "The form must be sent from this site.", 403);
  }
  const redirectOrigin = new URL(claims.ruri).origin;
  const title = `Connect ${claims.cn}`;
  if (form.action === "deny") {
    return back(c, claims.ruri, {
      error: "access_denied",
      error_description: "The person denied access.",
      state: claims.st,
    });
  }
  const picked = form.scope === undefined ? [] : [form.scope].flat();
  const scopes = claims.sc.filter((s) => picked.includes(s));
  const again = (message: string, status: 400 | 401 | 403 | 429) =>
    page(c, { title, body: consentBody(consentOf(form.request, claims), message), status, redirectOrigin });
  if (scopes.length === 0) return again("Choose at least one thing to allow, or deny.", 400);
  let signedIn: { userId: number; statements: Awaited<ReturnType<typeof codeStep>>["statements"] };
  const challenge = given(form.challenge);
  try {
    if (challenge !== undefined) {
      signedIn = await codeStep(c, { challenge, code: given(form.code), recovery_code: given(form.recovery_code) });
    } else {
      const email = given(form.email);
      const password = form.password;
      if (email === undefined || !password) return again("Enter your email and password.", 400);
      const checked = await passwordStep(c, { email, password });
      if (checked.challenge !== undefined) {
        return page(c, { title, body: codeBody(form.request, checked.challenge, scopes), redirectOrigin });
      }
      signedIn = checked;
    }
  } catch (err) {
    const problem = err instanceof ApiError ? err : fromDbError(err);
    if (!problem || problem.status >= 500) throw err;
    const status = problem.status === 429 ? 429 : problem.status === 403 ? 403 : 401;
    if (challenge !== undefined && problem.code === "otp_failed") {
      return page(c, {
        title,
        body: codeBody(form.request, challenge, scopes, problem.detail),
        status,
        redirectOrigin,
      });
    }
    return again(problem.detail, status);
  }
  const audience = claims.res === resources(c).mcp ? "mcp" : "api";
  const code = newSecret("oac", signedIn.userId, audience);
  let results: unknown[][];
  try {
    results = await anonymous(c, [
      ...signedIn.statements,
      q.authorize(c.get("database").db, {
        userId: signedIn.userId,
        clientId: claims.cid,
        redirectUri: claims.ruri,
        scopes,
        resource: claims.res,
        codeHash: await hashOf(code),
        challenge: claims.cc,
        requestId: c.get("requestId"),
      }),
    ]);
  } catch (err) {
    // The database's refusal (require_2fa: enrol first) is shown on the page, never redirected.
    const problem = err instanceof ApiError ? err : fromDbError(err);
    if (problem?.status !== 403) throw err;
    return again(problem.detail, 403);
  }
  const [granted] = results.at(-1) as { grant_id: number | null; scopes: string[] }[];
  if (!granted) return errorPage(c, "The app is no longer registered with this redirect URI.");
  if (granted.grant_id === null) {
    const description = "None of the scopes asked for is yours to grant.";
    return back(c, claims.ruri, { error: "invalid_scope", error_description: description, state: claims.st });
  }
  return back(c, claims.ruri, { code, state: claims.st });
}

export const oauthAuthorize = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/authorize",
      tags: ["oauth"],
      summary: "The consent page (HTML): sign in and allow an app (OAuth 2.1 authorization code with PKCE)",
      description:
        "Public. response_type=code, client_id, redirect_uri (exactly as registered), code_challenge with code_challenge_method=S256 (plain is refused), state, scope (space-separated; default timelog:read timelog:write), resource (RFC 8707: <origin>/mcp or <origin>; default <origin>). An unknown client or redirect URI is shown on the page (400), never redirected; other errors redirect to the client with error and state. Strict CSP, no script.",
      ...access("public"),
      request: { query: AuthorizeQuery },
      responses: {
        ...problems(429),
        200: html("The consent page"),
        303: redirect("Back to the client with an error"),
        400: { ...html("Not a valid request"), content: { ...html("").content, ...malformed() } },
      },
    }),
    async (c) => show(c, c.req.valid("query" as never) as z.infer<typeof AuthorizeQuery>) as never,
    (result, c) => (result.success ? undefined : (errorPage(c, "The request's parameters are invalid.") as never)),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/authorize",
      tags: ["oauth"],
      summary: "The consent page's form: sign in (password, then the second factor when enabled) and allow, or deny",
      description:
        "Public; sent by the consent page only (a signed request from GET /oauth/authorize, valid 10 minutes; a foreign Origin is refused). Password and code guesses are throttled as sign-ins are. Allowing redirects (303) to the client with a one-time code (2 minutes) and state; denying with error=access_denied. Scopes beyond the person's role (admin for anyone but a superuser) are left out. Two round trips per step.",
      ...access("public"),
      request: {
        body: { required: true, content: { "application/x-www-form-urlencoded": { schema: AuthorizeForm } } },
      },
      responses: {
        ...problems(429),
        200: html("The next step (the second factor)"),
        303: redirect("Back to the client with a code or an error"),
        400: { ...html("Not a valid form"), content: { ...html("").content, ...malformed() } },
        401: html("Wrong password or code"),
        403: html("From another site, or the company requires two-factor sign-in and the person has not enrolled"),
        // The page says it (HTML), or the rate limiter does (problem+json), as everywhere.
        429: { ...limited, content: { ...limited.content, "text/html": { schema: z.string() } } },
      },
    }),
    async (c) => decide(c, c.req.valid("form" as never) as z.infer<typeof AuthorizeForm>) as never,
    (result, c) => (result.success ? undefined : (errorPage(c, "The form is invalid.") as never)),
  );
