-- Project budgets: time and/or money, for the project's whole life or per calendar month (in the
-- company's zone). Used time counts every log of the project, running timers up to now(); used money
-- is its billable amount at the rates in effect (money_for, half to even per log).
ALTER TABLE project
  ADD COLUMN budget_hours numeric(10, 2) CONSTRAINT project_budget_hours CHECK (budget_hours > 0),
  ADD COLUMN budget_amount bigint CONSTRAINT project_budget_amount CHECK (budget_amount BETWEEN 1 AND 1000000000000000),
  ADD COLUMN budget_period text NOT NULL DEFAULT 'total' CONSTRAINT project_budget_period CHECK (budget_period IN ('total', 'month'));

-- The billable rate of a log (the twin of the reports' inline lookup in src/reports/queries.ts, kept
-- inline there for the cost of a function call per log): the (project, user) override, else the
-- project's, latest in effect on the day the log starts in the company's zone.
CREATE FUNCTION billable_rate(p_project integer, p_user integer, p_start timestamptz) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT x.amount FROM rate x
  WHERE x.kind = 'billable' AND x.project_fk = p_project AND (x.user_fk = p_user OR x.user_fk IS NULL)
    AND x.effective_from <= (p_start AT TIME ZONE (SELECT default_time_zone FROM company_settings))::date
  ORDER BY x.user_fk IS NULL, x.effective_from DESC LIMIT 1
$$;

-- Used, remaining, percentage and exceeded, for the current period; money only when asked for.
CREATE FUNCTION project_budget_json(p project, p_money boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH cs AS (SELECT default_time_zone AS tz, currency FROM company_settings),
  span AS (
    SELECT CASE WHEN p.budget_period = 'month' THEN date_trunc('month', now() AT TIME ZONE cs.tz) AT TIME ZONE cs.tz
                ELSE '-infinity'::timestamptz END AS lo,
           CASE WHEN p.budget_period = 'month'
                THEN (date_trunc('month', now() AT TIME ZONE cs.tz) + interval '1 month') AT TIME ZONE cs.tz
                ELSE 'infinity'::timestamptz END AS hi
    FROM cs
  ), pieces AS (
    SELECT greatest(t.start_time, s.lo) AS ps, least(coalesce(t.end_time, now()), s.hi) AS pe,
           coalesce(t.billable, p.billable) AS billable, t.user_fk, t.start_time
    FROM timelog t CROSS JOIN span s
    WHERE t.project_fk = p.id AND tstzrange(t.start_time, t.end_time, '[)') && tstzrange(s.lo, s.hi, '[)')
  ), used AS (
    SELECT coalesce(round(extract(epoch FROM sum(pe - ps)), 3), 0) AS seconds,
           CASE WHEN p_money THEN coalesce(sum(money_for(billable_rate(p.id, user_fk, start_time),
                                                         extract(epoch FROM pe - ps) * 1000)) FILTER (WHERE billable), 0)
           END AS amount
    FROM pieces WHERE pe > ps
  )
  SELECT jsonb_build_object(
    'project_fk', p.id, 'period', p.budget_period,
    'from', CASE WHEN p.budget_period = 'month' THEN api_time(s.lo) END,
    'to', CASE WHEN p.budget_period = 'month' THEN api_time(s.hi) END,
    'hours', CASE WHEN p.budget_hours IS NOT NULL THEN jsonb_build_object(
      'budget', p.budget_hours, 'used', round(u.seconds / 3600, 2), 'remaining', round(p.budget_hours - u.seconds / 3600, 2),
      'percentage', round(100 * u.seconds / 3600 / p.budget_hours, 1), 'exceeded', u.seconds / 3600 > p.budget_hours) END,
    'amount', CASE WHEN p.budget_amount IS NOT NULL AND p_money THEN jsonb_build_object(
      'budget', p.budget_amount, 'used', u.amount, 'remaining', p.budget_amount - u.amount, 'currency', cs.currency,
      'percentage', round(100.0 * u.amount / p.budget_amount, 1), 'exceeded', u.amount > p.budget_amount) END,
    'exceeded', coalesce(u.seconds / 3600 > p.budget_hours, false) OR coalesce(p_money AND u.amount > p.budget_amount, false))
  FROM used u CROSS JOIN span s CROSS JOIN cs
$$;

CREATE OR REPLACE FUNCTION project_json(p project) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'secret_name', p.secret_name, 'started_at', api_time(p.started_at),
    'description', p.description, 'is_archived', p.is_archived, 'client_fk', p.client_fk, 'billable', p.billable,
    'budget_hours', p.budget_hours::float8, 'budget_amount', p.budget_amount, 'budget_period', p.budget_period)
$$;
