// The OAuth consent page in headless Chromium against `npm run dev` (issue 25 §2): a client
// registers, the browser opens /oauth/authorize, the person signs in and allows on the page (its
// CSP in force: no script of ours, style by nonce, the form's redirect to the client allowed by
// form-action), the browser lands on the client's loopback redirect URI with the code, and the
// code buys a token that works as a Bearer. Chromium is driven over the DevTools protocol.
// Needs Debian's chromium (`apt-get install chromium`); .ci/run installs it before the tests.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { newSigningKey } from "./keys.ts";

const ROOT = join(import.meta.dirname, "..");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const dir = mkdtempSync(join(tmpdir(), "timelog-oauth-"));
const children: ChildProcess[] = [];
let callbackServer: Server | undefined;
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }
  callbackServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** `npm run dev` on its own ports and data: the API's base URL and the dev superuser's password. */
async function startDev() {
  const [api, neon] = [await freePort(), await freePort()];
  const vars = join(dir, "dev.vars");
  const settings = [
    "DATABASE_URL=postgres://dev:dev@localhost/timelog",
    `NEON_FETCH_ENDPOINT=http://127.0.0.1:${neon}/sql`,
  ];
  writeFileSync(vars, [...settings, `JWT_PRIVATE_KEY=${newSigningKey()}`, ""].join("\n"));
  const env = {
    ...process.env,
    TIMELOG_DATA_DIR: join(dir, "data"),
    TIMELOG_DEV_VARS: vars,
    TIMELOG_DEV_PORT: String(api),
    DATABASE_URL: "",
  };
  const dev = spawn(
    process.execPath,
    ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", join(ROOT, "scripts", "dev.ts")],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(dev);
  let out = "";
  const collect = (d: Buffer) => {
    out += d.toString();
  };
  dev.stdout?.on("data", collect);
  dev.stderr?.on("data", collect);
  const base = `http://127.0.0.1:${api}`;
  let password: string | undefined;
  for (const started = Date.now(); Date.now() - started < 90_000; await sleep(250)) {
    password ??= /development superuser: admin@timelog\.local \/ (\S+)/.exec(out)?.[1];
    const up = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (password && up) return { base, password };
    if (dev.exitCode !== null) throw new Error(`npm run dev exited:\n${out}`);
  }
  throw new Error(`npm run dev did not start:\n${out}`);
}

/** A small DevTools protocol client: one page, commands by id, events by name. */
async function openBrowser() {
  if (!CHROMIUM) throw new Error("this test needs Chromium: apt-get install chromium");
  const profile = join(dir, "profile");
  const chromium = spawn(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      "about:blank",
    ],
    { stdio: "ignore" },
  );
  children.push(chromium);
  const portFile = join(profile, "DevToolsActivePort");
  for (let i = 0; !existsSync(portFile) || readFileSync(portFile, "utf8").split("\n").length < 2; i++) {
    if (i > 200) throw new Error("Chromium did not open its DevTools port");
    await sleep(100);
  }
  const port = readFileSync(portFile, "utf8").split("\n")[0];
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    type: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.type === "page");
  if (!target) throw new Error("no page in Chromium");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  const listeners: ((method: string, params: Record<string, unknown>) => void)[] = [];
  socket.onmessage = (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; method?: string; result?: never; params?: never };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result ?? {});
    else if (msg.method) for (const l of listeners) l(msg.method, msg.params ?? {});
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async (expression: string) =>
    ((await send("Runtime.evaluate", { expression, returnByValue: true })) as { result: { value: unknown } }).result
      .value;
  const loaded = () =>
    new Promise<void>((resolve) => listeners.push((method) => method === "Page.loadEventFired" && resolve()));
  const violations: string[] = [];
  const posts: string[] = [];
  listeners.push((method, params) => {
    const text = JSON.stringify(params);
    const request = (params as { request?: { method: string; headers: Record<string, string> } }).request;
    if (method === "Network.requestWillBeSent" && request?.method === "POST")
      posts.push(`Origin: ${request.headers.Origin}`);
    if (method === "Runtime.consoleAPICalled" || method === "Log.entryAdded") {
      if (/Content Security Policy/i.test(text)) violations.push(text);
    }
  });
  await send("Page.enable");
  await send("Runtime.enable");
  await send("Log.enable");
  await send("Network.enable");
  return { send, evaluate, loaded, violations, posts, close: () => socket.close() };
}

it("a person signs in and allows an app on the consent page in Chromium; the code buys a working token", async () => {
  const { base, password } = await startDev();
  const callbackPort = await freePort();
  const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
  const arrived = new Promise<URL>((resolve) => {
    callbackServer = createHttpServer((req, res) => {
      res.end("connected");
      resolve(new URL(req.url ?? "/", redirectUri));
    }).listen(callbackPort, "127.0.0.1");
  });

  const registered = await fetch(`${base}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Browser test app", redirect_uris: [redirectUri] }),
  });
  expect(registered.status).toBe(201);
  const { client_id } = (await registered.json()) as { client_id: string };
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const query = new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "browser-state",
    scope: "timelog:read timelog:write",
  });

  const browser = await openBrowser();
  try {
    const page = browser.loaded();
    await browser.send("Page.navigate", { url: `${base}/oauth/authorize?${query}` });
    await page;
    expect(await browser.evaluate("document.title")).toBe("Connect Browser test app");
    // The style arrived by its nonce (a blocked style would leave the default layout).
    expect(await browser.evaluate("getComputedStyle(document.body).maxWidth")).toBe("448px");
    expect(await browser.evaluate("document.scripts.length")).toBe(0);
    await browser.evaluate(`document.querySelector('[name=email]').value = 'admin@timelog.local';
      document.querySelector('[name=password]').value = ${JSON.stringify(password)};
      document.querySelector('#approve').click(); true`);
    const back = await Promise.race([arrived, sleep(30_000).then(() => undefined)]);
    const where = back ? "" : String(await browser.evaluate("location.href + ' ' + document.body.innerText"));
    expect(
      back,
      `the browser did not reach the client's redirect URI: ${where} ${browser.violations} ${browser.posts}`,
    ).toBeDefined();
    expect(back?.searchParams.get("state")).toBe("browser-state");
    expect(back?.searchParams.get("iss")).toBe(base);
    const code = back?.searchParams.get("code") ?? "";
    expect(browser.violations).toEqual([]);

    const tokenRes = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe("admin@timelog.local");
  } finally {
    browser.close();
  }
}, 180_000);
