-- Responses built by the database: a write's result query returns the API's JSON body, so an
-- Idempotency-Key replay returns exactly the stored response (status and body) and the worker
-- maps nothing. Times are RFC 3339 in UTC with milliseconds, as JavaScript's toISOString() writes them.
CREATE FUNCTION api_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION timelog_json(t timelog) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', t.id, 'user_fk', t.user_fk, 'project_fk', t.project_fk,
    'start_time', api_time(t.start_time), 'end_time', api_time(t.end_time), 'note', t.note,
    'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at))
$$;

CREATE FUNCTION project_json(p project) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'secret_name', p.secret_name, 'started_at', api_time(p.started_at),
    'description', p.description, 'is_archived', p.is_archived)
$$;

-- Stored responses were result rows before; now they are {status, body}. A retry that arrives
-- across this deploy runs again (its rows could not be turned into a response here), and the
-- invariants still refuse a double clock-in.
DELETE FROM idempotency_key WHERE jsonb_typeof(response) = 'array';
