// Absences as the tests use them: a request, a decision, a type with the rules a test needs.
import { call } from "../helpers/api";
import { type TestUser, unique } from "../helpers/factories";

export interface Absence {
  id: number;
  user_fk: number;
  type_fk: number;
  from: string;
  to: string;
  half_day: "am" | "pm" | null;
  days: number;
  status: string;
  comment: string | null;
  acted_by: number | null;
}

export const VACATION = 1;
export const SICK = 2;

export const request = (who: TestUser, body: Record<string, unknown>) =>
  call("POST", "/absences", { token: who.token, body: { type_fk: VACATION, ...body } });

/** A request that must succeed. */
export async function requested(who: TestUser, body: Record<string, unknown>): Promise<Absence> {
  const res = await request(who, body);
  if (res.status !== 201) throw new Error(`absence failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Absence;
}

export const act = (who: TestUser, id: number, action: "approve" | "reject" | "cancel", body?: unknown) =>
  call("POST", `/absences/${id}/${action}`, { token: who.token, body });

export async function createType(admin: TestUser, fields: Record<string, unknown> = {}) {
  const res = await call("POST", "/absence-types", { token: admin.token, body: { name: `t-${unique()}`, ...fields } });
  if (res.status !== 201) throw new Error(`type failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number; name: string };
}
