// One measured run of autocannon against an endpoint, with the database round trips and the
// workerd CPU time it caused.
import autocannon from "autocannon";
import { cpuSeconds } from "./host.ts";
import type { Stack } from "./stack.ts";

export interface Target {
  name: string;
  base: "api" | "baseline";
  requests: autocannon.Request[];
  /** Authorization per connection (cycled), so parallel writers are different users. */
  tokens?: string[];
  /** Sign-ins per connection (cycled): each its own account and address, as real users are. */
  logins?: { email: string; password: string; ip: string }[];
  /** Bodies per connection (cycled), one per request of the sequence: a replay of several users' writes. */
  bodies?: string[][];
  /** Runs before each measurement, e.g. to close logs a cut-off run left open. */
  before?: () => Promise<unknown>;
}

export interface Sample {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  roundTrips: number;
  cpuMsPerReq: number;
}

/**
 * A row whose requests are slower than the window (a heavy report at 16 connections in a quick
 * run) completes none: measure again with a longer window, up to 8 s, before reporting nothing.
 */
export async function measure(stack: Stack, target: Target, connections: number, seconds: number): Promise<Sample> {
  let sample = await measureOnce(stack, target, connections, seconds);
  for (let d = seconds * 2; sample.requests === 0 && d <= 8; d *= 2)
    sample = await measureOnce(stack, target, connections, d);
  return sample;
}

async function measureOnce(stack: Stack, target: Target, connections: number, seconds: number): Promise<Sample> {
  const url = target.base === "api" ? stack.host.apiUrl : stack.host.baselineUrl;
  const tokens = target.tokens;
  await target.before?.();
  const tripsBefore = await stack.roundTrips();
  const cpuBefore = cpuSeconds(stack.host.workerdPid);
  // Each connection keeps one user for every request of its sequence.
  const requests = target.requests.map((r, k) => ({
    ...r,
    setupRequest: (
      req: autocannon.Request,
      context: { token?: string; login?: NonNullable<Target["logins"]>[0]; bodies?: string[] },
    ) => {
      if (context.bodies) return { ...req, body: context.bodies[k] };
      if (context.login) {
        const { email, password, ip } = context.login;
        const headers = { "content-type": "application/json", "cf-connecting-ip": ip };
        return { ...req, headers, body: JSON.stringify({ email, password }) };
      }
      if (!tokens) return req;
      const headers: Record<string, string> = {
        ...(req.headers as Record<string, string>),
        authorization: `Bearer ${context.token}`,
      };
      if (req.body) headers["content-type"] = "application/json";
      return { ...req, headers };
    },
  }));
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests,
    setupClient: target.logins
      ? pinContext((i) => ({ login: target.logins?.[i % (target.logins?.length ?? 1)] }))
      : target.bodies
        ? pinContext((i) => ({ bodies: target.bodies?.[i % (target.bodies?.length ?? 1)] }))
        : tokens
          ? pinContext((i) => ({ token: tokens[i % tokens.length] }))
          : undefined,
  });
  await settle(stack);
  const cpu = cpuSeconds(stack.host.workerdPid) - cpuBefore;
  const trips = (await stack.roundTrips()) - tripsBefore;
  // Requests still in flight when the load stopped were served too: count what was sent.
  const total = (result.requests as { sent?: number }).sent || result.requests.total || 1;
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    roundTrips: trips / total,
    cpuMsPerReq: (cpu * 1000) / total,
  };
}

/**
 * Requests still in flight when the load stops (queued in workerd, or waiting on the database)
 * finish before the counters are read: wait until neither the round trips nor workerd's CPU move.
 */
async function settle(stack: Stack) {
  let last = [await stack.roundTrips(), cpuSeconds(stack.host.workerdPid)];
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    const now = [await stack.roundTrips(), cpuSeconds(stack.host.workerdPid)];
    if (now[0] === last[0] && now[1] === last[1]) return;
    last = now;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * Gives each connection its own fixed context (autocannon resets `context` at every loop of a
 * request sequence, so a user kept there would hop between connections and collide).
 */
export function pinContext(make: (index: number) => Record<string, unknown>) {
  let index = 0;
  return (client: unknown) => {
    const it = (client as { requestIterator: { initialContext: object; resetContext(): void; rebuildRequest(): void } })
      .requestIterator;
    it.initialContext = make(index++);
    it.resetContext();
    // The first request was built before this hook ran: build it again with the pinned context.
    it.rebuildRequest();
  };
}
