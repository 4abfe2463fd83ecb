-- Idempotency-Key: a retried write returns its first result instead of running again.
-- The key is claimed, the write done and its result stored in one transaction (one round trip).
CREATE TABLE idempotency_key (
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  key text NOT NULL,
  request_hash text NOT NULL,
  response jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (user_fk, key)
);
CREATE INDEX idempotency_key_age ON idempotency_key (created_at);

-- First statement after the login check. A key still held by a running transaction → 409;
-- a key used with another request → 422; a finished request → its stored result, carried out
-- in DETAIL of SQLSTATE TL200 (which aborts this batch, so nothing runs twice).
CREATE FUNCTION idempotency_begin(p_user integer, p_key text, p_hash text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  prior idempotency_key%ROWTYPE;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtextextended(p_user::text || '/' || p_key, 7402)) THEN
    RAISE EXCEPTION 'A request with this Idempotency-Key is still in progress.'
      USING ERRCODE = 'TL409', HINT = 'idempotency_in_progress';
  END IF;
  SELECT * INTO prior FROM idempotency_key
  WHERE user_fk = p_user AND key = p_key AND created_at > now() - interval '24 hours';
  IF FOUND THEN
    IF prior.request_hash <> p_hash THEN
      RAISE EXCEPTION 'This Idempotency-Key was used for a different request.'
        USING ERRCODE = 'TL422', HINT = 'idempotency_key_reused';
    END IF;
    IF prior.response IS NOT NULL THEN
      RAISE EXCEPTION 'replay' USING ERRCODE = 'TL200', DETAIL = prior.response::text;
    END IF;
  END IF;
  INSERT INTO idempotency_key (user_fk, key, request_hash) VALUES (p_user, p_key, p_hash)
  ON CONFLICT (user_fk, key) DO UPDATE
    SET request_hash = excluded.request_hash, response = NULL, created_at = now();
  -- Keys live 24 hours; sweeping a few expired ones here keeps the table small without a cron.
  DELETE FROM idempotency_key WHERE ctid IN (
    SELECT ctid FROM idempotency_key WHERE created_at < now() - interval '24 hours' LIMIT 10
  );
END
$$;
