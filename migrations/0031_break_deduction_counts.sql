-- With break_deduction = 'automatic' (migration 0030), the missing part of a required break is taken
-- off worked time wherever a balance is counted: the working-time account and the timesheets. Both
-- read it from work_days(), the rule the compliance report shows, so the three cannot disagree.

-- 1. The account's days: worked is work_days()' time less its deduction (shown as break_deducted).
DROP FUNCTION time_account_days(integer, date, date);
CREATE FUNCTION time_account_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, expected bigint, worked bigint, break_deducted bigint, credited bigint, adjustments bigint,
               balance bigint)
LANGUAGE sql STABLE AS $$
  WITH start AS (SELECT time_account_start(p_user) AS day),
  adjusted AS (
    SELECT a.day, sum(a.seconds)::bigint AS secs FROM time_adjustment a
    WHERE a.user_fk = p_user AND a.day BETWEEN p_from AND p_to GROUP BY a.day),
  counted AS (
    SELECT d.day,
           CASE WHEN d.day < s.day THEN 0 ELSE d.expected_seconds END AS expected,
           w.worked_seconds - w.deducted_seconds AS worked, w.deducted_seconds AS break_deducted,
           CASE WHEN d.day < s.day THEN 0 ELSE d.credited_seconds END AS credited,
           coalesce(a.secs, 0) AS adjustments
    FROM person_expected_days(p_user, p_from, p_to) d CROSS JOIN start s
    JOIN work_days(p_user, p_from, p_to) w ON w.day = d.day
    LEFT JOIN adjusted a ON a.day = d.day)
  SELECT c.day, c.expected, c.worked, c.break_deducted, c.credited, c.adjustments,
         c.worked + c.credited + c.adjustments - c.expected
  FROM counted c ORDER BY c.day
$$;

CREATE OR REPLACE FUNCTION time_account_json(p_user integer, p_from date, p_to date) RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH every AS (SELECT * FROM time_account_days(p_user, least(time_account_start(p_user), p_from), p_to)),
  opening AS (
    SELECT coalesce((SELECT sum(e.worked + e.credited - e.expected) FROM every e WHERE e.day < p_from), 0)
         + coalesce((SELECT sum(a.seconds) FROM time_adjustment a WHERE a.user_fk = p_user AND a.day < p_from), 0)
           AS balance),
  totals AS (
    SELECT coalesce(sum(expected), 0) AS expected, coalesce(sum(worked), 0) AS worked,
           coalesce(sum(break_deducted), 0) AS break_deducted,
           coalesce(sum(credited), 0) AS credited, coalesce(sum(adjustments), 0) AS adjustments,
           coalesce(sum(balance), 0) AS balance,
           coalesce(jsonb_agg(jsonb_build_object('date', day::text, 'expected', expected, 'worked', worked,
             'break_deducted', break_deducted, 'credited', credited, 'adjustments', adjustments, 'balance', balance)
             ORDER BY day), '[]') AS days
    FROM every WHERE day >= p_from)
  SELECT jsonb_build_object('user_fk', u.id, 'from', p_from::text, 'to', p_to::text, 'days', t.days,
    'totals', jsonb_build_object('expected', t.expected::bigint, 'worked', t.worked::bigint,
      'break_deducted', t.break_deducted::bigint,
      'credited', t.credited::bigint, 'adjustments', t.adjustments::bigint, 'balance', t.balance::bigint),
    'opening_balance', o.balance::bigint, 'closing_balance', (o.balance + t.balance)::bigint)
  FROM app_user u CROSS JOIN totals t CROSS JOIN opening o
  WHERE u.id = p_user
$$;

-- 2. A week's deduction: the sum over its local dates; 0 (and work_days() not run) unless automatic.
CREATE FUNCTION week_break_deducted(p_user integer, p_monday date) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN (SELECT break_deduction FROM company_settings) = 'automatic'
              THEN (SELECT coalesce(sum(w.deducted_seconds), 0) FROM work_days(p_user, p_monday, p_monday + 6) w)
              ELSE 0 END::bigint
$$;

-- Worked time stays what was logged (submitted_seconds records it); the balance is after the deduction.
CREATE OR REPLACE FUNCTION timesheet_json(p_user integer, p_monday date) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('user_fk', u.id, 'week', iso_week(p_monday),
    'from', api_time(lower(sp.span)), 'to', api_time(upper(sp.span)), 'status', coalesce(s.status, 'open'),
    'worked_seconds', x.worked, 'break_deducted_seconds', x.deducted,
    'expected_seconds', e.expected, 'credited_seconds', e.credited,
    'balance_seconds', x.worked - x.deducted - e.expected + e.credited,
    'submitted_seconds', s.submitted_seconds, 'acted_by', s.acted_by, 'acted_at', api_time(s.acted_at),
    'comment', s.comment)
  FROM app_user u
  LEFT JOIN timesheet s ON s.user_fk = u.id AND s.week = p_monday
  CROSS JOIN LATERAL (SELECT timesheet_span(u.id, p_monday) AS span) sp
  CROSS JOIN LATERAL (SELECT timesheet_worked(u.id, sp.span) AS worked,
                             week_break_deducted(u.id, p_monday) AS deducted) x
  CROSS JOIN LATERAL (SELECT coalesce(sum(d.expected_seconds), 0)::bigint AS expected,
                             coalesce(sum(d.credited_seconds), 0)::bigint AS credited
                      FROM person_expected_days(u.id, p_monday, p_monday + 6) d) e
  WHERE u.id = p_user
$$;
