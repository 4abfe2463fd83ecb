-- Issue 23's model: the tables behind email, invitations, one-time account links, two-factor
-- sign-in, reminders and erasure, and the company settings that steer them. The functions that use
-- them come in the migrations after this one (0037 email, 0038 invitations and verification,
-- 0039 two-factor, 0040 reminders, 0041 export and erasure).

-- 1. Company settings: who may register, whether a second factor is required, and when reminders go.
ALTER TABLE company_settings
  ADD COLUMN registration text NOT NULL DEFAULT 'open'
    CONSTRAINT company_settings_registration CHECK (registration IN ('open', 'invite_only')),
  ADD COLUMN require_2fa boolean NOT NULL DEFAULT false,
  ADD COLUMN reminder_timer_hours numeric(4, 2) NOT NULL DEFAULT 10
    CONSTRAINT company_settings_reminder_timer_hours CHECK (reminder_timer_hours > 0 AND reminder_timer_hours <= 168),
  ADD COLUMN reminder_submit_time time(0) NOT NULL DEFAULT '12:00';

-- An erased person keeps their row (time logs, timesheets and amounts stay, under a pseudonym).
ALTER TABLE app_user ADD COLUMN erased_at timestamptz(3);

-- 2. The email outbox: written in the transaction of the change that causes it (as webhook events
-- are), delivered after the response and by the Cron Trigger. `secret` is the one-time token a
-- link carries: needed until the email is sent, cleared then, never shown by GET /emails.
CREATE TABLE email_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_fk integer REFERENCES app_user (id) ON DELETE SET NULL,
  to_address text NOT NULL
    -- One address, no header injection: no CR, LF or NUL, no list, no display name.
    CONSTRAINT email_outbox_to_address CHECK (char_length(to_address) BETWEEN 3 AND 320
      AND to_address !~ '[\r\n\x00,;<>"\s]' AND to_address ~ '^[^@]+@[^@]+$'),
  template text NOT NULL CONSTRAINT email_outbox_template CHECK (template ~ '^[a-z_]{1,40}$'),
  data jsonb NOT NULL DEFAULT '{}',
  secret text,
  status text NOT NULL DEFAULT 'pending' CONSTRAINT email_outbox_status CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  last_error text,
  lease uuid,
  lease_until timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  sent_at timestamptz(3)
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_by_user ON email_outbox (user_fk);
CREATE INDEX email_outbox_newest ON email_outbox (id DESC);

-- Queues one email; the request's last statement sees the flag and delivers after the response.
CREATE FUNCTION email_enqueue(p_to text, p_template text, p_data jsonb, p_user integer, p_secret text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  new_id bigint;
BEGIN
  INSERT INTO email_outbox (to_address, template, data, user_fk, secret)
  VALUES (p_to, p_template, coalesce(p_data, '{}'), p_user, p_secret)
  RETURNING id INTO new_id;
  PERFORM set_config('timelog.emails', 'queued', true);
  RETURN new_id;
END
$$;

-- 3. Invitations: a one-time token (stored hashed) for 7 days. Status is derived: accepted,
-- revoked, expired (expires_at passed), else pending.
CREATE TABLE invitation (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL CONSTRAINT invitation_email_length CHECK (char_length(email) BETWEEN 3 AND 320),
  position_fk integer REFERENCES position (id) ON DELETE SET NULL,
  team_fk integer REFERENCES team (id) ON DELETE SET NULL,
  role text NOT NULL DEFAULT 'member' CONSTRAINT invitation_role CHECK (role IN ('member', 'manager')),
  token_hash text NOT NULL CONSTRAINT invitation_token_hash UNIQUE,
  invited_by integer REFERENCES app_user (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  sent_at timestamptz(3) NOT NULL DEFAULT now(),
  accepted_at timestamptz(3),
  accepted_user_fk integer REFERENCES app_user (id) ON DELETE SET NULL,
  revoked_at timestamptz(3),
  CONSTRAINT invitation_one_end CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
CREATE INDEX invitation_by_email ON invitation (lower(email));
CREATE INDEX invitation_newest ON invitation (id DESC);

-- 4. One-time links of an account: email verification, email change (to `email`), password reset.
-- Stored hashed; used_at ends one (a newer reset or a password change ends the older resets).
CREATE TABLE account_token (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CONSTRAINT account_token_kind CHECK (kind IN ('email_verification', 'email_change', 'password_reset')),
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  token_hash text NOT NULL CONSTRAINT account_token_hash UNIQUE,
  email text CONSTRAINT account_token_email_length CHECK (char_length(email) BETWEEN 3 AND 320),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  CONSTRAINT account_token_change_has_email CHECK ((kind = 'email_change') = (email IS NOT NULL))
);
CREATE INDEX account_token_live ON account_token (user_fk, kind) WHERE used_at IS NULL;

-- 5. Two-factor sign-in (TOTP, RFC 6238). The secret is encrypted by the Worker (AES-GCM, a key
-- from a Worker secret) before it reaches the database. last_step: the newest 30-second step used,
-- so a code works once. confirmed_at NULL: enrolment started, not yet enabled.
CREATE TABLE user_totp (
  user_fk integer PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
  secret_encrypted text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  confirmed_at timestamptz(3),
  last_step bigint NOT NULL DEFAULT 0
);
CREATE TABLE totp_recovery_code (
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz(3),
  PRIMARY KEY (user_fk, code_hash)
);

-- 6. Reminders: a person's opt-outs, and every reminder sent (at most once per occasion).
CREATE TABLE notification_setting (
  user_fk integer PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
  timer_forgotten boolean NOT NULL DEFAULT true,
  timesheet_overdue boolean NOT NULL DEFAULT true,
  absence_pending boolean NOT NULL DEFAULT true
);
CREATE TABLE reminder_sent (
  kind text NOT NULL CONSTRAINT reminder_sent_kind CHECK (kind IN ('timer_forgotten', 'timesheet_overdue', 'absence_pending')),
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  -- What the reminder is about: the time log's id, the ISO week, the absence's id.
  occasion text NOT NULL,
  sent_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, user_fk, occasion)
);

CREATE OR REPLACE FUNCTION company_settings_json(s company_settings) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'timelog_earliest', api_time(s.timelog_earliest), 'timelog_max_seconds', s.timelog_max_seconds,
    'default_time_zone', s.default_time_zone, 'locked_before', api_time(s.locked_before), 'currency', s.currency,
    'holiday_calendar_fk', s.holiday_calendar_fk,
    'break_rules', coalesce((
      SELECT jsonb_agg(jsonb_build_object('after_hours', (e ->> 'after_hours')::float8, 'minutes', (e ->> 'minutes')::int)
                       ORDER BY (e ->> 'after_hours')::numeric)
      FROM jsonb_array_elements(s.break_rules) e), '[]'),
    'max_daily_hours', s.max_daily_hours::float8, 'min_rest_hours', s.min_rest_hours::float8,
    'break_deduction', s.break_deduction,
    'registration', s.registration, 'require_2fa', s.require_2fa,
    'reminder_timer_hours', s.reminder_timer_hours::float8,
    'reminder_submit_time', to_char(s.reminder_submit_time, 'HH24:MI'))
$$;

-- email_verified is the account's is_verified (kept for existing clients); two_factor_enabled
-- tells a front end whether to offer enrolment.
CREATE OR REPLACE FUNCTION user_json(u app_user) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', u.id, 'email', u.email, 'username', u.username, 'position_fk', u.position_fk,
    'is_active', u.is_active, 'is_superuser', u.is_superuser, 'is_verified', u.is_verified,
    'email_verified', u.is_verified,
    'two_factor_enabled', EXISTS (SELECT FROM user_totp t WHERE t.user_fk = u.id AND t.confirmed_at IS NOT NULL),
    'registered_at', api_time(u.registered_at), 'time_zone', u.time_zone,
    'weekly_hours', u.weekly_hours::float8, 'holiday_calendar_fk', u.holiday_calendar_fk,
    'erased', u.erased_at IS NOT NULL)
$$;

-- 7. Audit kinds and entities for issue 23 (the API's enums are tested against this list). Each
-- flow appends its own events in its migration; no later migration of this issue redefines these.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_kind_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_kind_known CHECK (kind IN (
  'timelog.created', 'timelog.updated', 'timelog.deleted',
  'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
  'team_member.added', 'team_member.changed', 'team_member.removed',
  'user.updated', 'company.lock_changed',
  'webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted',
  'absence.requested', 'absence.updated', 'absence.approved', 'absence.rejected', 'absence.cancelled',
  'absence_type.created', 'absence_type.updated', 'absence_type.deleted', 'allowance.set',
  'holiday_calendar.created', 'holiday.set', 'holiday.deleted',
  'work_schedule.created', 'work_schedule.deleted', 'time_account.adjusted',
  'invitation.created', 'invitation.resent', 'invitation.revoked', 'invitation.accepted',
  'user.email_verified', 'user.email_changed', 'user.password_reset', 'user.totp_enabled', 'user.totp_disabled',
  'user.exported', 'user.erased', 'company.settings_changed'));
ALTER TABLE audit_event DROP CONSTRAINT audit_event_entity_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_entity_known CHECK (entity IN (
  'timelog', 'timesheet', 'team', 'user', 'settings', 'webhook',
  'absence', 'absence_type', 'allowance', 'holiday_calendar', 'holiday', 'work_schedule', 'time_adjustment',
  'invitation'));

-- Who may register and whether a second factor is required are security settings: audited.
CREATE FUNCTION audit_company_account_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(0, 'company.settings_changed', 'settings', 'accounts',
    jsonb_build_object('registration', OLD.registration, 'require_2fa', OLD.require_2fa),
    jsonb_build_object('registration', NEW.registration, 'require_2fa', NEW.require_2fa));
  RETURN NULL;
END
$$;
CREATE TRIGGER company_settings_accounts_audit AFTER UPDATE ON company_settings FOR EACH ROW
WHEN (OLD.registration IS DISTINCT FROM NEW.registration OR OLD.require_2fa IS DISTINCT FROM NEW.require_2fa)
EXECUTE FUNCTION audit_company_account_settings();
