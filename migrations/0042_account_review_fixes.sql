-- Issue 23, review fixes for accounts (sign-in, email links, reset, two-factor policy).

-- 1. Any password change (a reset, PATCH /users/me, a script) ends EVERY live link of the person,
-- not only pending resets: an email change started by someone who had the password (its link goes
-- to their own address) must die with their session, or it is a way back in after the owner
-- secures the account. A login's rehash and erasure stay no change (as in 0037).
CREATE OR REPLACE FUNCTION password_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('timelog.password_rehash', true), '') = 'on' OR NEW.erased_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  UPDATE account_token SET used_at = now() WHERE user_fk = NEW.id AND used_at IS NULL;
  PERFORM email_enqueue(NEW.email, 'password_changed', jsonb_build_object('username', NEW.username), NEW.id);
  RETURN NULL;
END
$$;

-- 2. The company's sign-in policy (require_2fa, registration) is changed from a signed-in session
-- only: an admin-scoped API token is one factor a script holds, and a leaked one must not turn
-- two-factor sign-in off for everyone. timelog.token_admin is set for token requests only (0011, 0022).
CREATE FUNCTION company_settings_token_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('timelog.token_admin', true), '') <> ''
     AND (NEW.require_2fa IS DISTINCT FROM OLD.require_2fa OR NEW.registration IS DISTINCT FROM OLD.registration) THEN
    RAISE EXCEPTION 'The sign-in policy (require_2fa, registration) needs a signed-in session, not an API token.'
      USING ERRCODE = 'TL403', HINT = 'insufficient_scope', DETAIL = '{"required_scope": null}';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER company_settings_token_guard BEFORE UPDATE ON company_settings
FOR EACH ROW EXECUTE FUNCTION company_settings_token_guard();

-- 5. An email change sends mail to an address the caller names: at most one a minute, like the
-- verification link (0038), so a session cannot flood strangers. Otherwise as in 0038.
CREATE OR REPLACE FUNCTION email_change_begin(p_user integer, p_email text, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
  wait integer;
BEGIN
  SELECT * INTO u FROM app_user WHERE id = p_user FOR UPDATE;
  IF lower(u.email) = lower(p_email) THEN
    RAISE EXCEPTION 'That is your email address already.' USING ERRCODE = 'TL422', HINT = 'invalid_value';
  END IF;
  SELECT ceil(extract(epoch FROM max(created_at) + interval '1 minute' - now()))::int INTO wait
  FROM account_token WHERE user_fk = p_user AND kind = 'email_change' AND created_at > now() - interval '1 minute';
  IF wait IS NOT NULL THEN
    RAISE EXCEPTION 'A link was sent less than a minute ago; try again in % seconds.', greatest(wait, 1)
      USING ERRCODE = 'TL429', HINT = 'rate_limited', DETAIL = json_build_object('retry_after', greatest(wait, 1))::text;
  END IF;
  IF EXISTS (SELECT 1 FROM app_user WHERE lower(email) = lower(p_email)) THEN
    RAISE EXCEPTION 'That email is already registered.' USING ERRCODE = 'TL409', HINT = 'email_taken';
  END IF;
  UPDATE account_token SET used_at = now() WHERE user_fk = p_user AND kind = 'email_change' AND used_at IS NULL;
  INSERT INTO account_token (kind, user_fk, token_hash, email, expires_at)
  VALUES ('email_change', p_user, p_hash, p_email, now() + interval '24 hours');
  PERFORM email_enqueue(p_email, 'email_change', jsonb_build_object('username', u.username), p_user, p_secret);
  PERFORM email_enqueue(u.email, 'email_change_notice', jsonb_build_object('username', u.username), p_user, NULL);
  RETURN jsonb_build_object('pending_email', p_email, 'expires_at', api_time(now() + interval '24 hours'));
END
$$;

-- 6. POST /users/register checks the policy in its first round trip and inserts in its second
-- (after hashing): the insert asks again. FOR SHARE waits for a PATCH /settings in flight and then
-- reads its committed value, so no account is created after invite_only committed.
CREATE FUNCTION registration_still_open() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT registration FROM company_settings FOR SHARE) IS DISTINCT FROM 'open' THEN
    RAISE EXCEPTION 'Registration is by invitation only; ask an administrator for an invitation.'
      USING ERRCODE = 'TL403', HINT = 'registration_closed';
  END IF;
  RETURN true;
END
$$;
