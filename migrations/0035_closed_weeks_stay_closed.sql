-- Review of issue 22 (F6, F9). A submitted or approved week is what a manager signed: nothing may
-- change its expected or credited time afterwards. Holidays, calendar assignments and a type's
-- counts_as_work did (only the payroll lock guarded holidays). And a person's timesheets now
-- expect nothing before their account starts, as the account does.
-- Every guard takes the locks a time-log write takes (the company lock shared, each affected
-- person's exclusive, in id order), so a submit or a lock change cannot slip in between the check
-- and the commit.

-- 1. Holiday days: the payroll lock as in 0028, plus the submitted/approved weeks of everyone whose
--    calendar it is (their own, or the company's for people without one), in each person's zone.
CREATE OR REPLACE FUNCTION holiday_lock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s company_settings;
  h holiday := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  days date[] := '{}';
  person integer;
  reason jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  SELECT * INTO s FROM company_settings;
  IF TG_OP <> 'INSERT' THEN
    days := days || OLD.day;
  END IF;
  -- An upsert's insert fires this before it meets the existing row: that row's update decides
  -- (holiday_lock_update, which lets an unchanged row pass).
  IF TG_OP = 'UPDATE' OR (TG_OP = 'INSERT' AND NOT EXISTS (
       SELECT 1 FROM holiday x WHERE x.calendar_fk = NEW.calendar_fk AND x.day = NEW.day)) THEN
    days := days || NEW.day;
  END IF;
  IF days = '{}' THEN
    RETURN h;
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(days) d WHERE d::timestamp AT TIME ZONE s.default_time_zone < s.locked_before) THEN
    RAISE EXCEPTION 'Days before % are locked: payroll is closed.', api_time(s.locked_before)
      USING ERRCODE = 'TL409', HINT = 'period_locked',
            DETAIL = jsonb_build_object('locked_before', api_time(s.locked_before))::text;
  END IF;
  FOR person IN
    SELECT u.id FROM app_user u
    WHERE coalesce(u.holiday_calendar_fk, s.holiday_calendar_fk) = h.calendar_fk
    ORDER BY u.id
  LOOP
    PERFORM pg_advisory_xact_lock(7011, person);
  END LOOP;
  SELECT jsonb_build_object('week', iso_week(t.week), 'user_fk', t.user_fk, 'timesheet_status', t.status) INTO reason
  FROM app_user u CROSS JOIN unnest(days) d
  JOIN timesheet t ON t.user_fk = u.id AND t.status IN ('submitted', 'approved')
    AND t.span && tstzrange(d::timestamp AT TIME ZONE user_time_zone(u.id),
                            (d + 1)::timestamp AT TIME ZONE user_time_zone(u.id), '[)')
  WHERE coalesce(u.holiday_calendar_fk, s.holiday_calendar_fk) = h.calendar_fk
  ORDER BY t.week, t.user_fk LIMIT 1;
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Week % of user % is %: a holiday on % would change its expected time.',
      reason->>'week', reason->>'user_fk', reason->>'timesheet_status', h.day
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  RETURN h;
END
$$;

-- 2. Switching calendars changes the dates where the two calendars differ (a holiday in one and
--    not the other, or full vs half day; names do not count). Refused when such a date is counted
--    for an affected person (on or after their account start) and is closed: before the payroll
--    lock, or inside one of their submitted/approved weeks. Dates before a person's start count
--    for nothing, so a new hire may get any calendar.
CREATE FUNCTION holiday_calendar_switch_check(p_people integer[], p_old integer, p_new integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  s company_settings;
  person integer;
  reason jsonb;
BEGIN
  IF p_old IS NOT DISTINCT FROM p_new OR cardinality(p_people) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  FOR person IN SELECT DISTINCT x FROM unnest(p_people) x ORDER BY x LOOP
    PERFORM pg_advisory_xact_lock(7011, person);
  END LOOP;
  SELECT * INTO s FROM company_settings;
  WITH differ AS MATERIALIZED (
    SELECT coalesce(a.day, b.day) AS day
    FROM (SELECT day, half_day FROM holiday WHERE calendar_fk = p_old) a
    FULL JOIN (SELECT day, half_day FROM holiday WHERE calendar_fk = p_new) b ON a.day = b.day
    WHERE a.half_day IS DISTINCT FROM b.half_day),
  people AS MATERIALIZED (
    SELECT x AS id, time_account_start(x) AS start, user_time_zone(x) AS tz FROM unnest(p_people) x)
  SELECT coalesce(
    (SELECT jsonb_build_object('locked_before', api_time(s.locked_before), 'date', min(d.day)::text)
     FROM differ d WHERE d.day::timestamp AT TIME ZONE s.default_time_zone < s.locked_before
       AND d.day >= (SELECT min(p.start) FROM people p)
     HAVING count(*) > 0),
    (SELECT jsonb_build_object('week', iso_week(t.week), 'user_fk', t.user_fk, 'timesheet_status', t.status,
                               'date', d.day::text)
     FROM people p JOIN differ d ON d.day >= p.start
     JOIN timesheet t ON t.user_fk = p.id AND t.status IN ('submitted', 'approved')
       AND t.week BETWEEN d.day - 7 AND d.day + 1
       AND t.span && tstzrange(d.day::timestamp AT TIME ZONE p.tz, (d.day + 1)::timestamp AT TIME ZONE p.tz, '[)')
     ORDER BY t.week, t.user_fk LIMIT 1))
  INTO reason;
  IF reason ? 'locked_before' THEN
    RAISE EXCEPTION 'Time before % is locked: the calendars differ on %.', reason->>'locked_before', reason->>'date'
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  ELSIF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Week % of user % is %: the calendars differ on %.',
      reason->>'week', reason->>'user_fk', reason->>'timesheet_status', reason->>'date'
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
END
$$;

-- A person's own calendar (NULL: the company's).
CREATE FUNCTION app_user_calendar_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  company integer := (SELECT holiday_calendar_fk FROM company_settings);
BEGIN
  PERFORM holiday_calendar_switch_check(ARRAY[NEW.id], coalesce(OLD.holiday_calendar_fk, company),
                                        coalesce(NEW.holiday_calendar_fk, company));
  RETURN NEW;
END
$$;
CREATE TRIGGER app_user_calendar_guard BEFORE UPDATE OF holiday_calendar_fk ON app_user FOR EACH ROW
WHEN (OLD.holiday_calendar_fk IS DISTINCT FROM NEW.holiday_calendar_fk)
EXECUTE FUNCTION app_user_calendar_guard();

-- The company's calendar: everyone without one of their own.
CREATE FUNCTION company_calendar_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM holiday_calendar_switch_check(
    ARRAY(SELECT u.id FROM app_user u WHERE u.holiday_calendar_fk IS NULL ORDER BY u.id),
    OLD.holiday_calendar_fk, NEW.holiday_calendar_fk);
  RETURN NEW;
END
$$;
CREATE TRIGGER company_calendar_guard BEFORE UPDATE OF holiday_calendar_fk ON company_settings FOR EACH ROW
WHEN (OLD.holiday_calendar_fk IS DISTINCT FROM NEW.holiday_calendar_fk)
EXECUTE FUNCTION company_calendar_guard();

-- 3. counts_as_work decides the credit of every approved absence of the type: switching it is
--    refused while such an absence has a date before the payroll lock or inside a submitted or
--    approved week of its person (conservative: the whole absence, not only its working dates).
CREATE FUNCTION absence_type_credit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  person integer;
  reason jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  -- Requested ones too: approving one (under its person's lock) must not slip in between.
  FOR person IN
    SELECT DISTINCT a.user_fk FROM absence a WHERE a.type_fk = NEW.id AND a.status IN ('requested', 'approved') ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(7011, person);
  END LOOP;
  SELECT coalesce(
    (SELECT jsonb_build_object('locked_before', api_time(s.locked_before), 'absence_fk', min(a.id))
     FROM absence a CROSS JOIN company_settings s
     WHERE a.type_fk = NEW.id AND a.status = 'approved'
       AND a.first_day::timestamp AT TIME ZONE s.default_time_zone < s.locked_before
     GROUP BY s.locked_before),
    (SELECT jsonb_build_object('week', iso_week(t.week), 'user_fk', t.user_fk, 'timesheet_status', t.status,
                               'absence_fk', a.id)
     FROM absence a CROSS JOIN LATERAL (SELECT user_time_zone(a.user_fk) AS tz) z
     JOIN timesheet t ON t.user_fk = a.user_fk AND t.status IN ('submitted', 'approved')
       AND t.span && tstzrange(a.first_day::timestamp AT TIME ZONE z.tz, (a.last_day + 1)::timestamp AT TIME ZONE z.tz, '[)')
     WHERE a.type_fk = NEW.id AND a.status = 'approved'
     ORDER BY t.week, t.user_fk LIMIT 1))
  INTO reason;
  IF reason ? 'locked_before' THEN
    RAISE EXCEPTION 'Time before % is locked: absence % of this type would change its credit.',
      reason->>'locked_before', reason->>'absence_fk'
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  ELSIF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Week % of user % is %: absence % of this type would change its credit.',
      reason->>'week', reason->>'user_fk', reason->>'timesheet_status', reason->>'absence_fk'
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER absence_type_credit_guard BEFORE UPDATE OF counts_as_work ON absence_type FOR EACH ROW
WHEN (OLD.counts_as_work IS DISTINCT FROM NEW.counts_as_work)
EXECUTE FUNCTION absence_type_credit_guard();

-- 4. (F9) Expected and credited time start with the person's account (time_account_start, 0029):
--    the account, timesheet_json and the timesheet list all read person_expected_days, so the
--    registration week no longer expects the days before the person joined in one and not the
--    other. The start is computed once per call (MATERIALIZED), not per date (see 0032).
CREATE OR REPLACE FUNCTION person_expected_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, expected_seconds bigint, credited_seconds bigint)
LANGUAGE sql STABLE AS $$
  WITH start AS MATERIALIZED (SELECT time_account_start(p_user) AS day)
  SELECT d.day, CASE WHEN d.day < s.day THEN 0 ELSE d.expected_seconds END,
         CASE WHEN d.day < s.day THEN 0 ELSE
           coalesce(round(sum(absence_share(d.work_share, a.half_day) * d.scheduled_seconds)
                          FILTER (WHERE a.first_day IS NOT NULL)), 0)::bigint END
  FROM person_days(p_user, p_from, p_to) d CROSS JOIN start s
  LEFT JOIN (
    SELECT a.first_day, a.last_day, a.half_day
    FROM absence a JOIN absence_type ty ON ty.id = a.type_fk
    WHERE a.user_fk = p_user AND a.status = 'approved' AND ty.counts_as_work
      AND a.first_day BETWEEN p_from - 366 AND p_to AND a.last_day >= p_from
  ) a ON d.day BETWEEN a.first_day AND a.last_day
  GROUP BY d.day, d.expected_seconds, s.day
  ORDER BY d.day
$$;

-- The start is the earlier of registration and the first log, so a log dated before registration
-- moves it (adding, moving or deleting the earliest one), and with it the expected time of the
-- dates in between — among them the registration week, which may already be submitted. Such a
-- write is refused when a submitted or approved week overlaps the dates whose expected time
-- changes. Only logs before the person's registration get past the first test; the time-log lock
-- guard (timelog_a_lock_guard) has already taken the person's lock.
CREATE FUNCTION timelog_account_start_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  person integer := CASE TG_OP WHEN 'DELETE' THEN OLD.user_fk ELSE NEW.user_fk END;
  registered timestamptz := (SELECT u.registered_at FROM app_user u WHERE u.id = person);
  tz text;
  before date;
  after date;
  reason jsonb;
BEGIN
  IF NOT ((TG_OP <> 'DELETE' AND NEW.start_time < registered) OR (TG_OP <> 'INSERT' AND OLD.start_time < registered)) THEN
    RETURN NULL;
  END IF;
  tz := user_time_zone(person);
  after := time_account_start(person);
  -- The start without this write: the other logs, and the old row if there was one.
  before := least((registered AT TIME ZONE tz)::date,
    (SELECT (min(t.start_time) AT TIME ZONE tz)::date FROM timelog t
     WHERE t.user_fk = person AND t.id <> CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END),
    CASE WHEN TG_OP <> 'INSERT' THEN (OLD.start_time AT TIME ZONE tz)::date END);
  IF before = after THEN
    RETURN NULL;
  END IF;
  SELECT jsonb_build_object('week', iso_week(t.week), 'user_fk', t.user_fk, 'timesheet_status', t.status) INTO reason
  FROM timesheet t
  WHERE t.user_fk = person AND t.status IN ('submitted', 'approved')
    AND t.span && tstzrange(least(before, after)::timestamp AT TIME ZONE tz,
                            greatest(before, after)::timestamp AT TIME ZONE tz, '[)')
  ORDER BY t.week LIMIT 1;
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Week % is %: this log moves the account start from % to % and would change its expected time.',
      reason->>'week', reason->>'timesheet_status', before, after
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER timelog_account_start_guard AFTER INSERT OR DELETE OR UPDATE OF start_time ON timelog FOR EACH ROW
EXECUTE FUNCTION timelog_account_start_guard();
