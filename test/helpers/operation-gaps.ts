// What the operation gate (test/helpers/operation-gate.ts) judges, apart from the servers and
// files around it so that a worker test can check the rules themselves
// (test/foundation/operation-gate.test.ts).

export interface Report {
  file: string;
  /** "METHOD /template → status", as test/helpers/contract.ts records them. */
  seen: string[];
  operations: { operation: string; statuses: string[]; open: boolean }[];
}

/** The fuzzer's hostile requests do not count: a refusal must be a test that means it. */
export const counts = (file: string) => !/[\\/]test[\\/]fuzz[\\/]/.test(file);

type Operation = Report["operations"][number];

/**
 * A refusal is the operation's own rules saying no: 403, 404, 409, 422, a 400 of a malformed body…
 * Not 429 (the rate limiter), nor 401 where a token is required (any such operation answers it
 * before its rules run) — but 401 is the answer of the operations that take none (wrong password,
 * spent refresh token). A 5xx only when the operation documents it as its own answer (/health's
 * 503 when the database is down).
 */
function isRefusal(status: number, op: Operation): boolean {
  if (status === 429 || (status === 401 && !op.open)) return false;
  return (status >= 400 && status < 500) || (status > 500 && op.statuses.includes(String(status)));
}

/** Operations lacking a success or a refusal; one that documents no refusal (the JWKS) needs none. */
export function gaps(reports: Report[]): string[] {
  const documented = new Map<string, Operation>();
  const answered = new Map<string, number[]>();
  for (const report of reports.filter((r) => counts(r.file))) {
    for (const op of report.operations) documented.set(op.operation, op);
    for (const entry of report.seen) {
      const [operation = "", status = ""] = entry.split(" → ");
      answered.set(operation, [...(answered.get(operation) ?? []), Number(status)]);
    }
  }
  const missing: string[] = [];
  for (const [operation, op] of [...documented].sort(([a], [b]) => a.localeCompare(b))) {
    const got = answered.get(operation) ?? [];
    const lacks: string[] = [];
    if (!got.some((s) => s >= 200 && s < 300)) lacks.push("a 2xx");
    const canRefuse = op.statuses.some((s) => isRefusal(Number(s), op));
    if (canRefuse && !got.some((s) => isRefusal(s, op))) lacks.push("a refusal");
    if (lacks.length) missing.push(`${operation}: no test sees ${lacks.join(" or ")} (seen: ${unique(got)})`);
  }
  return missing;
}

const unique = (statuses: number[]) => [...new Set(statuses)].sort((a, b) => a - b).join(", ") || "never called";
