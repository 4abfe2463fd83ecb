-- Accounts, sign-in and API tokens, hardened after an attacker's week (issue 20, section 5).

-- 1. A deactivation revokes the person's API tokens for good: a later reactivation does not revive
--    them. A trigger, so that no code path (the API, a superuser's hand repair) can skip it.
CREATE FUNCTION api_token_revoke_on_deactivation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE api_token SET revoked_at = now() WHERE user_fk = NEW.id AND revoked_at IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_deactivated_tokens AFTER UPDATE OF is_active ON app_user
FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
EXECUTE FUNCTION api_token_revoke_on_deactivation();

-- 2. What an API token may not do to accounts, whatever route it comes through: grant or take away
--    superuser (a leaked token would plant lasting access), or change its own owner's account.
--    auth_guard_token sets timelog.token_admin for the transaction, and only it does: a non-empty
--    value means the request's credential is a token (0011). The refusal is insufficient_scope with
--    required_scope null (a session), as for /tokens: a code the previous Worker also knows.
CREATE FUNCTION app_user_token_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('timelog.token_admin', true), '') = '' THEN
    RETURN NEW;
  END IF;
  IF NEW.is_superuser IS DISTINCT FROM OLD.is_superuser THEN
    RAISE EXCEPTION 'Granting or revoking superuser needs a signed-in session, not an API token.'
      USING ERRCODE = 'TL403', HINT = 'insufficient_scope', DETAIL = '{"required_scope": null}';
  END IF;
  IF NEW.id::text = current_setting('timelog.actor', true) AND NEW IS DISTINCT FROM OLD THEN
    RAISE EXCEPTION 'An API token cannot change its own owner''s account; sign in to do it.'
      USING ERRCODE = 'TL403', HINT = 'insufficient_scope', DETAIL = '{"required_scope": null}';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER app_user_token_guard BEFORE UPDATE ON app_user
FOR EACH ROW EXECUTE FUNCTION app_user_token_guard();

-- 3. At most 50 live tokens a person. The lock per person makes parallel creates wait for each
--    other, and each count (a new snapshot after the lock) sees the ones committed before it.
CREATE FUNCTION api_token_limit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  live integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('api-token:' || NEW.user_fk, 0));
  SELECT count(*) INTO live FROM api_token
  WHERE user_fk = NEW.user_fk AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
  IF live >= 50 THEN
    RAISE EXCEPTION 'You hold 50 live API tokens, the most there may be; revoke one first.'
      USING ERRCODE = 'TL422', HINT = 'limit_reached', DETAIL = json_build_object('limit', 50)::text;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER api_token_limit BEFORE INSERT ON api_token
FOR EACH ROW EXECUTE FUNCTION api_token_limit();

-- 4. Usernames are unique regardless of case. Existing duplicates keep the oldest account's name;
--    the others get "-<id>" (shortened to fit 25 characters, and more if even that is taken), so
--    the index can be built on any existing data. (The audit trail records roles, activity and
--    positions, not names: a rename here leaves no audit event.)
DO $$
DECLARE
  r record;
  candidate text;
  n integer;
BEGIN
  FOR r IN
    SELECT id, username FROM (
      SELECT id, username, row_number() OVER (PARTITION BY lower(username) ORDER BY id) AS nth FROM app_user
    ) d WHERE nth > 1 ORDER BY id
  LOOP
    n := 0;
    LOOP
      candidate := '-' || r.id || CASE WHEN n > 0 THEN '-' || n ELSE '' END;
      candidate := left(r.username, 25 - char_length(candidate)) || candidate;
      EXIT WHEN NOT EXISTS (SELECT 1 FROM app_user WHERE lower(username) = lower(candidate));
      n := n + 1;
    END LOOP;
    UPDATE app_user SET username = candidate WHERE id = r.id;
  END LOOP;
END
$$;
CREATE UNIQUE INDEX app_user_username_key ON app_user (lower(username));

-- 5. Turnstile: over the account-wide budget for unknown clients, a client that passed a Cloudflare
--    Turnstile challenge may go on. p_turnstile: NULL when Turnstile is not configured (as before),
--    false when it is but this client has not passed it, true when it has. A passed client's
--    attempts still count, and its own (account, client) and client-wide budgets still apply.
CREATE FUNCTION auth_budget_check(acct text, who text, trusted_client boolean, p_turnstile boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  wait integer;
  account_wait integer := 0;
BEGIN
  wait := auth_budget_wait(ARRAY(
    SELECT at FROM auth_attempt WHERE account = acct AND client = who AND NOT succeeded AND at > now() - auth_window()
  ), 5);
  IF NOT trusted_client THEN
    wait := greatest(wait, auth_budget_wait(ARRAY(
      SELECT at FROM auth_attempt WHERE client = who AND NOT succeeded AND at > now() - auth_window()
    ), 100));
    IF p_turnstile IS NOT TRUE THEN
      account_wait := auth_budget_wait(ARRAY(
        SELECT at FROM auth_attempt WHERE account = acct AND NOT trusted AND NOT succeeded AND at > now() - auth_window()
      ), 20);
    END IF;
  END IF;
  -- Only the account-wide budget stands in the way: a Turnstile token would let this client in.
  IF wait = 0 AND account_wait > 0 AND p_turnstile IS NOT NULL THEN
    RAISE EXCEPTION 'Too many failed sign-ins on this account from unknown clients; pass the Turnstile challenge (turnstile_token) or try again in % seconds.', account_wait
      USING ERRCODE = 'TL429', HINT = 'turnstile_required',
            DETAIL = json_build_object('retry_after', account_wait, 'turnstile', true)::text;
  END IF;
  wait := greatest(wait, account_wait);
  IF wait > 0 THEN
    RAISE EXCEPTION 'Too many failed password attempts; try again in % seconds.', wait
      USING ERRCODE = 'TL429', HINT = 'too_many_attempts', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION auth_budget_check(acct text, who text, trusted_client boolean) RETURNS void
LANGUAGE sql AS $$ SELECT auth_budget_check(acct, who, trusted_client, NULL::boolean) $$;

CREATE FUNCTION auth_attempt_begin(p_account text, p_client text, p_device text, p_device_user integer,
                                   p_device_pw text, p_turnstile boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  acct text := lower(left(p_account, 320));
  v_trusted boolean;
  who text;
  attempt bigint;
BEGIN
  v_trusted := p_device IS NOT NULL AND (
    p_device LIKE 'session:%'
    OR EXISTS (SELECT 1 FROM app_user WHERE lower(email) = acct AND id = p_device_user
               AND password_fingerprint(password_hash) = p_device_pw));
  who := CASE WHEN v_trusted THEN p_device ELSE p_client END;
  -- Refused without waiting for any lock, so a flood of refused guesses cannot queue up the owner.
  PERFORM auth_budget_check(acct, who, v_trusted, p_turnstile);
  PERFORM pg_advisory_xact_lock(hashtextextended('auth:' || acct || '/' || who, 0));
  IF NOT v_trusted THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('auth-account:' || acct, 0));
    PERFORM pg_advisory_xact_lock(hashtextextended('auth-client:' || who, 0));
  END IF;
  PERFORM auth_budget_check(acct, who, v_trusted, p_turnstile);
  INSERT INTO auth_attempt (account, client, trusted) VALUES (acct, who, v_trusted) RETURNING id INTO attempt;
  DELETE FROM auth_attempt WHERE id IN (
    SELECT id FROM auth_attempt WHERE at < now() - auth_window() ORDER BY at LIMIT 10
  );
  RETURN attempt;
END
$$;

-- The five-argument form (a session's password check) is the same without Turnstile.
CREATE OR REPLACE FUNCTION auth_attempt_begin(p_account text, p_client text, p_device text, p_device_user integer,
                                              p_device_pw text)
RETURNS bigint LANGUAGE sql AS $$
  SELECT auth_attempt_begin(p_account, p_client, p_device, p_device_user, p_device_pw, NULL::boolean)
$$;
