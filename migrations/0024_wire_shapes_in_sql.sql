-- Every resource's JSON is built by one SQL function, used by reads, writes, idempotent replays,
-- sync and webhooks alike (the TypeScript copies of these shapes are gone). The functions that
-- already existed (timelog_json, client_json, tag_json, task_json, rate_json, webhook_endpoint_json,
-- timesheet_json) stay; these add the resources whose reads were still shaped in TypeScript.

-- A person as the API shows them.
CREATE FUNCTION user_json(u app_user) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', u.id, 'email', u.email, 'username', u.username, 'position_fk', u.position_fk,
    'is_active', u.is_active, 'is_superuser', u.is_superuser, 'is_verified', u.is_verified,
    'registered_at', api_time(u.registered_at), 'time_zone', u.time_zone,
    'weekly_hours', u.weekly_hours::float8)
$$;

-- A position; its salary only when the viewer may see it (superusers) and it is set.
CREATE FUNCTION position_json(p "position", p_salary boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'title', p.title, 'description', p.description,
    'open_for_registration', p.open_for_registration, 'weekly_hours', p.weekly_hours::float8)
    || CASE WHEN p_salary AND p.salary IS NOT NULL THEN jsonb_build_object('salary', p.salary) ELSE '{}' END
$$;

-- The company's settings (one row).
CREATE FUNCTION company_settings_json(s company_settings) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'timelog_earliest', api_time(s.timelog_earliest), 'timelog_max_seconds', s.timelog_max_seconds,
    'default_time_zone', s.default_time_zone, 'locked_before', api_time(s.locked_before), 'currency', s.currency)
$$;

-- A project; its money budget only for viewers who may see money (superusers). The one-argument
-- form (writes, which only superusers make) shows it.
CREATE FUNCTION project_json(p project, p_money boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'secret_name', p.secret_name, 'started_at', api_time(p.started_at),
    'description', p.description, 'is_archived', p.is_archived, 'client_fk', p.client_fk, 'billable', p.billable,
    'budget_hours', p.budget_hours::float8, 'budget_amount', CASE WHEN p_money THEN p.budget_amount END,
    'budget_period', p.budget_period)
$$;
CREATE OR REPLACE FUNCTION project_json(p project) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT project_json(p, true)
$$;

-- user.created / user.deactivated carry the person as the API shows them (a superset of before).
CREATE OR REPLACE FUNCTION webhook_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(CASE TG_OP WHEN 'INSERT' THEN 'user.created' ELSE 'user.deactivated' END, user_json(NEW));
  RETURN NULL;
END
$$;
