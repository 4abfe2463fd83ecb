-- A running timer obeys the longest-entry rule; a report's range stays in years 1–9999; a second clock-in is already_running, not an
-- overlap; a manager decides only for the people who report to them (never a co-manager, never
-- someone they report to); weeks before the company's earliest time cannot be submitted; and a
-- week's worked time is found through the (person, span) index instead of every earlier log.

-- 1. Time-log writes. As in 0005, plus: a log left running (or made running again) may not start
--    before now − the longest entry, or it would run past the limit unseen (a timer "running since
--    July" broke budgets, timesheets and every lock); and clocking in while a timer runs names the
--    running log as already_running.
CREATE OR REPLACE FUNCTION timelog_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  archived boolean;
  other integer;
  other_open boolean;
  limits company_settings%ROWTYPE;
BEGIN
  IF NEW.start_time > now() + timelog_clock_skew() OR NEW.end_time > now() + timelog_clock_skew() THEN
    RAISE EXCEPTION 'A time log cannot start or end in the future.'
      USING ERRCODE = 'TL422', HINT = 'future_time';
  END IF;
  -- Checked only when the times change, so moving the limits never freezes old rows' notes.
  IF TG_OP = 'INSERT' OR NEW.start_time IS DISTINCT FROM OLD.start_time
     OR NEW.end_time IS DISTINCT FROM OLD.end_time THEN
    SELECT * INTO limits FROM company_settings;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'company_settings has no row' USING ERRCODE = 'P0002';
    END IF;
    IF NEW.start_time < limits.timelog_earliest THEN
      RAISE EXCEPTION 'A time log cannot start before %.', to_char(limits.timelog_earliest AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        USING ERRCODE = 'TL422', HINT = 'before_earliest',
              DETAIL = json_build_object('earliest', api_time(limits.timelog_earliest))::text;
    END IF;
    IF coalesce(NEW.end_time, now()) - NEW.start_time > make_interval(secs => limits.timelog_max_seconds) THEN
      RAISE EXCEPTION 'A single time log is at most % hours (a running one counts to now); split it, or close a forgotten timer with end_time.',
        round(limits.timelog_max_seconds / 3600.0, 2)
        USING ERRCODE = 'TL422', HINT = 'entry_too_long',
              DETAIL = json_build_object('max_seconds', limits.timelog_max_seconds)::text;
    END IF;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.project_fk IS DISTINCT FROM OLD.project_fk THEN
    SELECT is_archived INTO archived FROM project WHERE id = NEW.project_fk;
    IF archived THEN
      RAISE EXCEPTION 'Project % is archived; time cannot be logged to it.', NEW.project_fk
        USING ERRCODE = 'TL422', HINT = 'project_archived';
    END IF;
  END IF;
  IF NEW.end_time IS NULL OR NEW.end_time > NEW.start_time THEN
    SELECT id, end_time IS NULL INTO other, other_open FROM timelog
    WHERE user_fk = NEW.user_fk AND id IS DISTINCT FROM NEW.id
      AND tstzrange(start_time, end_time, '[)') && tstzrange(NEW.start_time, NEW.end_time, '[)')
    ORDER BY start_time LIMIT 1;
    IF FOUND AND other_open AND NEW.end_time IS NULL THEN
      RAISE EXCEPTION 'Time log % is already running; close it or switch.', other
        USING ERRCODE = 'TL409', HINT = 'already_running', DETAIL = json_build_object('conflicting_log_id', other)::text;
    ELSIF FOUND THEN
      RAISE EXCEPTION 'This overlaps time log %.', other
        USING ERRCODE = 'TL409', HINT = 'overlap', DETAIL = json_build_object('conflicting_log_id', other)::text;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
    NEW.changed_xid := pg_current_xact_id();
  END IF;
  RETURN NEW;
END
$$;

-- 2. Who manages whom: a manager of a team where the person is a plain member, unless the person
--    also manages them (two people who manage each other decide nothing for each other). Managers
--    of one team are each other's peers: their time is decided by whoever they report to, or a
--    superuser.
CREATE OR REPLACE FUNCTION manages(p_manager integer, p_user integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_manager IS DISTINCT FROM p_user
    AND EXISTS (
      SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
      WHERE m.user_fk = p_manager AND m.role = 'manager' AND t.user_fk = p_user AND t.role = 'member')
    AND NOT EXISTS (
      SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
      WHERE m.user_fk = p_user AND m.role = 'manager' AND t.user_fk = p_manager AND t.role = 'member')
$$;

-- 3. Worked seconds of a span through the (person, span) index of timelog_no_overlap: the old
--    start_time bound let the planner walk every earlier log of the person for each week.
CREATE OR REPLACE FUNCTION timesheet_worked(p_user integer, p_span tstzrange) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(round(sum(greatest(0, extract(epoch FROM least(coalesce(t.end_time, now()), upper(p_span), now())
                                                      - greatest(t.start_time, lower(p_span)))))), 0)::bigint
  FROM timelog t
  WHERE t.user_fk = p_user AND tstzrange(t.start_time, t.end_time, '[)') && p_span
$$;

-- 4. A week wholly before the company's earliest time holds no time: it cannot be submitted.
CREATE FUNCTION timesheet_assert_after_earliest(p_span tstzrange) RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
  earliest timestamptz := (SELECT timelog_earliest FROM company_settings);
BEGIN
  IF upper(p_span) <= earliest THEN
    RAISE EXCEPTION 'That week ends before the earliest time a log may have.'
      USING ERRCODE = 'TL422', HINT = 'before_earliest', DETAIL = json_build_object('earliest', api_time(earliest))::text;
  END IF;
END
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
  PERFORM timesheet_assert_after_earliest(s);
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

-- 5. A report's range as in 0005, and within years 1–9999 UTC: a day's midnight in a zone east of
--    UTC could fall in 1 BC (0001-01-01 in Tokyo), which RFC 3339 cannot write back with its era.
CREATE OR REPLACE FUNCTION report_range(p_from text, p_to text, p_tz text, p_max_days integer) RETURNS tstzrange
LANGUAGE plpgsql STABLE AS $$
DECLARE
  lo timestamptz;
  hi timestamptz;
BEGIN
  lo := CASE WHEN p_from ~ '^\d{4}-\d\d-\d\d$' THEN p_from::date::timestamp AT TIME ZONE p_tz ELSE p_from::timestamptz END;
  hi := CASE WHEN p_to ~ '^\d{4}-\d\d-\d\d$' THEN p_to::date::timestamp AT TIME ZONE p_tz ELSE p_to::timestamptz END;
  IF NOT lo < hi THEN
    RAISE EXCEPTION 'from must be before to.' USING ERRCODE = 'TL422', HINT = 'invalid_range';
  END IF;
  IF lo < '0001-01-01T00:00:00Z'::timestamptz OR hi > '9999-12-31T23:59:59.999Z'::timestamptz THEN
    RAISE EXCEPTION 'A report''s range must lie within the years 1 to 9999 (UTC).' USING ERRCODE = 'TL422', HINT = 'invalid_range';
  END IF;
  -- One extra hour: a year of local days may hold a DST hour more than 366 × 24.
  IF extract(epoch FROM hi - lo) > p_max_days * 86400 + 3600 THEN
    RAISE EXCEPTION 'A report covers at most % days.', p_max_days USING ERRCODE = 'TL422', HINT = 'range_too_long';
  END IF;
  RETURN tstzrange(lo, hi, '[)');
END
$$;
