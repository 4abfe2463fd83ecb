-- Fixes from an adversarial review of 0007 (teams, timesheets, locks, audit) and 0010 (API tokens).

-- 1. A token without the admin scope never carries its owner's superuser powers, wherever SQL asks
--    (salaries, others' logs and users, the audit trail, reopening weeks), not only on the routes
--    that ask for a superuser up front: auth_guard_token tells its transaction whether the token
--    has admin, and user_is_superuser() listens.
CREATE OR REPLACE FUNCTION user_is_superuser(p_user integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('timelog.token_admin', true), '') <> 'false'
     AND coalesce((SELECT is_superuser AND is_active FROM app_user WHERE id = p_user), false)
$$;

CREATE OR REPLACE FUNCTION auth_guard_token(p_hash text, p_user integer, p_scope text, p_need_superuser boolean,
  p_request_id text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  t api_token;
  su boolean;
BEGIN
  SELECT * INTO t FROM api_token
  WHERE token_hash = p_hash AND user_fk = p_user AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This token is revoked, expired or unknown.' USING ERRCODE = 'TL401', HINT = 'invalid_token';
  END IF;
  SELECT is_superuser INTO su FROM app_user WHERE id = p_user AND is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This token''s owner is deactivated.' USING ERRCODE = 'TL401', HINT = 'invalid_token';
  END IF;
  IF p_scope IS NULL OR NOT p_scope = ANY (t.scopes) THEN
    RAISE EXCEPTION 'This token''s scopes do not allow this%.', coalesce(' (needs ' || p_scope || ')', ' (tokens cannot do it)')
      USING ERRCODE = 'TL403', HINT = 'insufficient_scope', DETAIL = json_build_object('required_scope', p_scope)::text;
  END IF;
  IF p_need_superuser AND NOT (su AND 'admin' = ANY (t.scopes)) THEN
    RAISE EXCEPTION 'Only superusers may do this (with a token: one with the admin scope).'
      USING ERRCODE = 'TL403', HINT = 'superuser_required';
  END IF;
  IF t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' THEN
    UPDATE api_token SET last_used_at = now() WHERE id = t.id;
  END IF;
  PERFORM set_config('timelog.actor', p_user::text, true), set_config('timelog.request_id', left(p_request_id, 128), true);
  -- user_is_superuser() reads this for the rest of the transaction.
  PERFORM set_config('timelog.token_admin', ('admin' = ANY (t.scopes))::text, true);
  RETURN su;
END
$$;

-- 2. The company lock may not be in the future, nor be set while a timer that started before it
--    runs: that log could then never be closed (its start is locked), and would block its owner.
CREATE OR REPLACE FUNCTION company_set_lock(p_before timestamptz) RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
  old timestamptz;
  result timestamptz;
  running integer;
BEGIN
  IF p_before > now() THEN
    RAISE EXCEPTION 'The lock cannot be in the future.' USING ERRCODE = 'TL422', HINT = 'lock_in_future';
  END IF;
  PERFORM pg_advisory_xact_lock(7012, 0);
  SELECT count(*) INTO running FROM timelog WHERE end_time IS NULL AND start_time < p_before;
  IF running > 0 THEN
    RAISE EXCEPTION '% timer(s) started before the lock are still running; stop them first.', running
      USING ERRCODE = 'TL409', HINT = 'timer_running', DETAIL = json_build_object('running', running)::text;
  END IF;
  SELECT locked_before INTO old FROM company_settings;
  UPDATE company_settings SET locked_before = p_before RETURNING locked_before INTO result;
  IF old IS DISTINCT FROM result THEN
    -- From no lock, or to none: everything before the other instant changed.
    PERFORM timelog_lock_changed(NULL, tstzrange(
      CASE WHEN old IS NULL OR result IS NULL THEN NULL ELSE least(old, result) END, greatest(old, result), '[)'));
  END IF;
  RETURN result;
END
$$;

-- 3. A person's weeks tile time with neither gap nor overlap, even when they change zone between
--    submissions: a new week starts where the stored week before it ends and ends where the stored
--    week after it starts.
CREATE FUNCTION timesheet_span(p_user integer, p_monday date) RETURNS tstzrange LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT span FROM timesheet WHERE user_fk = p_user AND week = p_monday),
    (SELECT tstzrange(
       coalesce((SELECT upper(span) FROM timesheet WHERE user_fk = p_user AND week = p_monday - 7), lower(w.span)),
       coalesce((SELECT lower(span) FROM timesheet WHERE user_fk = p_user AND week = p_monday + 7), upper(w.span)),
       '[)')
     FROM (SELECT week_span(p_monday, user_time_zone(p_user)) AS span) w))
$$;

CREATE OR REPLACE FUNCTION timesheet_submit(p_user integer, p_week text) RETURNS timesheet LANGUAGE plpgsql AS $$
DECLARE
  monday date := iso_week_monday(p_week);
  old timesheet;
  s tstzrange;
  worked bigint;
  result timesheet;
BEGIN
  PERFORM pg_advisory_xact_lock(7011, p_user);
  SELECT * INTO old FROM timesheet WHERE user_fk = p_user AND week = monday;
  s := timesheet_span(p_user, monday);
  IF lower(s) > now() THEN
    RAISE EXCEPTION 'Week % has not started.', p_week USING ERRCODE = 'TL422', HINT = 'future_week';
  END IF;
  IF old.status IN ('submitted', 'approved') THEN
    RAISE EXCEPTION 'Week % is already %.', p_week, old.status USING ERRCODE = 'TL409', HINT = 'already_submitted',
      DETAIL = json_build_object('timesheet_status', old.status)::text;
  END IF;
  IF EXISTS (SELECT 1 FROM timelog WHERE user_fk = p_user AND end_time IS NULL AND start_time < upper(s)) THEN
    RAISE EXCEPTION 'A timer is running in week %; stop it before submitting.', p_week
      USING ERRCODE = 'TL409', HINT = 'timer_running';
  END IF;
  worked := timesheet_worked(p_user, s);
  INSERT INTO timesheet AS t (user_fk, week, span, status, submitted_seconds, comment, acted_by, acted_at)
  VALUES (p_user, monday, s, 'submitted', worked, NULL, p_user, now())
  ON CONFLICT (user_fk, week) DO UPDATE
    SET status = 'submitted', submitted_seconds = worked, comment = NULL, acted_by = p_user, acted_at = now()
  RETURNING * INTO result;
  PERFORM timelog_lock_changed(p_user, s);
  RETURN result;
END
$$;

CREATE OR REPLACE FUNCTION timesheet_json(p_user integer, p_monday date) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('user_fk', u.id, 'week', iso_week(p_monday),
    'from', api_time(lower(sp.span)), 'to', api_time(upper(sp.span)), 'status', coalesce(s.status, 'open'),
    'worked_seconds', x.worked, 'expected_seconds', x.expected, 'balance_seconds', x.worked - x.expected,
    'submitted_seconds', s.submitted_seconds, 'acted_by', s.acted_by, 'acted_at', api_time(s.acted_at),
    'comment', s.comment)
  FROM app_user u
  JOIN position p ON p.id = u.position_fk
  LEFT JOIN timesheet s ON s.user_fk = u.id AND s.week = p_monday
  CROSS JOIN LATERAL (SELECT timesheet_span(u.id, p_monday) AS span) sp
  CROSS JOIN LATERAL (SELECT timesheet_worked(u.id, sp.span) AS worked,
                             round(coalesce(u.weekly_hours, p.weekly_hours) * 3600)::bigint AS expected) x
  WHERE u.id = p_user
$$;

-- 4. A person's zone and expected hours decide their weeks and balance: audited too.
CREATE OR REPLACE FUNCTION audit_app_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(NEW.id, 'user.updated', 'user', NEW.id::text,
    jsonb_build_object('is_superuser', OLD.is_superuser, 'is_active', OLD.is_active, 'position_fk', OLD.position_fk,
                       'time_zone', OLD.time_zone, 'weekly_hours', OLD.weekly_hours),
    jsonb_build_object('is_superuser', NEW.is_superuser, 'is_active', NEW.is_active, 'position_fk', NEW.position_fk,
                       'time_zone', NEW.time_zone, 'weekly_hours', NEW.weekly_hours));
  RETURN NULL;
END
$$;
DROP TRIGGER app_user_audit ON app_user;
CREATE TRIGGER app_user_audit AFTER UPDATE ON app_user FOR EACH ROW
WHEN ((OLD.is_superuser, OLD.is_active, OLD.position_fk, OLD.time_zone, OLD.weekly_hours)
      IS DISTINCT FROM (NEW.is_superuser, NEW.is_active, NEW.position_fk, NEW.time_zone, NEW.weekly_hours))
EXECUTE FUNCTION audit_app_user();
