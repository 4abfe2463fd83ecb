-- From a review of 0012. Each fix was reproduced first on a scratch database.

-- An endpoint deleted while a write fans an event out to it made the write fail on the delivery's
-- foreign key (a clock-in refused because a superuser removed a webhook). The endpoints are now
-- key-share locked while their deliveries are written: a deletion in progress is waited for, and
-- an endpoint deleted meanwhile is skipped.
CREATE OR REPLACE FUNCTION webhook_enqueue(p_type text, p_data jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ev bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint WHERE p_type = ANY (events)) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_event (type, data) VALUES (p_type, p_data) RETURNING id INTO ev;
  INSERT INTO webhook_delivery (endpoint_fk, event_fk)
  SELECT e.id, ev FROM (SELECT id FROM webhook_endpoint WHERE p_type = ANY (events) ORDER BY id FOR KEY SHARE) e;
  PERFORM set_config('timelog.webhooks', 'queued', true);
END
$$;

-- A dispatcher whose lease had expired could still record, releasing the lease a newer dispatcher
-- held (two posting at once, out of order). A claim now carries a token, and only its holder
-- records or releases. The claim is also two statements: the deliveries are read after the
-- endpoint is claimed (a fresh snapshot), so a claim that waited for another dispatcher's record
-- does not see deliveries that one has just delivered as still pending. At most 5 endpoints and
-- 10 deliveries each per claim, so one round's posts fit the Worker's concurrent connections.
ALTER TABLE webhook_endpoint ADD COLUMN lease_token uuid;

DROP FUNCTION webhook_claim();
CREATE FUNCTION webhook_claim() RETURNS TABLE (lease uuid, endpoint_id integer, url text, secrets text[],
  delivery_id bigint, event_id bigint, type text, data jsonb, occurred_at text, due boolean)
LANGUAGE plpgsql AS $$
DECLARE
  token uuid := gen_random_uuid();
BEGIN
  UPDATE webhook_endpoint e SET lease_until = now() + interval '60 seconds', lease_token = token
  WHERE e.id IN (
    SELECT x.id FROM webhook_endpoint x
    WHERE x.status <> 'paused' AND (x.lease_until IS NULL OR x.lease_until < now())
      AND (SELECT d.next_attempt_at FROM webhook_delivery d WHERE d.endpoint_fk = x.id AND d.status = 'pending'
           ORDER BY d.id LIMIT 1) <= now()
    ORDER BY x.id LIMIT 5)
  AND (e.lease_until IS NULL OR e.lease_until < now());
  RETURN QUERY
  SELECT token, e.id, e.url, array_remove(ARRAY[e.secret,
           CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL),
         d.id, ev.id, ev.type, ev.data, api_time(ev.created_at), d.next_attempt_at <= now()
  FROM webhook_endpoint e
  CROSS JOIN LATERAL (SELECT * FROM webhook_delivery d WHERE d.endpoint_fk = e.id AND d.status = 'pending'
                      ORDER BY d.id LIMIT 10) d
  JOIN webhook_event ev ON ev.id = d.event_fk
  WHERE e.lease_token = token
  ORDER BY e.id, d.id;
END
$$;

DROP FUNCTION webhook_record(jsonb, integer[]);
CREATE FUNCTION webhook_record(p_lease uuid, p_results jsonb) RETURNS integer LANGUAGE sql AS $$
  WITH held AS (
    SELECT id FROM webhook_endpoint WHERE lease_token = p_lease FOR UPDATE
  ), r AS (
    SELECT * FROM jsonb_to_recordset(p_results) AS r(id bigint, ok boolean, code integer, error text)
  ), done AS (
    UPDATE webhook_delivery d SET
      attempts = d.attempts + 1, last_attempt_at = now(), last_status_code = r.code, last_error = left(r.error, 500),
      status = CASE WHEN r.ok THEN 'delivered'
                    WHEN now() + webhook_backoff(d.attempts + 1) > d.retry_since + interval '24 hours' THEN 'failed'
                    ELSE 'pending' END,
      delivered_at = CASE WHEN r.ok THEN now() END,
      next_attempt_at = CASE WHEN r.ok THEN d.next_attempt_at ELSE now() + webhook_backoff(d.attempts + 1) END
    FROM r WHERE d.id = r.id AND d.status = 'pending' AND d.endpoint_fk IN (SELECT id FROM held)
    RETURNING d.endpoint_fk, d.status
  ), health AS (
    SELECT endpoint_fk, bool_or(status = 'failed') AS gave_up, bool_or(status = 'delivered') AS ok
    FROM done GROUP BY endpoint_fk
  ), released AS (
    UPDATE webhook_endpoint e SET lease_until = NULL, lease_token = NULL,
      status = CASE WHEN e.status = 'paused' THEN 'paused' WHEN h.gave_up THEN 'failing'
                    WHEN h.ok THEN 'active' ELSE e.status END
    FROM held LEFT JOIN health h ON h.endpoint_fk = held.id
    WHERE e.id = held.id
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM done)::integer + 0 * (SELECT count(*) FROM released)::integer
$$;

-- Registering, changing and removing an endpoint is audited (company chain): an endpoint exports
-- time logs and emails to an outside address. Never the secret.
CREATE FUNCTION audit_webhook_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.url, OLD.events, OLD.description, OLD.status = 'paused', OLD.secret)
     IS NOT DISTINCT FROM (NEW.url, NEW.events, NEW.description, NEW.status = 'paused', NEW.secret) THEN
    RETURN NULL; -- the dispatcher's leases and health (active/failing) are bookkeeping, not changes
  END IF;
  PERFORM audit_append(0,
    'webhook.' || CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN
      CASE WHEN OLD.secret IS DISTINCT FROM NEW.secret THEN 'secret_rotated' ELSE 'updated' END ELSE 'deleted' END,
    'webhook', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text,
    CASE WHEN TG_OP <> 'INSERT' THEN jsonb_build_object('url', OLD.url, 'events', OLD.events, 'status', OLD.status) END,
    CASE WHEN TG_OP <> 'DELETE' THEN jsonb_build_object('url', NEW.url, 'events', NEW.events, 'status', NEW.status) END);
  RETURN NULL;
END
$$;
CREATE TRIGGER webhook_endpoint_audit AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoint
FOR EACH ROW EXECUTE FUNCTION audit_webhook_endpoint();
