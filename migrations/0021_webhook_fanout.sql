-- Webhooks, from issue 20 (fan-out backlog, secrets in the audit, a second rotation, a deadlock).

-- 1. Fair, faster claims. A dispatcher claims up to p_endpoints endpoints whose oldest pending
-- delivery is due, least recently claimed first (round robin: an endpoint that was just served
-- goes to the back), and gets up to p_per_endpoint of each one's pending deliveries, in order.
-- Endpoints another dispatcher is claiming, recording or someone is deleting are skipped, not
-- waited for, so several invocations (the Cron Trigger, after-response passes in other isolates)
-- share the endpoints instead of queueing on each other's row locks.
ALTER TABLE webhook_endpoint ADD COLUMN last_claimed_at timestamptz(3);

DROP FUNCTION webhook_claim();
CREATE FUNCTION webhook_claim(p_endpoints integer, p_per_endpoint integer) RETURNS TABLE (lease uuid,
  endpoint_id integer, url text, secrets text[], delivery_id bigint, event_id bigint, type text, data jsonb,
  occurred_at text, due boolean)
LANGUAGE plpgsql AS $$
DECLARE
  token uuid := gen_random_uuid();
BEGIN
  UPDATE webhook_endpoint e SET lease_until = now() + interval '60 seconds', lease_token = token,
    last_claimed_at = now()
  WHERE e.id IN (
    SELECT x.id FROM webhook_endpoint x
    WHERE x.status <> 'paused' AND (x.lease_until IS NULL OR x.lease_until < now())
      AND (SELECT d.next_attempt_at FROM webhook_delivery d WHERE d.endpoint_fk = x.id AND d.status = 'pending'
           ORDER BY d.id LIMIT 1) <= now()
    ORDER BY x.last_claimed_at NULLS FIRST, x.id
    LIMIT least(greatest(p_endpoints, 1), 50)
    FOR NO KEY UPDATE SKIP LOCKED)
  AND (e.lease_until IS NULL OR e.lease_until < now());
  RETURN QUERY
  SELECT token, e.id, e.url, webhook_signing_secrets(e), d.id, ev.id, ev.type, ev.data, api_time(ev.created_at),
         d.next_attempt_at <= now()
  FROM webhook_endpoint e
  CROSS JOIN LATERAL (SELECT * FROM webhook_delivery d WHERE d.endpoint_fk = e.id AND d.status = 'pending'
                      ORDER BY d.id LIMIT least(greatest(p_per_endpoint, 1), 100)) d
  JOIN webhook_event ev ON ev.id = d.event_fk
  WHERE e.lease_token = token
  ORDER BY e.id, d.id;
END
$$;

-- The previous Worker calls webhook_claim() without arguments (expand, then contract): it keeps
-- working, with 0013's limits, until the release after this one drops this.
CREATE FUNCTION webhook_claim() RETURNS TABLE (lease uuid, endpoint_id integer, url text, secrets text[],
  delivery_id bigint, event_id bigint, type text, data jsonb, occurred_at text, due boolean)
LANGUAGE sql AS $$ SELECT * FROM webhook_claim(5, 10) $$;

-- 2. The deadlock of issue 26 (40P01 in webhook_record while an endpoint was removed during
-- clock-ins): webhook_record locked its endpoints FOR UPDATE in no particular order, while a
-- write fanning an event out holds FOR KEY SHARE on the same endpoints in id order; FOR UPDATE
-- conflicts with KEY SHARE, so each waited for the other. Recording changes no key: FOR NO KEY
-- UPDATE, which a fan-out's KEY SHARE does not block, taken in id order as the fan-out does.
CREATE OR REPLACE FUNCTION webhook_record(p_lease uuid, p_results jsonb) RETURNS integer LANGUAGE sql AS $$
  WITH held AS (
    SELECT id FROM webhook_endpoint WHERE lease_token = p_lease ORDER BY id FOR NO KEY UPDATE
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

-- 3. Every secret replaced in the last 24 hours keeps signing (a second rotation used to drop
-- the first one's old secret at once). previous_secrets holds [{secret, until}], newest last;
-- a rotation keeps the ones still alive and adds the secret it replaces. At most 5 alive at
-- once: each signs every delivery, so a sixth rotation within a day is refused.
ALTER TABLE webhook_endpoint ADD COLUMN previous_secrets jsonb NOT NULL DEFAULT '[]';
UPDATE webhook_endpoint SET previous_secrets = jsonb_build_array(
  jsonb_build_object('secret', previous_secret, 'until', previous_secret_until))
WHERE previous_secret IS NOT NULL AND previous_secret_until > now();

CREATE FUNCTION webhook_live_secrets(p jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(x ORDER BY o), '[]') FROM jsonb_array_elements(p) WITH ORDINALITY AS s(x, o)
  WHERE (x->>'until')::timestamptz > now()
$$;

-- The current secret first, then the older ones still alive, newest first.
CREATE FUNCTION webhook_signing_secrets(e webhook_endpoint) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT ARRAY[e.secret] || coalesce((SELECT array_agg(x->>'secret' ORDER BY o DESC)
    FROM jsonb_array_elements(webhook_live_secrets(e.previous_secrets)) WITH ORDINALITY AS s(x, o)), '{}')
$$;

CREATE FUNCTION webhook_secret_rotated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.previous_secrets := webhook_live_secrets(OLD.previous_secrets)
    || jsonb_build_array(jsonb_build_object('secret', OLD.secret, 'until', now() + interval '24 hours'));
  IF jsonb_array_length(NEW.previous_secrets) > 5 THEN
    RAISE EXCEPTION 'Five secrets replaced in the last 24 hours still sign.'
      USING ERRCODE = 'TL422', HINT = 'limit_reached';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER webhook_secret_rotated BEFORE UPDATE OF secret ON webhook_endpoint
FOR EACH ROW WHEN (OLD.secret IS DISTINCT FROM NEW.secret) EXECUTE FUNCTION webhook_secret_rotated();

CREATE OR REPLACE FUNCTION webhook_endpoint_json(e webhook_endpoint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', e.id, 'url', e.url, 'events', to_jsonb(e.events),
    'description', e.description, 'status', e.status,
    'previous_secret_expires_at', (SELECT api_time(max((x->>'until')::timestamptz))
      FROM jsonb_array_elements(webhook_live_secrets(e.previous_secrets)) x),
    'created_at', api_time(e.created_at), 'updated_at', api_time(e.updated_at))
$$;

-- previous_secret and previous_secret_until are no longer read, but the previous Worker still writes
-- them when it rotates a secret (the trigger above keeps previous_secrets right either way): they
-- go in the release after this one (expand, then contract; scripts/upgrade/upgrade.test.ts).

-- 4. The audit trail is append-only and hash-chained: what it stores stays forever. An endpoint's
-- URL is kept there as scheme, host and path only: no user:password@ (refused from now on, but
-- older endpoints may have one) and no query string or fragment, where receivers put tokens.
-- Events already written are not rewritten (that would break the chain).
CREATE FUNCTION webhook_url_redacted(url text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN url ~ '^[A-Za-z][A-Za-z0-9+.-]*://'
    THEN regexp_replace(url, '^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#\\]*@)?([^?#]*).*$', '\1\2')
    ELSE '' END
$$;

CREATE OR REPLACE FUNCTION audit_webhook_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.url, OLD.events, OLD.description, OLD.status = 'paused', OLD.secret)
     IS NOT DISTINCT FROM (NEW.url, NEW.events, NEW.description, NEW.status = 'paused', NEW.secret) THEN
    RETURN NULL; -- the dispatcher's leases and health (active/failing) are bookkeeping, not changes
  END IF;
  PERFORM audit_append(0,
    'webhook.' || CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN
      CASE WHEN OLD.secret IS DISTINCT FROM NEW.secret THEN 'secret_rotated' ELSE 'updated' END ELSE 'deleted' END,
    'webhook', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text,
    CASE WHEN TG_OP <> 'INSERT' THEN
      jsonb_build_object('url', webhook_url_redacted(OLD.url), 'events', OLD.events, 'status', OLD.status) END,
    CASE WHEN TG_OP <> 'DELETE' THEN
      jsonb_build_object('url', webhook_url_redacted(NEW.url), 'events', NEW.events, 'status', NEW.status) END);
  RETURN NULL;
END
$$;
