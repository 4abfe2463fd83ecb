import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, queryId, Timestamp } from "../lib/schemas";

/**
 * A local date "YYYY-MM-DD" that exists on the calendar. Its range (1970–9998) is the database's
 * rule (absence_days_range), answered as 422 like every other refusal of a value.
 */
const isDay = (v: string) => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
};

export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d$/, { message: "a date YYYY-MM-DD" })
  // Zod runs this even when the regex failed: anything not shaped like a date must not reach
  // toISOString(), which throws on an invalid Date (a 500 found by the fuzz).
  .refine((v) => /^\d{4}-\d\d-\d\d$/.test(v) && v >= "0001-01-01" && isDay(v), {
    message: "a date that exists, YYYY-MM-DD",
  })
  .openapi({ format: "date", example: "2026-12-24" });

const Days = z.number().min(0).max(366).multipleOf(0.5);
const MonthDay = z
  .string()
  .regex(/^\d\d-\d\d$/)
  .openapi({ description: "MM-DD of a real calendar day; 02-29 means the last day of February", example: "03-31" });

export const AbsenceType = z
  .object({
    id: Id,
    name: z.string(),
    paid: z.boolean(),
    counts_as_work: z.boolean().openapi({ description: "credits the day's expected time (vacation, sick)" }),
    needs_approval: z.boolean(),
    unit: z.enum(["day", "half_day"]).openapi({ description: "half_day: may be taken by mornings or afternoons" }),
    annual_allowance_days: z.number().nullable().openapi({ description: "null: no allowance, no balance check" }),
    carry_over_days: z.number().nullable(),
    carry_over_expires: z.string().nullable().openapi({ description: "MM-DD in the following year, or null" }),
    allow_negative: z.boolean(),
    archived: z.boolean().openapi({ description: "no new absences of this type" }),
    created_at: Timestamp,
  })
  .openapi("AbsenceType");
export type AbsenceType = z.infer<typeof AbsenceType>;

const TypeFields = {
  paid: z.boolean().optional(),
  counts_as_work: z.boolean().optional(),
  needs_approval: z.boolean().optional(),
  unit: z.enum(["day", "half_day"]).optional(),
  annual_allowance_days: Days.nullable().optional(),
  carry_over_days: Days.nullable().optional(),
  carry_over_expires: MonthDay.nullable().optional(),
  allow_negative: z.boolean().optional(),
  archived: z.boolean().optional(),
};
const TypeName = z.string().trim().min(1).max(100);
export const CreateAbsenceType = z.strictObject({ name: TypeName, ...TypeFields }).openapi("CreateAbsenceType");
export const PatchAbsenceType = z
  .strictObject({ name: TypeName.optional(), ...TypeFields })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("PatchAbsenceType");
export const AbsenceTypeQuery = PageQuery;
export const AbsenceTypePage = pageSchema(AbsenceType, "AbsenceTypePage");

const HalfDay = z.enum(["am", "pm"]).openapi({ description: "only when from == to, for a type taken by half days" });
const Note = z.string().max(1000).nullable();

export const Absence = z
  .object({
    id: Id,
    user_fk: Id,
    type_fk: Id,
    from: LocalDate.openapi({ description: "first local date (the person's zone), inclusive" }),
    to: LocalDate.openapi({ description: "last local date, inclusive" }),
    half_day: HalfDay.nullable(),
    days: z.number().openapi({ description: "working days it takes: holidays and days without hours count 0" }),
    note: z.string().nullable(),
    status: z.enum(["requested", "approved", "rejected", "cancelled"]),
    comment: z.string().nullable().openapi({ description: "the last decision's comment" }),
    requested_by: Id,
    acted_by: Id.nullable(),
    acted_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Absence");
export type Absence = z.infer<typeof Absence>;

const ordered = (b: { from?: string; to?: string }) => b.from === undefined || b.to === undefined || b.from <= b.to;
export const CreateAbsence = z
  .strictObject({
    type_fk: Id,
    from: LocalDate,
    to: LocalDate,
    half_day: HalfDay.optional(),
    note: Note.optional(),
    user_fk: Id.optional().openapi({ description: "for someone you manage (managers, superusers); default you" }),
  })
  .refine(ordered, { message: "to must not be before from", path: ["to"] })
  .openapi("CreateAbsence");

export const PatchAbsence = z
  .strictObject({
    type_fk: Id.optional(),
    from: LocalDate.optional(),
    to: LocalDate.optional(),
    half_day: HalfDay.nullable().optional(),
    note: Note.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .refine(ordered, { message: "to must not be before from", path: ["to"] })
  .openapi("PatchAbsence");

const Comment = z.string().trim().max(1000);
export const Decision = z.strictObject({ comment: Comment.optional() }).openapi("AbsenceDecision");
/** A rejection says why (issue 22: `reject {comment}`), as a timesheet's does. */
export const RejectAbsence = z.strictObject({ comment: Comment.min(1) }).openapi("RejectAbsence");

export const AbsenceQuery = z.object({
  user_fk: queryId().optional().openapi({ description: "one person's (themselves, their managers, superusers)" }),
  team_fk: queryId().optional().openapi({ description: "the team's people you manage (managers, superusers)" }),
  from: LocalDate.optional().openapi({ description: "absences that end on or after this date" }),
  to: LocalDate.optional().openapi({ description: "absences that start on or before this date" }),
  status: z.enum(["requested", "approved", "rejected", "cancelled"]).optional(),
  type_fk: queryId().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor of the previous page" }),
});
export const AbsencePage = pageSchema(Absence, "AbsencePage");

const Year = z.coerce.number().int().min(1970).max(9998);
export const BalanceQuery = z.object({
  year: Year.optional().openapi({ type: "integer", description: "default: this year in the person's zone" }),
});
export const TypeBalance = z
  .object({
    type_fk: Id,
    name: z.string(),
    entitlement: z.number().nullable().openapi({ description: "the person's allowance, else the type's; null: none" }),
    carried_over: z.number().openapi({ description: "from last year's remaining, up to carry_over_days" }),
    carried_over_expires: LocalDate.nullable().openapi({ description: "carried days not used by then lapse" }),
    taken: z.number().openapi({ description: "approved days up to today" }),
    planned: z.number().openapi({ description: "requested days, and approved days after today" }),
    remaining: z.number().nullable(),
  })
  .openapi("AbsenceTypeBalance");
export const Balance = z
  .object({ user_fk: Id, year: z.number().int(), types: z.array(TypeBalance) })
  .openapi("AbsenceBalance");
export type Balance = z.infer<typeof Balance>;

export const AllowanceParams = z.object({
  id: z.coerce
    .number()
    .pipe(Id)
    .openapi({ param: { name: "id", in: "path" }, type: "integer", example: 1 }),
  type_fk: z.coerce
    .number()
    .pipe(Id)
    .openapi({ param: { name: "type_fk", in: "path" }, type: "integer", example: 1 }),
  year: Year.openapi({ param: { name: "year", in: "path" }, type: "integer", example: 2026 }),
});
export const SetAllowance = z.strictObject({ days: Days }).openapi("SetAllowance");
export const Allowance = z
  .object({ user_fk: Id, type_fk: Id, year: z.number().int(), days: z.number() })
  .openapi("Allowance");
export type Allowance = z.infer<typeof Allowance>;
