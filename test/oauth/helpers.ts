// OAuth test helpers: a client registers, a person consents through the page's form (the same
// requests Chromium sends, test/oauth/consent-browser), the client trades the code.
import { expect } from "vitest";
import { call } from "../helpers/api";
import { randomIp } from "../helpers/factories";

export const REDIRECT = "http://127.0.0.1:8765/callback";
export const ORIGIN = "http://api.test";

/** A refusal in RFC 6749's form (400, JSON): its `error`. */
export async function errorOf(res: Response): Promise<string> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return ((await res.json()) as { error: string }).error;
}

export async function registerClient(redirect_uris = [REDIRECT], client_name = "Test assistant") {
  const res = await call("POST", "/oauth/register", {
    body: { client_name, redirect_uris, token_endpoint_auth_method: "none" },
    headers: { "cf-connecting-ip": randomIp() },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; redirect_uris: string[] };
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");

export async function pkce() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: b64url(digest) };
}

export function authorizeUrl(params: Record<string, string | undefined>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `/oauth/authorize?${q}`;
}

/** The consent page's signed request (the hidden field). */
export function requestOf(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error(`no consent form in: ${html.slice(0, 300)}`);
  return m[1];
}

export function postForm(fields: [string, string][], headers: Record<string, string> = {}) {
  return call("POST", "/oauth/authorize", {
    body: new URLSearchParams(fields),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
  });
}

export interface Flow {
  clientId: string;
  verifier: string;
  challenge: string;
  state: string;
  request: string;
}

/** GET /oauth/authorize for a new PKCE pair: the page's signed request. */
export async function startFlow(clientId: string, extra: Record<string, string> = {}): Promise<Flow> {
  const { verifier, challenge } = await pkce();
  const state = crypto.randomUUID();
  const res = await call(
    "GET",
    authorizeUrl({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state,
      ...extra,
    }),
  );
  expect(res.status).toBe(200);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  return { clientId, verifier, challenge, state, request: requestOf(await res.text()) };
}

/** The Location's query of a 303 back to the client. */
export function answerOf(res: Response): URLSearchParams {
  expect(res.status).toBe(303);
  const location = res.headers.get("location") ?? "";
  expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
  return new URL(location).searchParams;
}

/** Signs in on the consent form and allows the scopes: the code. */
export async function consent(
  flow: Flow,
  user: { email: string; password: string },
  scopes = ["timelog:read", "timelog:write"],
) {
  const res = await postForm(
    [
      ["request", flow.request],
      ["email", user.email],
      ["password", user.password],
      ["action", "approve"],
      ...scopes.map((s): [string, string] => ["scope", s]),
    ],
    { "cf-connecting-ip": randomIp() },
  );
  const answer = answerOf(res);
  expect(answer.get("state")).toBe(flow.state);
  expect(answer.get("iss")).toBe(ORIGIN);
  return answer.get("code") as string;
}

export function tokenRequest(fields: Record<string, string>) {
  return call("POST", "/oauth/token", {
    body: new URLSearchParams(fields),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
}

export async function exchange(flow: Flow, code: string, extra: Record<string, string> = {}) {
  return tokenRequest({
    grant_type: "authorization_code",
    client_id: flow.clientId,
    code,
    redirect_uri: REDIRECT,
    code_verifier: flow.verifier,
    ...extra,
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
  expires_in: number;
}

/** Register, consent, trade: a person's tokens for a new app. */
export async function connect(
  user: { email: string; password: string },
  scopes?: string[],
  extra: Record<string, string> = {},
) {
  const client = await registerClient();
  const flow = await startFlow(client.client_id, {
    scope: (scopes ?? ["timelog:read", "timelog:write"]).join(" "),
    ...extra,
  });
  const code = await consent(flow, user, scopes);
  const res = await exchange(flow, code);
  expect(res.status).toBe(200);
  return { flow, tokens: (await res.json()) as Tokens };
}
