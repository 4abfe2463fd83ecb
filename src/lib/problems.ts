// The error catalogue: every problem `code` this API can answer, with its status and title. A
// closed set: ApiError takes only these, the database's HINTs must be among them (a test reads
// the migrations), and the OpenAPI document publishes them as an enum.
export const PROBLEMS = {
  // 400, 405, 413, 415: the request itself
  bad_request: [400, "The request is malformed"],
  method_not_allowed: [405, "Method not allowed here"],
  body_too_large: [413, "The request body is too large"],
  unsupported_media_type: [415, "Unsupported content type"],
  // 401, 403: who is asking
  invalid_token: [401, "Missing, invalid or expired token"],
  invalid_credentials: [401, "Wrong email or password"],
  session_ended: [401, "This login has ended"],
  superuser_required: [403, "Only superusers may do this"],
  csrf_rejected: [403, "Request from an origin that is not allowed"],
  registration_closed: [403, "Registration is closed"],
  position_not_open: [403, "Position not open for self-registration"],
  wrong_password: [403, "current_password is not right"],
  not_manager: [403, "Only this person's manager or a superuser may do this"],
  own_timesheet: [403, "Nobody approves or rejects their own week"],
  audit_append_only: [403, "The audit trail is append-only"],
  insufficient_scope: [403, "The token's scopes do not allow this"],
  // 404
  not_found: [404, "Not found"],
  nothing_open: [404, "No time log is running"],
  // 409
  conflict: [409, "Conflicts with an existing record"],
  email_taken: [409, "Email already registered"],
  overlap: [409, "Overlaps another time log"],
  already_running: [409, "A time log is already running"],
  in_use: [409, "Still in use"],
  project_has_logs: [409, "The project has time logs"],
  period_locked: [409, "This time is locked (a submitted or approved week, or closed payroll)"],
  already_submitted: [409, "The week is already submitted or approved"],
  timer_running: [409, "A timer is running in the week"],
  not_submitted: [409, "The week is not submitted"],
  not_approved: [409, "The week is not approved"],
  team_name_taken: [409, "A team with this name exists"],
  idempotency_in_progress: [409, "A request with this Idempotency-Key is still running"],
  name_taken: [409, "The name is taken"],
  rate_exists: [409, "A rate for this target starts on this day already"],
  currency_in_use: [409, "Rates are entered in the company currency"],
  client_in_use: [409, "Projects belong to this client"],
  task_in_use: [409, "Time logs name this task"],
  tag_in_use: [409, "Time logs carry this tag"],
  // 422: understood, but not acceptable
  validation_failed: [422, "The request is invalid"],
  invalid_value: [422, "A value is out of range or invalid"],
  unknown_reference: [422, "A referenced record does not exist"],
  unknown_position: [422, "No such position"],
  unknown_project: [422, "No such project"],
  invalid_time_zone: [422, "Not a time zone"],
  invalid_week: [422, "Not an ISO week"],
  future_week: [422, "The week has not started"],
  lock_in_future: [422, "The company lock cannot be in the future"],
  end_before_start: [422, "end_time must be after start_time"],
  future_time: [422, "A time in the future"],
  before_earliest: [422, "Before the earliest allowed date"],
  entry_too_long: [422, "Longer than the longest allowed entry"],
  project_archived: [422, "The project is archived"],
  invalid_range: [422, "from must be before to"],
  range_too_long: [422, "The range is too long"],
  too_many_groups: [422, "The report has too many groups"],
  too_many_rows: [422, "The export has too many rows"],
  invalid_cursor: [422, "Not a cursor this API gave out"],
  invalid_idempotency_key: [422, "Malformed Idempotency-Key"],
  idempotency_key_reused: [422, "Idempotency-Key used for another request"],
  insecure_url: [422, "Webhook URLs must be https"],
  unknown_client: [422, "No such client"],
  unknown_user: [422, "No such user"],
  unknown_task: [422, "No such task in the log's project"],
  unknown_tag: [422, "No such tag"],
  task_archived: [422, "The task is archived"],
  limit_reached: [422, "A limit is reached"],
  // 429: wait
  too_many_attempts: [429, "Too many failed password attempts"],
  too_many_registrations: [429, "Too many accounts created from here"],
  // 5xx
  internal: [500, "Internal error"],
  misconfigured: [500, "The server is misconfigured"],
  database_unavailable: [503, "The database is unavailable"],
  database_timeout: [503, "The database stopped a statement that ran too long"],
  busy: [503, "The database was busy"],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);
