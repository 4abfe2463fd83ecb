// SQLSTATE → problem, in one place. The database enforces the invariants; this turns its refusals
// into answers a client can act on, without leaking SQL. Every code comes from the catalogue.
import { NeonDbError } from "@neondatabase/serverless";
import { ApiError } from "../lib/errors";
import { isProblemCode, type ProblemCode } from "../lib/problems";

/** Named constraints and what to say when one refuses a write. */
const CONSTRAINTS: Record<string, { code: ProblemCode; detail: string }> = {
  app_user_email_key: { code: "email_taken", detail: "That email is already registered." },
  app_user_username_key: { code: "username_taken", detail: "That username is taken (regardless of case)." },
  app_user_position_fk_fkey: { code: "unknown_position", detail: "position_fk does not name a position." },
  timelog_project_fk_fkey: { code: "unknown_project", detail: "project_fk does not name a project." },
  timelog_end_after_start: { code: "end_before_start", detail: "end_time must be after start_time." },
  timelog_note_length: { code: "invalid_value", detail: "note is longer than 1000 characters." },
  timelog_no_overlap: { code: "overlap", detail: "This overlaps another of your time logs." },
  team_name_key: { code: "team_name_taken", detail: "A team with this name exists." },
  client_name_key: { code: "name_taken", detail: "A client with this name exists." },
  task_name_key: { code: "name_taken", detail: "This project has a task with this name." },
  tag_name_key: { code: "name_taken", detail: "A tag with this name exists." },
  tag_name_no_semicolon: {
    code: "invalid_value",
    detail: "A tag name may not contain ';' (the CSV separates tags with it).",
  },
  project_client_fk_fkey: { code: "unknown_client", detail: "client_fk does not name a client." },
  task_project_fk_fkey: { code: "not_found", detail: "No such project." },
  timelog_task_of_project: { code: "unknown_task", detail: "task_fk does not name a task of the log's project." },
  timelog_tags_limit: { code: "invalid_value", detail: "A log carries at most 20 tags." },
  rate_target: {
    code: "validation_failed",
    detail: "billable: project_fk (and user_fk for an override); cost: position_fk, or user_fk for an override.",
  },
  rate_once: { code: "rate_exists", detail: "A rate for this target starts on this day already; remove it first." },
  rate_project_fk_fkey: { code: "unknown_project", detail: "project_fk does not name a project." },
  rate_user_fk_fkey: { code: "unknown_user", detail: "user_fk does not name a user." },
  rate_position_fk_fkey: { code: "unknown_position", detail: "position_fk does not name a position." },
  team_member_user_fk_fkey: { code: "not_found", detail: "No such user." },
  team_member_team_fk_fkey: { code: "not_found", detail: "No such team." },
  timesheet_reject_says_why: { code: "validation_failed", detail: "A rejection needs a comment." },
  // Public holidays (issue 22 §2, h-hol)
  holiday_calendar_name_key: { code: "name_taken", detail: "A holiday calendar with this name exists." },
  holiday_calendar_fk_fkey: { code: "not_found", detail: "No such holiday calendar." },
  company_settings_holiday_calendar_fk_fkey: {
    code: "unknown_holiday_calendar",
    detail: "holiday_calendar_fk does not name a holiday calendar.",
  },
  app_user_holiday_calendar_fk_fkey: {
    code: "unknown_holiday_calendar",
    detail: "holiday_calendar_fk does not name a holiday calendar.",
  },
  // Work schedules and the time account (issue 22 §3)
  work_schedule_position_from: { code: "schedule_exists", detail: "This position has a schedule from this date." },
  work_schedule_user_from: { code: "schedule_exists", detail: "This person has a schedule from this date." },
  work_schedule_position_fk_fkey: { code: "unknown_position", detail: "position_fk does not name a position." },
  work_schedule_user_fk_fkey: { code: "unknown_user", detail: "user_fk does not name a user." },
  time_adjustment_user_fk_fkey: { code: "not_found", detail: "No such user." },
  timelog_one_open_per_user: {
    code: "already_running",
    detail: "You already have a running time log; close it or switch.",
  },
  // Absences (issue 22 §1)
  absence_overlap: { code: "absence_overlap", detail: "This overlaps another absence of the person." },
  absence_days_range: { code: "invalid_value", detail: "Absence dates must be between 1970-01-01 and 9998-12-31." },
  absence_days_order: { code: "validation_failed", detail: "to must not be before from." },
  absence_days_length: { code: "range_too_long", detail: "An absence spans at most 366 days." },
  absence_half_day_single: { code: "half_day_not_allowed", detail: "half_day only for a single day (from == to)." },
  absence_note_length: { code: "invalid_value", detail: "note is longer than 1000 characters." },
  absence_type_fk_fkey: { code: "unknown_reference", detail: "type_fk does not name an absence type." },
  absence_user_fk_fkey: { code: "unknown_user", detail: "user_fk does not name a user." },
  absence_type_name_key: { code: "name_taken", detail: "An absence type with this name exists." },
  absence_type_carry_over_expires: {
    code: "invalid_value",
    detail: "carry_over_expires is MM-DD of a real calendar day.",
  },
  absence_allowance_user_fk_fkey: { code: "not_found", detail: "No such user." },
  absence_allowance_type_fk_fkey: { code: "not_found", detail: "No such absence type." },
  // Invitations and email links (issue 23 §2, h-inv)
  invitation_email_shape: { code: "invalid_value", detail: "email must be one plain address." },
  invitation_position_fk_fkey: { code: "unknown_position", detail: "position_fk does not name a position." },
  invitation_team_fk_fkey: { code: "unknown_reference", detail: "team_fk does not name a team." },
  account_token_email_shape: { code: "invalid_value", detail: "email must be one plain address." },
  // Calendar feeds (issue 24 §4, h-cal): a team deleted while its feed is being made.
  calendar_feed_team_fk_fkey: { code: "not_found", detail: "No such team." },
};

/** A delete refused because rows still point at the row (a RESTRICT key), by that key's name. */
const IN_USE: Record<string, { code: ProblemCode; detail: string }> = {
  timelog_project_fk_fkey: {
    code: "project_has_logs",
    detail: "This project has time logs; archive it instead (PATCH is_archived: true).",
  },
  project_client_fk_fkey: { code: "client_in_use", detail: "Projects belong to this client; archive it instead." },
  timelog_task_of_project: { code: "task_in_use", detail: "Time logs name this task; archive it instead." },
  absence_type_fk_fkey: { code: "absence_type_in_use", detail: "Absences have this type; archive it instead." },
};

const RETRY = { "Retry-After": "2" };
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** What an aborted fetch is called, by itself or as the driver's source error. */
const ABORTS = ["AbortError", "TimeoutError"];

export function fromDbError(err: unknown): ApiError | undefined {
  if (!(err instanceof Error)) return undefined;
  // By type: the driver's error without a SQLSTATE is the transport (no connection, a proxy
  // error status); an aborted fetch is our own deadline.
  if (ABORTS.includes(err.name) || ABORTS.includes(sourceOf(err))) {
    return new ApiError("database_unavailable", "The database did not answer in time; try again shortly.", {}, RETRY);
  }
  if (err instanceof NeonDbError && !SQLSTATE.test(err.code ?? "")) {
    return new ApiError("database_unavailable", "The database is unreachable; try again shortly.", {}, RETRY);
  }
  const e = err as Error & Partial<NeonDbError>;
  const code = e.code;
  if (typeof code !== "string" || !SQLSTATE.test(code)) return undefined;
  if (code === "23001" || (code === "23503" && /^update or delete on/.test(e.message))) {
    const named = e.constraint ? IN_USE[e.constraint] : undefined;
    return new ApiError(
      named?.code ?? "in_use",
      named?.detail ?? "It is still in use by other records; it cannot be deleted.",
    );
  }
  const named = e.constraint ? CONSTRAINTS[e.constraint] : undefined;
  if (named) return new ApiError(named.code, named.detail, appDetail(e.detail));
  // Our own functions and triggers raise class-TL codes; the HINT names the problem (a test checks
  // that every HINT in the migrations is in the catalogue, with the status of its SQLSTATE).
  if (code.startsWith("TL") && e.hint && isProblemCode(e.hint)) {
    const extra = appDetail(e.detail);
    // A refusal that ends by itself says when: the database computed it, the header carries it.
    const headers: Record<string, string> =
      typeof extra.retry_after === "number" ? { "Retry-After": String(extra.retry_after) } : {};
    return new ApiError(e.hint, e.message, extra, headers);
  }
  if (code === "23505") return new ApiError("conflict", "That already exists.");
  if (code === "23P01") return new ApiError("conflict", "That conflicts with an existing record.");
  if (code === "23503") return new ApiError("unknown_reference", "A referenced record does not exist.");
  if (code.startsWith("23") || code.startsWith("22")) {
    return new ApiError("invalid_value", "A value is out of range or invalid.");
  }
  if (code === "57014") {
    // Our statement_timeout (or a cancel) stopped it: the database is not held past our deadline.
    const detail = "This took too long in the database and was stopped; try again, or ask for less.";
    return new ApiError("database_timeout", detail, {}, RETRY);
  }
  if (code === "40001" || code === "40P01" || code === "55P03") {
    return new ApiError("busy", "The database was busy; try again.", {}, RETRY);
  }
  if (code.startsWith("08") || code.startsWith("53") || code.startsWith("57P")) {
    return new ApiError("database_unavailable", "The database is unavailable; try again shortly.", {}, RETRY);
  }
  return undefined;
}

/** Our functions put client-facing JSON in DETAIL (e.g. the id of a conflicting log). */
function appDetail(detail: string | undefined): Record<string, unknown> {
  if (!detail?.startsWith("{")) return {};
  try {
    return JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const sourceOf = (err: Error) => (err as { sourceError?: Error }).sourceError?.name ?? "";
