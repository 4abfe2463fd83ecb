-- Issue 22 §4: the company's break and working-time rules, and work_days(): a person's worked
-- time, breaks, required break and automatic deduction per local date — the one rule the
-- compliance report and the time account count breaks with.

-- Break rules as JSON: [{after_hours, minutes}], at most 10, thresholds unique. plpgsql so each
-- test runs only after the ones before it passed (a cast of a string would otherwise be an error,
-- not a refusal); IMMUTABLE so a CHECK may call it.
CREATE FUNCTION break_rules_valid(r jsonb) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  e jsonb;
  seen numeric[] := '{}';
  h numeric;
  m numeric;
BEGIN
  IF jsonb_typeof(r) <> 'array' OR jsonb_array_length(r) > 10 THEN
    RETURN false;
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(r) x LOOP
    IF jsonb_typeof(e) <> 'object' OR (SELECT count(*) FROM jsonb_object_keys(e)) <> 2
       OR jsonb_typeof(e -> 'after_hours') IS DISTINCT FROM 'number'
       OR jsonb_typeof(e -> 'minutes') IS DISTINCT FROM 'number' THEN
      RETURN false;
    END IF;
    h := (e ->> 'after_hours')::numeric;
    m := (e ->> 'minutes')::numeric;
    IF NOT (h > 0 AND h <= 24 AND m BETWEEN 1 AND 240 AND m = trunc(m)) OR h = ANY (seen) THEN
      RETURN false;
    END IF;
    seen := seen || h;
  END LOOP;
  RETURN true;
END
$$;

ALTER TABLE company_settings
  ADD COLUMN break_rules jsonb NOT NULL DEFAULT '[]'
    CONSTRAINT company_settings_break_rules CHECK (break_rules_valid(break_rules)),
  ADD COLUMN max_daily_hours numeric
    CONSTRAINT company_settings_max_daily_hours CHECK (max_daily_hours > 0 AND max_daily_hours <= 24),
  ADD COLUMN min_rest_hours numeric
    CONSTRAINT company_settings_min_rest_hours CHECK (min_rest_hours > 0 AND min_rest_hours <= 24),
  ADD COLUMN break_deduction text NOT NULL DEFAULT 'none'
    CONSTRAINT company_settings_break_deduction CHECK (break_deduction IN ('none', 'automatic'));

-- The settings as the API shows them: every field so far (this is the latest definition; 0028's
-- holiday_calendar_fk included), break rules in threshold order.
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
    'break_deduction', s.break_deduction)
$$;

-- A person's work per local date from p_from to p_to (every date, also those without work), in
-- their zone: their logs clipped to the date (a running log up to now(); a log across midnight is
-- split there), the breaks between consecutive pieces, the break the rules require and, with
-- automatic deduction, the missing part of it.
--   required: the longest break of the rules whose after_hours the worked time strictly exceeds
--     (6 h 00 m 00 s needs none, 6 h 00 m 01 s does; granularity: whole seconds).
--   deducted: for each exceeded rule, least(its minutes − taken, worked − its threshold), at least
--     0; the largest of these. So the deduction never takes worked below a rule's threshold, and
--     with 6 h → 30 and 9 h → 45, 9 h 10 m without a break loses 30 minutes (by the 6-hour rule),
--     not only the 10 minutes the 9-hour rule could take.
CREATE FUNCTION work_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, worked_seconds bigint, break_seconds bigint, required_break_seconds bigint,
               deducted_seconds bigint, first_start timestamptz, last_end timestamptz)
LANGUAGE sql STABLE AS $$
  -- MATERIALIZED: the zone is looked up once, not in every AT TIME ZONE below.
  WITH zone AS MATERIALIZED (SELECT user_time_zone(p_user) AS tz),
  days AS (SELECT g::date AS day FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g),
  -- Each log in range, cut into the local dates it touches (a log per date, not every log
  -- against every date: a year of a person's logs is linear, not 365 × logs).
  pieces AS (
    SELECT d.day, greatest(t.start_time, d.lo) AS s, least(coalesce(t.end_time, now()), d.hi) AS e
    FROM zone
    JOIN timelog t ON t.user_fk = p_user AND tstzrange(t.start_time, t.end_time, '[)')
      && tstzrange(p_from::timestamp AT TIME ZONE zone.tz, (p_to + 1)::timestamp AT TIME ZONE zone.tz, '[)')
    CROSS JOIN LATERAL (
      SELECT g::date AS day, g AT TIME ZONE zone.tz AS lo, (g + interval '1 day') AT TIME ZONE zone.tz AS hi
      FROM generate_series(greatest((t.start_time AT TIME ZONE zone.tz)::date, p_from)::timestamp,
                           least((coalesce(t.end_time, now()) AT TIME ZONE zone.tz)::date, p_to)::timestamp,
                           interval '1 day') g) d),
  gaps AS (
    SELECT p.day, p.s, p.e, p.s - lag(p.e) OVER (PARTITION BY p.day ORDER BY p.s) AS gap
    FROM pieces p WHERE p.e > p.s),
  per_day AS (
    SELECT g.day, round(sum(extract(epoch FROM g.e - g.s)))::bigint AS worked,
           coalesce(round(sum(extract(epoch FROM g.gap))), 0)::bigint AS taken, min(g.s) AS first_start, max(g.e) AS last_end
    FROM gaps g GROUP BY g.day),
  -- MATERIALIZED: the rules are read once, not for every date.
  rules AS MATERIALIZED (
    SELECT (e ->> 'after_hours')::numeric * 3600 AS after_s, (e ->> 'minutes')::int * 60 AS break_s,
           s.break_deduction = 'automatic' AS deduct
    FROM company_settings s CROSS JOIN jsonb_array_elements(s.break_rules) e)
  SELECT d.day, coalesce(w.worked, 0), coalesce(w.taken, 0), coalesce(b.required, 0), coalesce(b.deducted, 0),
         w.first_start, w.last_end
  FROM days d
  LEFT JOIN per_day w ON w.day = d.day
  LEFT JOIN LATERAL (
    SELECT max(r.break_s)::bigint AS required,
           max(CASE WHEN r.deduct THEN greatest(0, floor(least(r.break_s - w.taken, w.worked - r.after_s))) ELSE 0 END)::bigint
             AS deducted
    FROM rules r WHERE w.worked > r.after_s) b ON true
  ORDER BY d.day
$$;
