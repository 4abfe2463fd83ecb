// The load's workload: each connection one user looping through a working day (current → clock in →
// list → edit → switch → close → month summary → last week's timesheet → submit it → a past entry in
// it → login), noting what the clients were told succeeded and which writes were answered 503, for
// the checks afterwards.
import type autocannon from "autocannon";
import { type Account, PASSWORD, type Stack } from "../bench/stack.ts";
import { record } from "./faults.ts";

export interface Ctx {
  account?: Account;
  openId?: number;
  n?: number;
  sentAt?: number;
  key?: string;
  note?: string;
}
// The sequence counter `n` restarts every loop (autocannon resets context), so idempotency keys
// also carry a per-process serial.
let serial = 0;
// What the clients were told succeeded, to be found in the database afterwards.
export const acknowledged = {
  created: new Set<number>(),
  closed: new Set<number>(),
  notes: new Map<number, string>(),
};
// Writes answered 503: their Idempotency-Key (and note) must not be in the database afterwards.
export const abandoned = { keys: new Set<string>(), notes: new Set<string>() };

export function workload(projects: number[]): autocannon.Request[] {
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const pick = () => projects[Math.floor(Math.random() * projects.length)];
  // Last week holds seeded logs: each user lists it, submits it (then 409s), and keeps trying to
  // add a past entry in it, which the lock must refuse once the week is submitted.
  const lastWeek = isoWeek(new Date(Date.now() - 7 * 86_400_000));
  const inLastWeek = () => {
    const start = isoWeekMonday(lastWeek) + Math.floor(Math.random() * 7 * 24) * 3_600_000 + 7 * 60_000;
    return { start_time: new Date(start).toISOString(), end_time: new Date(start + 60_000).toISOString() };
  };

  const step = (
    method: string,
    path: (c: Ctx) => string,
    body?: (c: Ctx) => unknown,
    onOk?: (c: Ctx, status: number, json: Record<string, unknown>) => void,
  ): autocannon.Request =>
    ({
      method: method as autocannon.Request["method"],
      setupRequest: (req: autocannon.Request, context: Ctx) => {
        context.n = (context.n ?? 0) + 1;
        context.sentAt = Date.now();
        const headers: Record<string, string> = { authorization: `Bearer ${context.account?.token}` };
        // Unique per request (n restarts every loop), and set before the body that names it, so
        // what a 503 must not leave behind can be looked for afterwards.
        context.key = method !== "GET" ? `${context.account?.id}-${serial++}` : undefined;
        const payload = body?.(context);
        context.note = (payload as { note?: string } | undefined)?.note;
        if (payload !== undefined) headers["content-type"] = "application/json";
        if (context.key) headers["idempotency-key"] = context.key;
        return {
          ...req,
          path: path(context),
          headers,
          body: payload === undefined ? undefined : JSON.stringify(payload),
        };
      },
      onResponse: (status: number, text: string, context: Ctx, headers: Record<string, string>) => {
        record(method, path({ openId: 1 }).replace(/\d+/g, ":id").split("?")[0] ?? "", status, text, context, headers);
        if (status < 300 && onOk) onOk(context, status, text ? (JSON.parse(text) as Record<string, unknown>) : {});
        if (status === 503 && context.key) {
          abandoned.keys.add(context.key);
          if (context.note) abandoned.notes.add(context.note);
        }
      },
    }) as unknown as autocannon.Request;

  return [
    step("GET", () => "/timelog/current"),
    step(
      "POST",
      () => "/timelog/",
      (c) => ({ project_fk: pick(), note: `in ${c.key}` }),
      (c, _s, j) => {
        c.openId = j.id as number;
        acknowledged.created.add(j.id as number);
      },
    ),
    step("GET", () => "/timelog/?limit=20"),
    step(
      "PATCH",
      // Without a log of its own (its clock-in failed) the edit aims at a log that is not there: 404.
      (c) => `/timelog/${c.openId ?? 2147483647}`,
      (c) => ({ note: `note ${c.key}` }),
      (_c, _s, j) => acknowledged.notes.set(j.id as number, j.note as string),
    ),
    step(
      "POST",
      () => "/timelog/switch",
      () => ({ project_fk: pick() }),
      (c, _s, j) => {
        const started = j.started as { id: number };
        const stopped = j.stopped as { id: number } | null;
        acknowledged.created.add(started.id);
        if (stopped) acknowledged.closed.add(stopped.id);
        c.openId = started.id;
      },
    ),
    step(
      "POST",
      () => "/timelog/close",
      undefined,
      (_c, _s, j) => acknowledged.closed.add(j.id as number),
    ),
    step("GET", () => `/reports/summary?from=${from}&to=${to}&group_by=project`),
    step("GET", () => `/timesheets/?from=${lastWeek}`),
    step("POST", () => `/timesheets/${lastWeek}/submit`),
    step(
      "POST",
      () => "/timelog/",
      (c) => ({ project_fk: pick(), note: `past ${c.key}`, ...inLastWeek() }),
      (_c, _s, j) => acknowledged.created.add(j.id as number),
    ),
    {
      method: "POST",
      path: "/users/login",
      setupRequest: (req: autocannon.Request, context: Ctx) => {
        context.sentAt = Date.now();
        return {
          ...req,
          headers: { "content-type": "application/json", "cf-connecting-ip": `10.1.${context.account?.id ?? 0}.1` },
          body: JSON.stringify({ email: context.account?.email, password: PASSWORD }),
        };
      },
      onResponse: (status: number, text: string, context: Ctx, headers: Record<string, string>) =>
        record("POST", "/users/login", status, text, context, headers),
    } as unknown as autocannon.Request,
  ];
}

/**
 * Warm up as a running service is: every user reads, then clocks in and out, so the pools hold
 * open connections whose sessions have already run the write path (PostgreSQL compiles each
 * PL/pgSQL trigger function once per session: 64 fresh sessions writing at once took longer than
 * the 1.5 s deadline, which is a cold start, not the load).
 */
export async function warmUp(stack: Stack, users: Account[], projects: number[]) {
  const pick = () => projects[Math.floor(Math.random() * projects.length)];
  const warm = (u: Account, method: string, path: string, body?: unknown) =>
    fetch(`${stack.host.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${u.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.text());
  await Promise.all(users.map((u) => warm(u, "GET", "/timelog/current")));
  await Promise.all(users.map((u) => warm(u, "POST", "/timelog/", { project_fk: pick(), note: "warm-up" })));
  await Promise.all(users.map((u) => warm(u, "POST", "/timelog/close")));
}

function isoWeek(d: Date): string {
  // The Thursday of the date's week names the ISO year.
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7));
  const week1 = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
  const n = 1 + Math.round(((t.getTime() - week1.getTime()) / 86_400_000 - 3 + ((week1.getUTCDay() + 6) % 7)) / 7);
  return `${t.getUTCFullYear()}-W${String(n).padStart(2, "0")}`;
}

function isoWeekMonday(week: string): number {
  const [year, w] = week.split("-W").map(Number) as [number, number];
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  return monday1 + (w - 1) * 7 * 86_400_000;
}
