// The database as Kysely sees it: one interface per table, matching migrations/.
import type { ColumnType, Generated, GeneratedAlways } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** company_settings.break_rules (a CHECK validates the JSON). */
type BreakRule = { after_hours: number; minutes: number };
type JsonValue = string | number | boolean | { [key: string]: JsonValue } | JsonValue[];

export interface PositionTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  salary: Generated<number>;
  open_for_registration: Generated<boolean>;
  /** numeric(5,2): the driver reads it as text. */
  weekly_hours: ColumnType<string, number | undefined, number>;
}

export interface AppUserTable {
  id: GeneratedAlways<number>;
  email: string;
  username: string;
  position_fk: number;
  registered_at: ColumnType<Date, never, never>;
  is_active: Generated<boolean>;
  is_superuser: Generated<boolean>;
  is_verified: Generated<boolean>;
  password_hash: string;
  time_zone: string | null;
  weekly_hours: ColumnType<string | null, number | null | undefined, number | null>;
  holiday_calendar_fk: number | null;
  erased_at: Timestamp | null;
}

export interface SessionTable {
  id: Generated<string>;
  user_fk: number;
  created_at: ColumnType<Date, never, never>;
  expires_at: Timestamp;
  refresh_generation: Generated<number>;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface CompanySettingsTable {
  id: Generated<boolean>;
  timelog_earliest: Timestamp;
  timelog_max_seconds: number;
  default_time_zone: Generated<string>;
  locked_before: Timestamp | null;
  currency: Generated<string>;
  holiday_calendar_fk: number | null;
  break_rules: ColumnType<BreakRule[], string | undefined, string>;
  max_daily_hours: ColumnType<string | null, number | null, number | null>;
  min_rest_hours: ColumnType<string | null, number | null, number | null>;
  break_deduction: Generated<"none" | "automatic">;
  registration: Generated<"open" | "invite_only">;
  require_2fa: Generated<boolean>;
  reminder_timer_hours: ColumnType<string, number | undefined, number>;
  reminder_submit_time: ColumnType<string, string | undefined, string>;
  // Offline writes (issue 24 §2, h-offline): migrations/0048
  offline_window_hours: ColumnType<number, number | undefined, number>;
}

export interface Database {
  position: PositionTable;
  app_user: AppUserTable;
  session: SessionTable;
  company_settings: CompanySettingsTable;
  project: ProjectTable;
  timelog: TimelogTable;
  timelog_tombstone: TimelogTombstoneTable;
  // The sync feed (issue 24 §1, h-sync)
  sync_change: SyncChangeTable;
  sync_scope: SyncScopeTable;
  idempotency_key: IdempotencyKeyTable;
  team: TeamTable;
  team_member: TeamMemberTable;
  timesheet: TimesheetTable;
  audit_event: AuditEventTable;
  audit_checkpoint: AuditCheckpointTable;
  api_token: ApiTokenTable;
  // OAuth 2.1 (issue 25 §2, h-oauth: migrations/0051_oauth.sql)
  oauth_client: OAuthClientTable;
  oauth_grant: OAuthGrantTable;
  oauth_code: OAuthCodeTable;
  oauth_refresh: OAuthRefreshTable;
  webhook_endpoint: WebhookEndpointTable;
  client: ClientTable;
  task: TaskTable;
  tag: TagTable;
  rate: RateTable;
  webhook_event: WebhookEventTable;
  webhook_delivery: WebhookDeliveryTable;
  // Issue 22 §2 (h-hol): migrations/0026, 0028
  holiday_calendar: HolidayCalendarTable;
  holiday: HolidayTable;
  // Issue 22 §3 (time account)
  work_schedule: WorkScheduleTable;
  time_adjustment: TimeAdjustmentTable;
  // Issue 22 §1 (absences): written and read through SQL functions; typed for the schema check.
  absence_type: AbsenceTypeTable;
  absence: AbsenceTable;
  absence_allowance: AbsenceAllowanceTable;
  // Issue 23: migrations/0036 and after
  email_outbox: EmailOutboxTable;
  invitation: InvitationTable;
  account_token: AccountTokenTable;
  user_totp: UserTotpTable;
  totp_recovery_code: TotpRecoveryCodeTable;
  notification_setting: NotificationSettingTable;
  reminder_sent: ReminderSentTable;
  // Issue 23 §3 (h-mail): migrations/0037, written only by password_reset_budget().
  password_reset_attempt: PasswordResetAttemptTable;
  // Issue 23 §6 (h-gdpr): migrations/0041
  audit_rehash: AuditRehashTable;
  // Fix round of issue 23 (h-fb): migrations/0043
  audit_redaction: AuditRedactionTable;
  // Calendar feeds (issue 24 §4, h-cal): migrations/0050, written and read through SQL functions.
  calendar_feed: CalendarFeedTable;
}

export interface CalendarFeedTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  team_fk: number | null;
  team_key: GeneratedAlways<number>;
  token_hash: string;
  created_at: Generated<Timestamp>;
}

export interface PasswordResetAttemptTable {
  id: GeneratedAlways<string>;
  account: string;
  client: string;
  at: Generated<Timestamp>;
}

export interface EmailOutboxTable {
  id: GeneratedAlways<string>;
  user_fk: number | null;
  to_address: string;
  template: string;
  data: ColumnType<JsonValue, string | undefined, string>;
  /** The one-time token a link carries, until the email is sent. */
  secret: string | null;
  status: Generated<"pending" | "sent" | "failed">;
  attempts: Generated<number>;
  next_attempt_at: Generated<Timestamp>;
  last_error: string | null;
  lease: string | null;
  lease_until: Timestamp | null;
  created_at: ColumnType<Date, never, never>;
  sent_at: Timestamp | null;
}

export interface InvitationTable {
  id: GeneratedAlways<number>;
  email: string;
  position_fk: number | null;
  team_fk: number | null;
  role: Generated<"member" | "manager">;
  token_hash: string;
  invited_by: number | null;
  created_at: ColumnType<Date, never, never>;
  expires_at: Timestamp;
  sent_at: Generated<Timestamp>;
  accepted_at: Timestamp | null;
  accepted_user_fk: number | null;
  revoked_at: Timestamp | null;
}

export interface AccountTokenTable {
  id: GeneratedAlways<string>;
  kind: "email_verification" | "email_change" | "password_reset";
  user_fk: number;
  token_hash: string;
  email: string | null;
  created_at: ColumnType<Date, never, never>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface UserTotpTable {
  user_fk: number;
  secret_encrypted: string;
  created_at: ColumnType<Date, never, never>;
  confirmed_at: Timestamp | null;
  /** bigint: the driver reads it as text. */
  last_step: ColumnType<string, string | number | undefined, string | number>;
}

export interface TotpRecoveryCodeTable {
  user_fk: number;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface NotificationSettingTable {
  user_fk: number;
  timer_forgotten: Generated<boolean>;
  timesheet_overdue: Generated<boolean>;
  absence_pending: Generated<boolean>;
}

export interface ReminderSentTable {
  kind: "timer_forgotten" | "timesheet_overdue" | "absence_pending";
  user_fk: number;
  occasion: string;
  sent_at: ColumnType<Date, never, never>;
}

export interface HolidayCalendarTable {
  id: GeneratedAlways<number>;
  name: string;
  region: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface HolidayTable {
  calendar_fk: number;
  day: ColumnType<string, string, string>;
  name: string;
  half_day: Generated<boolean>;
}

export interface AbsenceTypeTable {
  id: GeneratedAlways<number>;
  name: string;
  paid: Generated<boolean>;
  counts_as_work: Generated<boolean>;
  needs_approval: Generated<boolean>;
  unit: Generated<string>;
  /** numeric: the driver reads it as text. */
  annual_allowance_days: ColumnType<string | null, number | null | undefined, number | null>;
  carry_over_days: ColumnType<string | null, number | null | undefined, number | null>;
  carry_over_expires: string | null;
  allow_negative: Generated<boolean>;
  is_archived: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
}

export interface AbsenceTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  type_fk: number;
  first_day: string;
  last_day: string;
  half_day: string | null;
  note: string | null;
  status: string;
  comment: string | null;
  requested_by: number;
  acted_by: number | null;
  acted_at: Timestamp | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
  changed_xid: ColumnType<string, never, never>;
  slots: ColumnType<string | null, never, never>;
}

export interface AbsenceAllowanceTable {
  user_fk: number;
  type_fk: number;
  year: number;
  days: ColumnType<string, number, number>;
}

export interface WorkScheduleTable {
  id: GeneratedAlways<number>;
  position_fk: number | null;
  user_fk: number | null;
  effective_from: ColumnType<string, string, never>;
  /** numeric(4,2)[] for Monday … Sunday: the driver reads it as text. */
  hours: ColumnType<string, unknown, never>;
  created_at: ColumnType<Date, never, never>;
}

export interface TimeAdjustmentTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  day: ColumnType<string, string, never>;
  /** bigint: the driver reads it as text. */
  seconds: ColumnType<string, number, never>;
  reason: string;
  created_by: number | null;
  created_at: ColumnType<Date, never, never>;
}

export interface WebhookEndpointTable {
  id: GeneratedAlways<number>;
  url: string;
  events: string[];
  description: Generated<string>;
  status: Generated<string>;
  secret: string;
  /** Replaced secrets that still sign, each with its expiry (migrations/0021). */
  previous_secrets: Generated<JsonValue>;
  /** Written only by the previous release's Worker; dropped in the next release (migration 0021). */
  previous_secret: string | null;
  previous_secret_until: Timestamp | null;
  lease_until: Timestamp | null;
  lease_token: string | null;
  last_claimed_at: Timestamp | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}

export interface WebhookEventTable {
  /** bigint: the driver reads it as text. */
  id: ColumnType<string, never, never>;
  type: string;
  data: JsonValue;
  created_at: ColumnType<Date, never, never>;
}

export interface WebhookDeliveryTable {
  id: ColumnType<string, never, never>;
  endpoint_fk: number;
  event_fk: ColumnType<string, string | number, never>;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  retry_since: Timestamp;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: ColumnType<Date, never, never>;
}

export interface ApiTokenTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: string[];
  created_at: ColumnType<Date, never, never>;
  last_used_at: ColumnType<Date | null, never, never>;
  expires_at: ColumnType<Date | null, string | undefined, never>;
  revoked_at: ColumnType<Date | null, never, Date | string>;
  /** An OAuth grant's access token (0051); null for a token a person made. */
  grant_fk: ColumnType<number | null, number | undefined, never>;
}

// OAuth 2.1 (issue 25 §2, h-oauth): written through the functions of migrations/0051_oauth.sql.
export interface OAuthClientTable {
  id: string;
  name: string;
  redirect_uris: string[];
  registered_by: string;
  created_at: ColumnType<Date, never, never>;
}

export interface OAuthGrantTable {
  id: GeneratedAlways<number>;
  client_fk: string;
  user_fk: number;
  scopes: string[];
  resource: string;
  created_at: ColumnType<Date, never, never>;
  revoked_at: ColumnType<Date | null, never, Date | string>;
}

export interface OAuthCodeTable {
  code_hash: string;
  grant_fk: number;
  redirect_uri: string;
  code_challenge: string;
  expires_at: Date;
  used_at: Date | null;
}

export interface OAuthRefreshTable {
  token_hash: string;
  grant_fk: number;
  created_at: ColumnType<Date, never, never>;
  used_at: Date | null;
}

export interface TeamTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface TeamMemberTable {
  team_fk: number;
  user_fk: number;
  role: "member" | "manager";
}

/** Written only by timesheet_submit() and timesheet_decide() (migrations/0007_teams.sql). */
export interface TimesheetTable {
  user_fk: number;
  week: ColumnType<Date, never, never>;
  span: ColumnType<string, never, never>;
  status: "open" | "submitted" | "approved" | "rejected";
  submitted_seconds: ColumnType<string | null, never, never>;
  comment: string | null;
  acted_by: number | null;
  acted_at: ColumnType<Date, never, never>;
}

/** Append-only: written by triggers, never updated or deleted (the database refuses). */
export interface AuditEventTable {
  id: ColumnType<string, never, never>;
  chain: ColumnType<number, never, never>;
  seq: ColumnType<number, never, never>;
  at: ColumnType<Date, never, never>;
  actor_fk: ColumnType<number | null, never, never>;
  request_id: ColumnType<string | null, never, never>;
  kind: ColumnType<string, never, never>;
  entity: ColumnType<string, never, never>;
  entity_id: ColumnType<string, never, never>;
  before: ColumnType<JsonValue | null, never, never>;
  after: ColumnType<JsonValue | null, never, never>;
  prev_hash: ColumnType<string, never, never>;
  hash: ColumnType<string, never, never>;
  // Issue 23 §6 (h-gdpr, migrations/0041): the chain hashes content_hash, not the content; a
  // redaction (user_erase() only) empties before/after and keeps content_hash.
  salt: ColumnType<string, never, never>;
  content_hash: ColumnType<string, never, never>;
  redacted_at: ColumnType<Date | null, never, never>;
}

/** Each chain's head before and after 0041 rehashed the trail (written by that migration only). */
export interface AuditRehashTable {
  chain: ColumnType<number, never, never>;
  seq: ColumnType<number, never, never>;
  event_id: ColumnType<string, never, never>;
  old_hash: ColumnType<string, never, never>;
  new_hash: ColumnType<string | null, never, never>;
  at: ColumnType<Date, never, never>;
}

/** Which erasure redacted which event; written only by user_erase() (migrations/0043). */
export interface AuditRedactionTable {
  event_id: ColumnType<string, never, never>;
  erasure_id: ColumnType<string, never, never>;
}

/** Written only by audit_verify_page() (migrations/0023_audit_kinds_checkpoints.sql). */
export interface AuditCheckpointTable {
  id: ColumnType<string, never, never>;
  chain: ColumnType<number, never, never>;
  seq: ColumnType<number, never, never>;
  event_id: ColumnType<string, never, never>;
  hash: ColumnType<string, never, never>;
  at: ColumnType<Date, never, never>;
}

export interface ProjectTable {
  id: Generated<number>;
  secret_name: string;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  description: string | null;
  is_archived: Generated<boolean>;
  client_fk: number | null;
  billable: Generated<boolean>;
  /** numeric and bigint: the driver reads them as text. */
  budget_hours: ColumnType<string | null, number | null | undefined, number | null>;
  budget_amount: ColumnType<string | null, number | null | undefined, number | null>;
  budget_period: Generated<string>;
}

export interface ClientTable {
  id: GeneratedAlways<number>;
  name: string;
  is_archived: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
}

export interface TaskTable {
  id: GeneratedAlways<number>;
  project_fk: number;
  name: string;
  is_archived: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
}

export interface RateTable {
  id: GeneratedAlways<number>;
  kind: "billable" | "cost";
  /** bigint: the driver reads it as text. */
  amount: ColumnType<string, number, never>;
  effective_from: ColumnType<string, string, never>;
  /** The day the next rate for the same target takes over ('infinity' if none), kept by a trigger. */
  effective_to: ColumnType<string, never, never>;
  project_fk: number | null;
  user_fk: number | null;
  position_fk: number | null;
  created_at: ColumnType<Date, never, never>;
}

export interface TagTable {
  id: GeneratedAlways<number>;
  name: string;
  created_at: ColumnType<Date, never, never>;
}

export interface TimelogTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  project_fk: number;
  start_time: Timestamp;
  end_time: Timestamp | null;
  note: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, never>;
  changed_xid: ColumnType<string, never, never>;
  task_fk: number | null;
  tag_ids: ColumnType<number[], number[] | undefined, number[]>;
  billable: boolean | null;
  // Offline writes (issue 24 §2, h-offline): migrations/0048
  client_id: string | null;
  source: ColumnType<"online" | "offline", "online" | "offline" | undefined, "online" | "offline">;
}

export interface TimelogTombstoneTable {
  id: number;
  user_fk: number;
  client_id: string | null;
  deleted_at: ColumnType<Date, never, never>;
  changed_xid: ColumnType<string, never, never>;
}

// The sync feed (issue 24 §1, h-sync): written by triggers only (migrations/0047).
export interface SyncChangeTable {
  id: ColumnType<string, never, never>;
  type: string;
  key: string;
  owner_fk: number | null;
  team_fk: number | null;
  changed_xid: ColumnType<string, never, never>;
}

export interface SyncScopeTable {
  id: ColumnType<string, never, never>;
  viewer_fk: number;
  subject_fk: number | null;
  team_fk: number | null;
  changed_xid: ColumnType<string, never, never>;
}

export interface IdempotencyKeyTable {
  user_fk: number;
  key: string;
  request_hash: string;
  response: JsonValue | null;
  created_at: ColumnType<Date, never, never>;
}
