-- Issue 23 §1 and §3: delivering the email outbox (0036) with leases, retries and pruning, and
-- password reset (request, confirm) with every password change ending pending resets.

-- 1. Delivery. A dispatcher claims due rows under a lease (a row locked by another dispatcher is
-- skipped, and a claimed row is not due again until its lease runs out), sends them, and records
-- the outcomes under the same lease: two dispatchers never send one row twice while a lease holds.
-- A link whose token is no longer live (expired, used, superseded by a newer one, revoked) is not
-- sent late: the row fails with that reason. So is any row of an erased person.
CREATE FUNCTION email_link_live(p_secret text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_secret IS NULL OR EXISTS (
    SELECT FROM account_token t WHERE t.token_hash = encode(sha256(convert_to(p_secret, 'UTF8')), 'hex')
      AND t.used_at IS NULL AND t.expires_at > now()
  ) OR EXISTS (
    SELECT FROM invitation i WHERE i.token_hash = encode(sha256(convert_to(p_secret, 'UTF8')), 'hex')
      AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
  )
$$;

CREATE FUNCTION email_claim(p_limit integer)
RETURNS TABLE (lease uuid, id bigint, to_address text, template text, data jsonb, secret text)
LANGUAGE plpgsql AS $$
DECLARE
  new_lease uuid := gen_random_uuid();
BEGIN
  -- Dead links and erased recipients end here, without being sent.
  UPDATE email_outbox o SET status = 'failed', secret = NULL, lease = NULL, lease_until = NULL,
    last_error = CASE WHEN u.erased_at IS NOT NULL THEN 'recipient erased' ELSE 'link no longer valid (expired, used or superseded)' END
  FROM email_outbox o2 LEFT JOIN app_user u ON u.id = o2.user_fk
  WHERE o.id = o2.id AND o.status = 'pending' AND o.next_attempt_at <= now()
    AND (o.lease_until IS NULL OR o.lease_until < now())
    AND (u.erased_at IS NOT NULL OR NOT email_link_live(o.secret));
  RETURN QUERY
  WITH due AS (
    SELECT o.id FROM email_outbox o
    WHERE o.status = 'pending' AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
    ORDER BY o.next_attempt_at, o.id
    LIMIT least(greatest(p_limit, 1), 100)
    FOR UPDATE SKIP LOCKED
  )
  UPDATE email_outbox o SET lease = new_lease, lease_until = now() + interval '60 seconds'
  FROM due WHERE o.id = due.id
  RETURNING new_lease, o.id, o.to_address, o.template, o.data, o.secret;
END
$$;

-- Backoff after the nth failed attempt: 1 min, 5 min, 30 min, 2 h, 6 h; the 6th failure is final.
CREATE FUNCTION email_backoff(p_attempts integer) RETURNS interval LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY[interval '1 minute', interval '5 minutes', interval '30 minutes', interval '2 hours',
                interval '6 hours'])[least(greatest(p_attempts, 1), 5)]
$$;

-- Outcomes: [{id, result: sent | retry | failed | held, error}]. `held`: not attempted (no
-- provider configured): stays pending, attempts unchanged, looked at again in 5 minutes. Only rows
-- still under this lease are recorded: a dispatcher whose lease ran out records nothing.
CREATE FUNCTION email_record(p_lease uuid, p_outcomes jsonb) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  WITH o AS (
    SELECT (e ->> 'id')::bigint AS id, e ->> 'result' AS result, left(e ->> 'error', 500) AS error
    FROM jsonb_array_elements(p_outcomes) e
  )
  UPDATE email_outbox x SET
    attempts = x.attempts + CASE WHEN o.result = 'held' THEN 0 ELSE 1 END,
    status = CASE
      WHEN o.result = 'sent' THEN 'sent'
      WHEN o.result = 'failed' OR (o.result = 'retry' AND x.attempts + 1 >= 6) THEN 'failed'
      ELSE 'pending' END,
    secret = CASE WHEN o.result = 'sent' OR o.result = 'failed' OR (o.result = 'retry' AND x.attempts + 1 >= 6)
                  THEN NULL ELSE x.secret END,
    sent_at = CASE WHEN o.result = 'sent' THEN now() ELSE NULL END,
    last_error = CASE WHEN o.result = 'sent' THEN x.last_error ELSE o.error END,
    next_attempt_at = CASE
      WHEN o.result = 'retry' THEN now() + email_backoff(x.attempts + 1)
      WHEN o.result = 'held' THEN now() + interval '5 minutes'
      ELSE x.next_attempt_at END,
    lease = NULL, lease_until = NULL
  FROM o WHERE x.id = o.id AND x.lease = p_lease;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- GET /emails?to=: an operator looks up one person's emails, newest first.
CREATE INDEX email_outbox_by_address ON email_outbox (lower(to_address), id DESC);

-- Sent rows are kept 30 days (what an operator looks at), failed ones 90 days; at most 1000 a call.
CREATE FUNCTION email_prune() RETURNS void LANGUAGE sql AS $$
  DELETE FROM email_outbox WHERE id IN (
    SELECT id FROM email_outbox
    WHERE (status = 'sent' AND sent_at < now() - interval '30 days')
       OR (status = 'failed' AND created_at < now() - interval '90 days')
    LIMIT 1000)
$$;

-- 2. Password reset requests, throttled per email and per client whether or not the account
-- exists (the budget is no oracle): 5 an hour per email, 20 an hour per client. Confirms count
-- under their own key: 30 an hour per client (a 256-bit token cannot be guessed; this only keeps
-- a flood of confirms from costing anything).
CREATE TABLE password_reset_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account text NOT NULL,
  client text NOT NULL,
  at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_attempt_account ON password_reset_attempt (account, at);
CREATE INDEX password_reset_attempt_client ON password_reset_attempt (client, at);

CREATE FUNCTION password_reset_budget(p_account text, p_client text, p_per_account integer, p_per_client integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  acct text := lower(left(p_account, 320));
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('reset-account:' || acct, 0));
  PERFORM pg_advisory_xact_lock(hashtextextended('reset-client:' || p_client, 0));
  IF (SELECT count(*) FROM password_reset_attempt WHERE account = acct AND at > now() - interval '1 hour') >= p_per_account
     OR (SELECT count(*) FROM password_reset_attempt WHERE client = p_client AND at > now() - interval '1 hour') >= p_per_client THEN
    RAISE EXCEPTION 'Too many password reset requests; try again later.'
      USING ERRCODE = 'TL429', HINT = 'too_many_resets', DETAIL = json_build_object('retry_after', 3600)::text;
  END IF;
  INSERT INTO password_reset_attempt (account, client) VALUES (acct, p_client);
  DELETE FROM password_reset_attempt WHERE id IN (
    SELECT id FROM password_reset_attempt WHERE at < now() - interval '1 hour' ORDER BY at LIMIT 10);
END
$$;

-- One statement for POST /users/password-reset: the budget, then (for an active, not erased
-- account) older live resets end, a new one starts (1 hour, hash only) and its email is queued.
-- The same work in the Worker either way (a token is made for unknown emails too).
CREATE FUNCTION password_reset_request(p_email text, p_client text, p_token text, p_hash text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
BEGIN
  PERFORM password_reset_budget(p_email, p_client, 5, 20);
  SELECT * INTO u FROM app_user WHERE lower(email) = lower(p_email) AND is_active AND erased_at IS NULL;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  UPDATE account_token SET used_at = now() WHERE user_fk = u.id AND kind = 'password_reset' AND used_at IS NULL;
  INSERT INTO account_token (kind, user_fk, token_hash, expires_at)
  VALUES ('password_reset', u.id, p_hash, now() + interval '1 hour');
  PERFORM email_enqueue(u.email, 'password_reset', jsonb_build_object('username', u.username), u.id, p_token);
END
$$;

-- Confirm, step 1 (before any hashing): the client's budget of confirm attempts, and whether the
-- token is live (false: unknown, used, expired or superseded; one answer, 410 link_invalid).
CREATE FUNCTION password_reset_check(p_hash text, p_client text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  -- Not an exception for a dead token: the attempt must stay counted (a raise would roll it back).
  PERFORM password_reset_budget('confirm:' || p_client, 'confirm:' || p_client, 30, 30);
  RETURN EXISTS (SELECT FROM account_token t JOIN app_user u ON u.id = t.user_fk
                 WHERE t.token_hash = p_hash AND t.kind = 'password_reset' AND t.used_at IS NULL
                   AND t.expires_at > now() AND u.is_active AND u.erased_at IS NULL);
END
$$;

-- Confirm, step 2: the token is spent (its row lock makes parallel confirms of one token take
-- turns: exactly one finds it live), the password set (the trigger below ends other resets and
-- queues password_changed), the email counts as verified (they read it), every login ends and the
-- API tokens are revoked (device tokens die by the password fingerprint).
CREATE FUNCTION password_reset_apply(p_hash text, p_password_hash text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  uid integer;
BEGIN
  UPDATE account_token t SET used_at = now()
  FROM app_user u
  WHERE t.token_hash = p_hash AND t.kind = 'password_reset' AND t.used_at IS NULL AND t.expires_at > now()
    AND u.id = t.user_fk AND u.is_active AND u.erased_at IS NULL
  RETURNING t.user_fk INTO uid;
  IF uid IS NULL THEN
    RAISE EXCEPTION 'This link is not valid (unknown, used or expired).' USING ERRCODE = 'TL410', HINT = 'link_invalid';
  END IF;
  PERFORM set_config('timelog.actor', uid::text, true);
  UPDATE app_user SET password_hash = p_password_hash, is_verified = true WHERE id = uid;
  UPDATE session SET revoked_at = now(), revoked_reason = 'password_reset' WHERE user_fk = uid AND revoked_at IS NULL;
  UPDATE api_token SET revoked_at = now() WHERE user_fk = uid AND revoked_at IS NULL;
  PERFORM audit_append(uid, 'user.password_reset', 'user', uid::text, NULL, jsonb_build_object('sessions_ended', true));
END
$$;

-- 3. Any password change (PATCH /users/me, a reset, a script) ends the pending resets and tells
-- the person, so no path can skip it. A login's rehash of the same password (stronger parameters)
-- says so in the transaction and is not a change; erasure is not one either.
CREATE FUNCTION password_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('timelog.password_rehash', true), '') = 'on' OR NEW.erased_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  UPDATE account_token SET used_at = now() WHERE user_fk = NEW.id AND kind = 'password_reset' AND used_at IS NULL;
  PERFORM email_enqueue(NEW.email, 'password_changed', jsonb_build_object('username', NEW.username), NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_password_changed AFTER UPDATE OF password_hash ON app_user FOR EACH ROW
WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash)
EXECUTE FUNCTION password_changed();

-- A login's rehash: the same password under today's parameters (no notice, resets stay).
CREATE FUNCTION password_rehash(p_user integer, p_hash text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('timelog.password_rehash', 'on', true);
  UPDATE app_user SET password_hash = p_hash WHERE id = p_user;
  PERFORM set_config('timelog.password_rehash', '', true);
END
$$;
