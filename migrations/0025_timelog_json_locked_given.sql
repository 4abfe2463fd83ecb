-- A list of time logs computes their lock state set-based (the company lock read once, one index
-- probe per row) and hands it to the builder: timelog_json(t) per row called timelog_locked(),
-- whose nested SQL functions cost a page of 50 about 0.6 ms of the database's time. The shape is
-- still built in one place: the one-argument form (writes, triggers, webhooks) delegates.
CREATE FUNCTION timelog_json(t timelog, p_locked boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', t.id, 'user_fk', t.user_fk, 'project_fk', t.project_fk, 'task_fk', t.task_fk,
    'start_time', api_time(t.start_time), 'end_time', api_time(t.end_time), 'note', t.note,
    'tags', to_jsonb(t.tag_ids), 'billable', t.billable,
    'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at), 'locked', p_locked)
$$;

CREATE OR REPLACE FUNCTION timelog_json(t timelog) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT timelog_json(t, timelog_locked(t))
$$;
