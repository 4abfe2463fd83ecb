-- Webhooks. Superusers register endpoints; triggers write each event to an outbox in the same
-- transaction as the change that caused it (so an event exists if and only if the change committed),
-- with one delivery per subscribed endpoint. The worker delivers them afterwards: right after the
-- response and from a Cron Trigger, in order per endpoint, retrying with backoff.
CREATE FUNCTION webhook_event_types() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['timelog.created', 'timelog.updated', 'timelog.deleted', 'timer.started', 'timer.stopped',
    'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
    'user.created', 'user.deactivated']
$$;

CREATE TABLE webhook_endpoint (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url text NOT NULL CONSTRAINT webhook_url_length CHECK (char_length(url) BETWEEN 1 AND 2000),
  events text[] NOT NULL CONSTRAINT webhook_events CHECK (
    cardinality(events) BETWEEN 1 AND 20 AND events <@ webhook_event_types()),
  description text NOT NULL DEFAULT '' CONSTRAINT webhook_description_length CHECK (char_length(description) <= 500),
  -- failing: deliveries were given up (the worker sets it; the next success clears it).
  status text NOT NULL DEFAULT 'active' CONSTRAINT webhook_status CHECK (status IN ('active', 'paused', 'failing')),
  -- The signing secret must be kept readable to sign with (unlike API tokens, which are hashes).
  -- After a rotation the previous secret also signs, for a day, so receivers can switch over.
  secret text NOT NULL CONSTRAINT webhook_secret_format CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{43}=$'),
  previous_secret text,
  previous_secret_until timestamptz(3),
  -- One dispatcher at a time per endpoint (a lease, not a lock held over HTTP): delivery in order.
  lease_until timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- An endpoint as the API shows it: never its secrets.
CREATE FUNCTION webhook_endpoint_json(e webhook_endpoint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', e.id, 'url', e.url, 'events', to_jsonb(e.events),
    'description', e.description, 'status', e.status,
    'previous_secret_expires_at', CASE WHEN e.previous_secret_until > now() THEN api_time(e.previous_secret_until) END,
    'created_at', api_time(e.created_at), 'updated_at', api_time(e.updated_at))
$$;

-- At most 50 endpoints: every event fans out to each, inside the write that causes it.
CREATE FUNCTION webhook_endpoint_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7013);
  IF (SELECT count(*) FROM webhook_endpoint) >= 50 THEN
    RAISE EXCEPTION 'There are already 50 webhook endpoints.' USING ERRCODE = 'TL422', HINT = 'limit_reached';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER webhook_endpoint_limit BEFORE INSERT ON webhook_endpoint
FOR EACH ROW EXECUTE FUNCTION webhook_endpoint_limit();

CREATE TABLE webhook_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX webhook_event_created ON webhook_event (created_at);

CREATE TABLE webhook_delivery (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_fk integer NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
  event_fk bigint NOT NULL REFERENCES webhook_event (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_delivery_status CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
  -- Retries stop 24 hours after this (the event, or the last redelivery by hand).
  retry_since timestamptz(3) NOT NULL DEFAULT now(),
  last_attempt_at timestamptz(3),
  last_status_code integer,
  last_error text,
  delivered_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT webhook_delivery_once UNIQUE (endpoint_fk, event_fk)
);
CREATE INDEX webhook_delivery_queue ON webhook_delivery (endpoint_fk, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_by_event ON webhook_delivery (event_fk);

-- The outbox: an event and its deliveries, only when an endpoint listens (no cost otherwise). It
-- tells the transaction, so the worker knows to deliver right after the response.
CREATE FUNCTION webhook_enqueue(p_type text, p_data jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ev bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint WHERE p_type = ANY (events)) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_event (type, data) VALUES (p_type, p_data) RETURNING id INTO ev;
  INSERT INTO webhook_delivery (endpoint_fk, event_fk)
  SELECT id, ev FROM webhook_endpoint WHERE p_type = ANY (events) ORDER BY id;
  PERFORM set_config('timelog.webhooks', 'queued', true);
END
$$;

CREATE FUNCTION webhook_timelog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM webhook_enqueue('timelog.deleted', timelog_json(OLD) - 'locked');
    RETURN NULL;
  END IF;
  PERFORM webhook_enqueue(CASE TG_OP WHEN 'INSERT' THEN 'timelog.created' ELSE 'timelog.updated' END,
    timelog_json(NEW) - 'locked');
  IF NEW.end_time IS NULL AND (TG_OP = 'INSERT' OR OLD.end_time IS NOT NULL) THEN
    PERFORM webhook_enqueue('timer.started', timelog_json(NEW) - 'locked');
  ELSIF TG_OP = 'UPDATE' AND OLD.end_time IS NULL AND NEW.end_time IS NOT NULL THEN
    PERFORM webhook_enqueue('timer.stopped', timelog_json(NEW) - 'locked');
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER timelog_webhook AFTER INSERT OR UPDATE OR DELETE ON timelog
FOR EACH ROW EXECUTE FUNCTION webhook_timelog();

CREATE FUNCTION webhook_timesheet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue('timesheet.' || CASE NEW.status WHEN 'open' THEN 'reopened' ELSE NEW.status END,
    jsonb_build_object('user_fk', NEW.user_fk) || timesheet_audit_json(NEW));
  RETURN NULL;
END
$$;
CREATE TRIGGER timesheet_webhook AFTER INSERT OR UPDATE ON timesheet
FOR EACH ROW EXECUTE FUNCTION webhook_timesheet();

CREATE FUNCTION webhook_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(CASE TG_OP WHEN 'INSERT' THEN 'user.created' ELSE 'user.deactivated' END,
    jsonb_build_object('id', NEW.id, 'email', NEW.email, 'username', NEW.username,
      'position_fk', NEW.position_fk, 'is_active', NEW.is_active));
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_created_webhook AFTER INSERT ON app_user
FOR EACH ROW EXECUTE FUNCTION webhook_user();
CREATE TRIGGER app_user_deactivated_webhook AFTER UPDATE OF is_active ON app_user
FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION webhook_user();

-- Seconds to wait after the n-th failed attempt: 5 s, 1 min, 5 min, 30 min, 2 h, then every 5 h
-- until 24 hours after retry_since, when the delivery is given up.
CREATE FUNCTION webhook_backoff(n integer) RETURNS interval LANGUAGE sql IMMUTABLE AS $$
  SELECT make_interval(secs => (ARRAY[5, 60, 300, 1800, 7200, 18000])[least(greatest(n, 1), 6)])
$$;

-- A dispatcher claims endpoints whose oldest pending delivery is due (for 60 s), and gets up to 20
-- of their pending deliveries in order.
CREATE FUNCTION webhook_claim() RETURNS TABLE (endpoint_id integer, url text, secrets text[], delivery_id bigint,
  event_id bigint, type text, data jsonb, occurred_at text, due boolean) LANGUAGE sql AS $$
  WITH claimed AS (
    UPDATE webhook_endpoint e SET lease_until = now() + interval '60 seconds'
    WHERE e.status <> 'paused' AND (e.lease_until IS NULL OR e.lease_until < now())
      AND (SELECT d.next_attempt_at FROM webhook_delivery d WHERE d.endpoint_fk = e.id AND d.status = 'pending'
           ORDER BY d.id LIMIT 1) <= now()
    RETURNING e.id, e.url, array_remove(ARRAY[e.secret,
      CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL) AS secrets
  )
  SELECT c.id, c.url, c.secrets, d.id, ev.id, ev.type, ev.data, api_time(ev.created_at), d.next_attempt_at <= now()
  FROM claimed c
  CROSS JOIN LATERAL (SELECT * FROM webhook_delivery d WHERE d.endpoint_fk = c.id AND d.status = 'pending'
                      ORDER BY d.id LIMIT 20) d
  JOIN webhook_event ev ON ev.id = d.event_fk
  ORDER BY c.id, d.id
$$;

-- What the dispatcher saw: [{id, ok, code, error}] for the deliveries it attempted, and the
-- endpoints it claimed (their leases end). A success clears `failing`; a give-up sets it.
CREATE FUNCTION webhook_record(p_results jsonb, p_endpoints integer[]) RETURNS integer LANGUAGE sql AS $$
  WITH r AS (
    SELECT * FROM jsonb_to_recordset(p_results) AS r(id bigint, ok boolean, code integer, error text)
  ), done AS (
    UPDATE webhook_delivery d SET
      attempts = d.attempts + 1, last_attempt_at = now(), last_status_code = r.code, last_error = left(r.error, 500),
      status = CASE WHEN r.ok THEN 'delivered'
                    WHEN now() + webhook_backoff(d.attempts + 1) > d.retry_since + interval '24 hours' THEN 'failed'
                    ELSE 'pending' END,
      delivered_at = CASE WHEN r.ok THEN now() END,
      next_attempt_at = CASE WHEN r.ok THEN d.next_attempt_at ELSE now() + webhook_backoff(d.attempts + 1) END
    FROM r WHERE d.id = r.id AND d.status = 'pending'
    RETURNING d.endpoint_fk, d.status
  ), health AS (
    SELECT endpoint_fk, bool_or(status = 'failed') AS gave_up, bool_or(status = 'delivered') AS ok
    FROM done GROUP BY endpoint_fk
  ), released AS (
    UPDATE webhook_endpoint e SET lease_until = NULL,
      status = CASE WHEN e.status = 'paused' THEN 'paused' WHEN h.gave_up THEN 'failing'
                    WHEN h.ok THEN 'active' ELSE e.status END
    FROM (SELECT unnest(p_endpoints) AS id) c LEFT JOIN health h ON h.endpoint_fk = c.id
    WHERE e.id = c.id
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM done)::integer + 0 * (SELECT count(*) FROM released)::integer
$$;

-- Events are kept 30 days, then pruned by the Cron Trigger (unless a delivery is still pending).
CREATE FUNCTION webhook_prune() RETURNS integer LANGUAGE sql AS $$
  WITH old AS (
    SELECT ev.id FROM webhook_event ev
    WHERE ev.created_at < now() - interval '30 days'
      AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_fk = ev.id AND d.status = 'pending')
    ORDER BY ev.created_at LIMIT 1000
  ), gone AS (
    DELETE FROM webhook_event ev USING old WHERE ev.id = old.id RETURNING 1
  )
  SELECT count(*)::integer FROM gone
$$;
