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

export async function measure(stack: Stack, target: Target, connections: number, seconds: number): Promise<Sample> {
  const url = target.base === "api" ? stack.host.apiUrl : stack.host.baselineUrl;
  const tokens = target.tokens;
  let client = 0;
  await target.before?.();
  const tripsBefore = await stack.roundTrips();
  const cpuBefore = cpuSeconds(stack.host.workerdPid);
  // Each connection keeps one user (held in its context) for every request of its sequence.
  const requests = target.requests.map((r) => ({
    ...r,
    setupRequest: (req: autocannon.Request, context: { token?: string }) => {
      if (!tokens) return req;
      context.token ??= tokens[client++ % tokens.length];
      const headers: Record<string, string> = {
        ...(req.headers as Record<string, string>),
        authorization: `Bearer ${context.token}`,
      };
      if (req.body) headers["content-type"] = "application/json";
      return { ...req, headers };
    },
  }));
  const result = await autocannon({ url, connections, duration: seconds, requests });
  await settle(stack);
  const cpu = cpuSeconds(stack.host.workerdPid) - cpuBefore;
  const trips = (await stack.roundTrips()) - tripsBefore;
  const total = result.requests.total || 1;
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

/** Requests still in flight when the load stops finish before the counters are read. */
async function settle(stack: Stack) {
  let last = await stack.roundTrips();
  for (;;) {
    await new Promise((r) => setTimeout(r, 700));
    const now = await stack.roundTrips();
    if (now === last) return;
    last = now;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
