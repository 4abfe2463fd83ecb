-- Writes made offline (issue 24 §2): a client-generated client_id that makes a create idempotent
-- without a header (a queue survives an app reinstall), a batch of creates, updates and deletes
-- in one round trip whose operations succeed or fail on their own, and clock-in/out at the
-- device's time within the company's offline window, recorded as source 'offline'.

ALTER TABLE timelog ADD COLUMN client_id uuid;
ALTER TABLE timelog ADD COLUMN source text NOT NULL DEFAULT 'online';
ALTER TABLE timelog ADD CONSTRAINT timelog_source_known CHECK (source IN ('online', 'offline'));
-- Unique per person: two devices of one person share a queue's ids, two people never collide.
CREATE UNIQUE INDEX timelog_client_id ON timelog (user_fk, client_id) WHERE client_id IS NOT NULL;

-- A replay of a create whose log was deleted since must not bring it back: the tombstone keeps
-- the client_id so the create answers 410 gone.
ALTER TABLE timelog_tombstone ADD COLUMN client_id uuid;
CREATE INDEX timelog_tombstone_client_id ON timelog_tombstone (user_fk, client_id) WHERE client_id IS NOT NULL;

CREATE OR REPLACE FUNCTION timelog_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO timelog_tombstone (id, user_fk, client_id) VALUES (OLD.id, OLD.user_fk, OLD.client_id);
  RETURN OLD;
END
$$;

ALTER TABLE company_settings ADD COLUMN offline_window_hours integer NOT NULL DEFAULT 24;
ALTER TABLE company_settings ADD CONSTRAINT company_settings_offline_window_range
  CHECK (offline_window_hours BETWEEN 0 AND 168);

CREATE OR REPLACE FUNCTION timelog_json(t timelog, p_locked boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', t.id, 'user_fk', t.user_fk, 'project_fk', t.project_fk, 'task_fk', t.task_fk,
    'start_time', api_time(t.start_time), 'end_time', api_time(t.end_time), 'note', t.note,
    'tags', to_jsonb(t.tag_ids), 'billable', t.billable,
    'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at), 'locked', p_locked,
    'client_id', t.client_id, 'source', t.source)
$$;

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
    'reminder_submit_time', to_char(s.reminder_submit_time, 'HH24:MI'),
    'offline_window_hours', s.offline_window_hours)
$$;

-- A device's clock accepted for a clock-in or clock-out: within the company's offline window in
-- the past and no further ahead than the clock skew every write allows. Against the database's
-- now(), so no worker clock decides it.
CREATE FUNCTION timelog_offline_at(p_at timestamptz) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
  hours integer := (SELECT offline_window_hours FROM company_settings);
BEGIN
  IF p_at > now() + timelog_clock_skew() THEN
    RAISE EXCEPTION 'at is more than 2 minutes ahead of the server''s clock (%).', api_time(now())
      USING ERRCODE = 'TL422', HINT = 'at_in_future',
            DETAIL = json_build_object('server_time', api_time(now()), 'max_ahead_seconds', 120)::text;
  END IF;
  IF p_at < now() - make_interval(hours => coalesce(hours, 24)) THEN
    RAISE EXCEPTION 'at is older than the company''s offline window of % hours.', coalesce(hours, 24)
      USING ERRCODE = 'TL422', HINT = 'at_too_old',
            DETAIL = json_build_object('server_time', api_time(now()), 'offline_window_hours', coalesce(hours, 24))::text;
  END IF;
  RETURN p_at;
END
$$;

CREATE FUNCTION timelog_tag_array(p jsonb) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((SELECT array_agg(e::int) FROM jsonb_array_elements_text(p) e), '{}')
$$;

-- The one create of POST /timelog and the batch: {status, body}, 201 for a new log, 200 for the
-- log this person already created with the same client_id (unchanged, whatever else was sent).
-- p holds the validated ClockIn fields (project_fk, note, start_time, end_time or at, task_fk,
-- tags, billable, client_id).
CREATE FUNCTION timelog_create(p_user integer, p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  cid uuid := (p ->> 'client_id')::uuid;
  t timelog;
  gone timelog_tombstone;
BEGIN
  IF cid IS NOT NULL THEN
    -- The person's write lock, in the lock guard's order: a replay racing its original waits
    -- for it, then (a new snapshot per statement) finds its log instead of an overlap.
    PERFORM pg_advisory_xact_lock_shared(7012, 0);
    PERFORM pg_advisory_xact_lock(7011, p_user);
    SELECT * INTO t FROM timelog WHERE user_fk = p_user AND client_id = cid;
    IF FOUND THEN
      RETURN jsonb_build_object('status', 200, 'body', timelog_json(t));
    END IF;
    SELECT * INTO gone FROM timelog_tombstone WHERE user_fk = p_user AND client_id = cid LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'The time log created with this client_id was deleted.'
        USING ERRCODE = 'TL410', HINT = 'gone',
              DETAIL = json_build_object('id', gone.id, 'deleted_at', api_time(gone.deleted_at))::text;
    END IF;
  END IF;
  INSERT INTO timelog (user_fk, project_fk, note, start_time, end_time, task_fk, tag_ids, billable, client_id, source)
  VALUES (p_user, (p ->> 'project_fk')::int, p ->> 'note',
          CASE WHEN p ? 'at' THEN timelog_offline_at((p ->> 'at')::timestamptz)
               ELSE coalesce((p ->> 'start_time')::timestamptz, now()) END,
          (p ->> 'end_time')::timestamptz, (p ->> 'task_fk')::int, timelog_tag_array(p -> 'tags'),
          (p ->> 'billable')::boolean, cid, CASE WHEN p ? 'at' THEN 'offline' ELSE 'online' END)
  RETURNING * INTO t;
  RETURN jsonb_build_object('status', 201, 'body', timelog_json(t));
END
$$;

-- One operation of POST /timelog/batch: {status, body}, or an exception the batch catches.
-- Updates and deletes by id reach what PATCH and DELETE /timelog/{id} reach (yours, people you
-- manage, anyone for a superuser); by client_id, your own logs. Triggers do the rest.
CREATE FUNCTION timelog_batch_op(p_actor integer, op jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  t timelog;
  gone timelog_tombstone;
BEGIN
  IF op ->> 'op' = 'create' THEN
    RETURN timelog_create(p_actor, op - 'op');
  END IF;
  IF op ? 'id' THEN
    SELECT * INTO t FROM timelog WHERE id = (op ->> 'id')::int AND may_act_for(p_actor, user_fk) FOR UPDATE;
  ELSE
    SELECT * INTO t FROM timelog WHERE user_fk = p_actor AND client_id = (op ->> 'client_id')::uuid FOR UPDATE;
  END IF;
  IF NOT FOUND THEN
    SELECT * INTO gone FROM timelog_tombstone d
    WHERE CASE WHEN op ? 'id' THEN d.id = (op ->> 'id')::int AND may_act_for(p_actor, d.user_fk)
               ELSE d.user_fk = p_actor AND d.client_id = (op ->> 'client_id')::uuid END
    LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'This time log was deleted.' USING ERRCODE = 'TL410', HINT = 'gone',
        DETAIL = json_build_object('id', gone.id, 'deleted_at', api_time(gone.deleted_at))::text;
    END IF;
    RAISE EXCEPTION 'No such time log.' USING ERRCODE = 'TL404', HINT = 'not_found';
  END IF;
  IF op ? 'if_match' AND api_etag(timelog_json(t)) IS DISTINCT FROM op ->> 'if_match' THEN
    RAISE EXCEPTION 'The time log changed since the version you sent (if_match).'
      USING ERRCODE = 'TL409', HINT = 'version_conflict',
            DETAIL = jsonb_build_object('current', timelog_json(t), 'etag', api_etag(timelog_json(t)))::text;
  END IF;
  IF op ->> 'op' = 'delete' THEN
    DELETE FROM timelog WHERE id = t.id;
    RETURN jsonb_build_object('status', 204, 'body', NULL);
  END IF;
  UPDATE timelog SET
    project_fk = CASE WHEN op ? 'project_fk' THEN (op ->> 'project_fk')::int ELSE project_fk END,
    start_time = CASE WHEN op ? 'start_time' THEN (op ->> 'start_time')::timestamptz ELSE start_time END,
    end_time = CASE WHEN op ? 'end_time' THEN (op ->> 'end_time')::timestamptz ELSE end_time END,
    note = CASE WHEN op ? 'note' THEN op ->> 'note' ELSE note END,
    task_fk = CASE WHEN op ? 'task_fk' THEN (op ->> 'task_fk')::int ELSE task_fk END,
    tag_ids = CASE WHEN op ? 'tags' THEN timelog_tag_array(op -> 'tags') ELSE tag_ids END,
    billable = CASE WHEN op ? 'billable' THEN (op ->> 'billable')::boolean ELSE billable END
  WHERE id = t.id
  RETURNING * INTO t;
  RETURN jsonb_build_object('status', 200, 'body', timelog_json(t));
END
$$;

-- The whole batch, one statement: each operation in its own sub-block (a savepoint), so a refused
-- one is rolled back alone and answered as {error: {code, constraint, message, detail, hint}} for
-- the worker to turn into the same problem the single routes give. Only refusals are caught
-- (our TL codes, constraint and data errors); anything else aborts the batch as it would a route.
CREATE FUNCTION timelog_batch(p_actor integer, p_ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  op jsonb;
  answer jsonb;
  answers jsonb := '[]';
  e_code text;
  e_constraint text;
  e_message text;
  e_detail text;
  e_hint text;
BEGIN
  FOR op IN SELECT value FROM jsonb_array_elements(p_ops) WITH ORDINALITY ORDER BY ordinality LOOP
    BEGIN
      answer := timelog_batch_op(p_actor, op);
    EXCEPTION WHEN SQLSTATE 'TL000' OR integrity_constraint_violation OR data_exception THEN
      GET STACKED DIAGNOSTICS e_code = RETURNED_SQLSTATE, e_constraint = CONSTRAINT_NAME,
        e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
      answer := jsonb_build_object('error', jsonb_build_object('code', e_code, 'constraint', nullif(e_constraint, ''),
        'message', e_message, 'detail', nullif(e_detail, ''), 'hint', nullif(e_hint, '')));
    END;
    answers := answers || jsonb_build_array(answer);
  END LOOP;
  RETURN answers;
END
$$;
