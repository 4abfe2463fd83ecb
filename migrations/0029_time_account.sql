-- Issue 22 §3: work schedules as a resource (wire shape, locks, audit), the working-time account
-- (time_account_days: one row per local date, counted from person_days) and timesheets whose
-- expected and credited time are the same numbers.

-- 1. Work schedules. The wire shape, built in one place for reads and writes.
CREATE FUNCTION work_schedule_json(w work_schedule) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', w.id, 'position_fk', w.position_fk, 'user_fk', w.user_fk,
    'effective_from', w.effective_from::text, 'hours', to_jsonb(w.hours::float8[]),
    'created_at', api_time(w.created_at))
$$;

-- Adding or removing a schedule changes the expected time of every date from effective_from on
-- (until the owner's next schedule) of everyone it applies to. It is refused when that time is
-- closed: before the company lock (effective_from read in the company's default zone), or when any
-- affected person has a submitted or approved week ending after effective_from starts in their
-- zone. Affected: the schedule's person; for a position, its holders without weekly_hours of their
-- own (weekly_hours outranks a position's schedule). Holders with a dated schedule of their own are
-- counted too (conservative: their own schedule may start later). The same locks as a time-log
-- write (the company lock shared, each person's exclusive, in id order), so a submit or a lock
-- change cannot slip in between the check and the commit.
CREATE FUNCTION work_schedule_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  w work_schedule := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  person integer;
  reason jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  SELECT jsonb_build_object('locked_before', api_time(s.locked_before)) INTO reason FROM company_settings s
  WHERE w.effective_from::timestamp AT TIME ZONE s.default_time_zone < s.locked_before;
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Time before % is locked: a schedule from % would change it.', reason->>'locked_before', w.effective_from
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  FOR person IN
    SELECT u.id FROM app_user u
    WHERE u.id = w.user_fk OR (u.position_fk = w.position_fk AND u.weekly_hours IS NULL)
    ORDER BY u.id
  LOOP
    PERFORM pg_advisory_xact_lock(7011, person);
  END LOOP;
  SELECT jsonb_build_object('week', iso_week(t.week), 'user_fk', t.user_fk, 'timesheet_status', t.status) INTO reason
  FROM timesheet t JOIN app_user u ON u.id = t.user_fk
  WHERE (u.id = w.user_fk OR (u.position_fk = w.position_fk AND u.weekly_hours IS NULL))
    AND t.status IN ('submitted', 'approved')
    AND upper(t.span) > w.effective_from::timestamp AT TIME ZONE user_time_zone(u.id)
  ORDER BY t.week LIMIT 1;
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Week % of user % is %: a schedule from % would change its expected time.',
      reason->>'week', reason->>'user_fk', reason->>'timesheet_status', w.effective_from
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  RETURN w;
END
$$;
CREATE TRIGGER work_schedule_guard BEFORE INSERT OR DELETE ON work_schedule
FOR EACH ROW EXECUTE FUNCTION work_schedule_guard();

-- A person's schedule is audited in their chain (they and their managers read it); a position's in
-- the company's.
CREATE FUNCTION audit_work_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  w work_schedule := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  PERFORM audit_append(coalesce(w.user_fk, 0),
    'work_schedule.' || CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'deleted' END,
    'work_schedule', w.id::text,
    CASE WHEN TG_OP = 'DELETE' THEN work_schedule_json(w) END,
    CASE WHEN TG_OP = 'INSERT' THEN work_schedule_json(w) END);
  RETURN NULL;
END
$$;
CREATE TRIGGER work_schedule_audit AFTER INSERT OR DELETE ON work_schedule
FOR EACH ROW EXECUTE FUNCTION audit_work_schedule();

-- 2. Adjustments: wire shape and audit (in the person's chain).
CREATE FUNCTION time_adjustment_json(a time_adjustment) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', a.id, 'user_fk', a.user_fk, 'date', a.day::text, 'seconds', a.seconds,
    'reason', a.reason, 'created_by', a.created_by, 'created_at', api_time(a.created_at))
$$;

-- Closed payroll stays closed: an adjustment dated before the company lock (read in the company's
-- zone) would change balances already paid out. Weeks do not count adjustments, so a submitted
-- week does not refuse one.
CREATE FUNCTION time_adjustment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reason jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  SELECT jsonb_build_object('locked_before', api_time(s.locked_before)) INTO reason FROM company_settings s
  WHERE NEW.day::timestamp AT TIME ZONE s.default_time_zone < s.locked_before;
  IF reason IS NOT NULL THEN
    RAISE EXCEPTION 'Time before % is locked: payroll is closed.', reason->>'locked_before'
      USING ERRCODE = 'TL409', HINT = 'period_locked', DETAIL = reason::text;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER time_adjustment_guard BEFORE INSERT ON time_adjustment
FOR EACH ROW EXECUTE FUNCTION time_adjustment_guard();

CREATE FUNCTION audit_time_adjustment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(NEW.user_fk, 'time_account.adjusted', 'time_adjustment', NEW.id::text, NULL,
    time_adjustment_json(NEW));
  RETURN NULL;
END
$$;
CREATE TRIGGER time_adjustment_audit AFTER INSERT ON time_adjustment
FOR EACH ROW EXECUTE FUNCTION audit_time_adjustment();

-- 3. person_days (0026), the same rule computed faster: each owner's schedules become spans
--    [effective_from, next effective_from) joined to the dates, instead of correlated subqueries
--    that the planner repeated for every use of the hours (four to six index probes per date; a
--    timesheet list of 50 people × 12 weeks spent most of its time there). Same columns, same values.
CREATE OR REPLACE FUNCTION person_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, scheduled_seconds bigint, work_share numeric, expected_seconds bigint, holiday text)
LANGUAGE sql STABLE AS $$
  WITH who AS (
    SELECT u.id, u.position_fk, u.weekly_hours AS own_weekly, p.weekly_hours AS position_weekly,
           coalesce(u.holiday_calendar_fk, s.holiday_calendar_fk) AS calendar
    FROM app_user u JOIN "position" p ON p.id = u.position_fk CROSS JOIN company_settings s
    WHERE u.id = p_user),
  own AS (
    SELECT w.hours, w.effective_from AS lo, lead(w.effective_from) OVER (ORDER BY w.effective_from) AS hi
    FROM work_schedule w WHERE w.user_fk = p_user AND w.effective_from <= p_to),
  held AS (
    SELECT w.hours, w.effective_from AS lo, lead(w.effective_from) OVER (ORDER BY w.effective_from) AS hi
    FROM work_schedule w JOIN who ON w.position_fk = who.position_fk WHERE w.effective_from <= p_to),
  dated AS (
    SELECT g::date AS day, extract(isodow FROM g)::int AS dow
    FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g),
  planned AS (
    SELECT d.day, h.name AS holiday, h.half_day,
      coalesce(o.hours[d.dow],
        CASE WHEN who.own_weekly IS NULL THEN NULL WHEN d.dow <= 5 THEN who.own_weekly / 5 ELSE 0 END,
        ps.hours[d.dow],
        CASE WHEN d.dow <= 5 THEN who.position_weekly / 5 ELSE 0 END) AS hours
    FROM dated d CROSS JOIN who
    LEFT JOIN own o ON d.day >= o.lo AND (o.hi IS NULL OR d.day < o.hi)
    LEFT JOIN held ps ON d.day >= ps.lo AND (ps.hi IS NULL OR d.day < ps.hi)
    LEFT JOIN holiday h ON h.calendar_fk = who.calendar AND h.day = d.day)
  SELECT x.day, round(x.hours * 3600)::bigint, x.share, round(x.hours * 3600 * x.share)::bigint, x.holiday
  FROM (SELECT planned.*, CASE WHEN hours = 0 THEN 0 WHEN holiday IS NULL THEN 1 WHEN half_day THEN 0.5 ELSE 0 END AS share
        FROM planned) x
  ORDER BY x.day
$$;

-- Expected and credited time per local date: person_days plus the credit of the person's approved
-- absences whose type counts as work (share × scheduled, the share capped by the date's working
-- share, so a full vacation day on a half-day holiday credits its 4 expected hours). Timesheets
-- and the account both sum these rows. An absence is shorter than 366 days (absence_days_length):
-- the bound lets the (user_fk, first_day) index find the range's absences.
CREATE FUNCTION person_expected_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, expected_seconds bigint, credited_seconds bigint)
LANGUAGE sql STABLE AS $$
  SELECT d.day, d.expected_seconds,
         coalesce(round(sum(least(d.work_share, CASE WHEN a.half_day IS NULL THEN 1 ELSE 0.5 END) * d.scheduled_seconds)
                        FILTER (WHERE a.first_day IS NOT NULL)), 0)::bigint
  FROM person_days(p_user, p_from, p_to) d
  LEFT JOIN (
    SELECT a.first_day, a.last_day, a.half_day
    FROM absence a JOIN absence_type ty ON ty.id = a.type_fk
    WHERE a.user_fk = p_user AND a.status = 'approved' AND ty.counts_as_work
      AND a.first_day BETWEEN p_from - 366 AND p_to AND a.last_day >= p_from
  ) a ON d.day BETWEEN a.first_day AND a.last_day
  GROUP BY d.day, d.expected_seconds
  ORDER BY d.day
$$;

-- 4. The account. Its first date: the earlier of the person's registration date and their first log's
-- date, in their zone. Dates before it are not part of the account (nothing expected of them).
CREATE FUNCTION time_account_start(p_user integer) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT least((u.registered_at AT TIME ZONE z.tz)::date,
               (SELECT (min(t.start_time) AT TIME ZONE z.tz)::date FROM timelog t WHERE t.user_fk = u.id))
  FROM app_user u CROSS JOIN LATERAL (SELECT user_time_zone(u.id) AS tz) z
  WHERE u.id = p_user
$$;

-- The account's days, in integer seconds: worked is the person's logs clipped to the local date
-- (a running timer counts to now; 23 or 25 real hours on DST days). Break deductions (§4) wrap
-- `worked` and `balance` here, and only here.
CREATE FUNCTION time_account_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, expected bigint, worked bigint, credited bigint, adjustments bigint, balance bigint)
LANGUAGE sql STABLE AS $$
  WITH z AS (
    SELECT user_time_zone(p_user) AS tz, time_account_start(p_user) AS start,
           p_from::timestamp AT TIME ZONE user_time_zone(p_user) AS lo,
           (p_to + 1)::timestamp AT TIME ZONE user_time_zone(p_user) AS hi),
  logs AS (
    SELECT greatest(t.start_time, z.lo) AS s, least(coalesce(t.end_time, now()), now(), z.hi) AS e, z.tz
    FROM timelog t CROSS JOIN z
    WHERE t.user_fk = p_user AND tstzrange(t.start_time, t.end_time, '[)') && tstzrange(z.lo, z.hi, '[)')),
  -- Each log split at local midnights: one piece per date it touches (usually one).
  pieces AS (
    SELECT g.day, sum(greatest(0, extract(epoch FROM
             least(l.e, (g.day + 1)::timestamp AT TIME ZONE l.tz) - greatest(l.s, g.day::timestamp AT TIME ZONE l.tz)))) AS secs
    FROM logs l
    CROSS JOIN LATERAL (SELECT x::date AS day FROM generate_series((l.s AT TIME ZONE l.tz)::date::timestamp,
                                                                   (l.e AT TIME ZONE l.tz)::date::timestamp, interval '1 day') x) g
    WHERE l.e > l.s
    GROUP BY g.day),
  adjusted AS (
    SELECT a.day, sum(a.seconds)::bigint AS secs FROM time_adjustment a
    WHERE a.user_fk = p_user AND a.day BETWEEN p_from AND p_to GROUP BY a.day),
  counted AS (
    SELECT d.day,
           CASE WHEN d.day < z.start THEN 0 ELSE d.expected_seconds END AS expected,
           coalesce(round(p.secs), 0)::bigint AS worked,
           CASE WHEN d.day < z.start THEN 0 ELSE d.credited_seconds END AS credited,
           coalesce(a.secs, 0) AS adjustments
    FROM person_expected_days(p_user, p_from, p_to) d CROSS JOIN z
    LEFT JOIN pieces p ON p.day = d.day
    LEFT JOIN adjusted a ON a.day = d.day)
  SELECT c.day, c.expected, c.worked, c.credited, c.adjustments, c.worked + c.credited + c.adjustments - c.expected
  FROM counted c ORDER BY c.day
$$;

-- The account over p_from..p_to as the API shows it: the days, their totals, and the balance
-- before p_from (every balance from the account's start, plus every adjustment dated earlier,
-- including ones before the start such as a carried-in opening balance). One pass of
-- time_account_days from the earlier of the start and p_from: the dates before p_from make the
-- opening balance (the function is planned once, not once per part). NULL: no such person.
CREATE FUNCTION time_account_json(p_user integer, p_from date, p_to date) RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH every AS (SELECT * FROM time_account_days(p_user, least(time_account_start(p_user), p_from), p_to)),
  opening AS (
    SELECT coalesce((SELECT sum(e.worked + e.credited - e.expected) FROM every e WHERE e.day < p_from), 0)
         + coalesce((SELECT sum(a.seconds) FROM time_adjustment a WHERE a.user_fk = p_user AND a.day < p_from), 0)
           AS balance),
  totals AS (
    SELECT coalesce(sum(expected), 0) AS expected, coalesce(sum(worked), 0) AS worked,
           coalesce(sum(credited), 0) AS credited, coalesce(sum(adjustments), 0) AS adjustments,
           coalesce(sum(balance), 0) AS balance,
           coalesce(jsonb_agg(jsonb_build_object('date', day::text, 'expected', expected, 'worked', worked,
             'credited', credited, 'adjustments', adjustments, 'balance', balance) ORDER BY day), '[]') AS days
    FROM every WHERE day >= p_from)
  SELECT jsonb_build_object('user_fk', u.id, 'from', p_from::text, 'to', p_to::text, 'days', t.days,
    'totals', jsonb_build_object('expected', t.expected::bigint, 'worked', t.worked::bigint,
      'credited', t.credited::bigint, 'adjustments', t.adjustments::bigint, 'balance', t.balance::bigint),
    'opening_balance', o.balance::bigint, 'closing_balance', (o.balance + t.balance)::bigint)
  FROM app_user u CROSS JOIN totals t CROSS JOIN opening o
  WHERE u.id = p_user
$$;

-- 5. A timesheet's expected time is its dates' expected time (schedules, holidays), its credit the
--    dates' credit, and its balance worked − expected + credited. Adjustments stay in the account:
--    they are payroll's bookkeeping (an opening balance, a payout), not the week a manager approves,
--    and would otherwise change an approved week after the fact.
CREATE OR REPLACE FUNCTION timesheet_json(p_user integer, p_monday date) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('user_fk', u.id, 'week', iso_week(p_monday),
    'from', api_time(lower(sp.span)), 'to', api_time(upper(sp.span)), 'status', coalesce(s.status, 'open'),
    'worked_seconds', x.worked, 'expected_seconds', e.expected, 'credited_seconds', e.credited,
    'balance_seconds', x.worked - e.expected + e.credited,
    'submitted_seconds', s.submitted_seconds, 'acted_by', s.acted_by, 'acted_at', api_time(s.acted_at),
    'comment', s.comment)
  FROM app_user u
  LEFT JOIN timesheet s ON s.user_fk = u.id AND s.week = p_monday
  CROSS JOIN LATERAL (SELECT timesheet_span(u.id, p_monday) AS span) sp
  CROSS JOIN LATERAL (SELECT timesheet_worked(u.id, sp.span) AS worked) x
  CROSS JOIN LATERAL (SELECT coalesce(sum(d.expected_seconds), 0)::bigint AS expected,
                             coalesce(sum(d.credited_seconds), 0)::bigint AS credited
                      FROM person_expected_days(u.id, p_monday, p_monday + 6) d) e
  WHERE u.id = p_user
$$;
