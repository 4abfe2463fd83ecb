-- Issue 23 §4: two-factor sign-in (TOTP) and the company's require_2fa. The secret reaches the
-- database encrypted (AES-GCM in the Worker); codes are checked in the Worker, and what must not
-- race is done here: a 30-second step is used at most once (last_step only grows), a recovery
-- code at most once (used_at), and enabling/disabling happens with its audit event and notice.

-- 1. require_2fa in the login check. A signed-in account without confirmed 2FA gets 403
-- 2fa_required on every route except the few it needs to enrol and leave (the route declares the
-- exemption: p_two_factor_exempt). API tokens (auth_guard_token) are a second credential already.
CREATE FUNCTION auth_guard(p_session uuid, p_user integer, p_need_superuser boolean, p_two_factor_exempt boolean)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
  su boolean;
BEGIN
  SELECT u.is_superuser INTO su
  FROM session s JOIN app_user u ON u.id = s.user_fk
  WHERE s.id = p_session AND s.user_fk = p_user AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This login has ended; sign in again.' USING ERRCODE = 'TL401', HINT = 'session_ended';
  END IF;
  IF NOT p_two_factor_exempt
     AND EXISTS (SELECT FROM company_settings WHERE require_2fa)
     AND NOT EXISTS (SELECT FROM user_totp WHERE user_fk = p_user AND confirmed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'This company requires two-factor sign-in: enrol (POST /users/me/totp) first.'
      USING ERRCODE = 'TL403', HINT = '2fa_required';
  END IF;
  IF p_need_superuser AND NOT su THEN
    RAISE EXCEPTION 'Only superusers may do this.' USING ERRCODE = 'TL403', HINT = 'superuser_required';
  END IF;
  RETURN su;
END
$$;

CREATE FUNCTION auth_guard(p_session uuid, p_user integer, p_need_superuser boolean, p_request_id text,
                           p_two_factor_exempt boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  su boolean := auth_guard(p_session, p_user, p_need_superuser, p_two_factor_exempt);
BEGIN
  PERFORM set_config('timelog.actor', p_user::text, true), set_config('timelog.request_id', left(p_request_id, 128), true);
  RETURN su;
END
$$;

-- The older forms (a Worker of the previous release during a deploy) no longer bypass the rule:
-- they check it with no exemption.
CREATE OR REPLACE FUNCTION auth_guard(p_session uuid, p_user integer, p_need_superuser boolean) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT auth_guard(p_session, p_user, p_need_superuser, false) $$;

-- 2. Enrolment: a new pending secret replaces an earlier pending one; an enabled one stays.
CREATE FUNCTION totp_enrol(p_user integer, p_secret_encrypted text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_email text;
BEGIN
  INSERT INTO user_totp AS t (user_fk, secret_encrypted) VALUES (p_user, p_secret_encrypted)
  ON CONFLICT (user_fk) DO UPDATE SET secret_encrypted = EXCLUDED.secret_encrypted, created_at = now(), last_step = 0
  WHERE t.confirmed_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Two-factor sign-in is already enabled; disable it first.'
      USING ERRCODE = 'TL409', HINT = 'two_factor_enabled';
  END IF;
  SELECT email INTO v_email FROM app_user WHERE id = p_user;
  RETURN v_email;
END
$$;

-- Confirmation: only the pending secret the Worker checked the code against (a newer enrolment in
-- between refuses), the code's step counts as used, and the recovery codes replace any older ones.
CREATE FUNCTION totp_confirm(p_user integer, p_secret_encrypted text, p_step bigint, p_recovery_hashes text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_email text;
BEGIN
  UPDATE user_totp SET confirmed_at = now(), last_step = p_step
  WHERE user_fk = p_user AND confirmed_at IS NULL AND secret_encrypted = p_secret_encrypted;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No enrolment waits for this code (enabled already, or replaced by a newer one).'
      USING ERRCODE = 'TL409', HINT = 'two_factor_not_pending';
  END IF;
  DELETE FROM totp_recovery_code WHERE user_fk = p_user;
  INSERT INTO totp_recovery_code (user_fk, code_hash) SELECT p_user, h FROM unnest(p_recovery_hashes) h;
  PERFORM audit_append(p_user, 'user.totp_enabled', 'user', p_user::text,
    jsonb_build_object('two_factor_enabled', false), jsonb_build_object('two_factor_enabled', true));
  SELECT email INTO v_email FROM app_user WHERE id = p_user;
  PERFORM email_enqueue(v_email, 'two_factor_enabled', '{}'::jsonb, p_user);
END
$$;

-- Uses one second factor of an enabled account: a TOTP step newer than the last one used, or an
-- unused recovery code. Raises (aborting the batch: no session, no disabling) when it is spent.
-- p_fingerprint: the password the sign-in challenge was issued under (NULL: not a sign-in, so a
-- spent code is 422 otp_invalid rather than the sign-in's 401 otp_failed).
CREATE FUNCTION totp_use(p_user integer, p_step bigint, p_recovery_hash text, p_fingerprint text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_fingerprint IS NOT NULL AND NOT EXISTS (
    SELECT FROM app_user WHERE id = p_user AND is_active AND password_fingerprint(password_hash) = p_fingerprint) THEN
    RAISE EXCEPTION 'This sign-in challenge is no longer valid; sign in again with the password.'
      USING ERRCODE = 'TL401', HINT = 'otp_challenge_invalid';
  END IF;
  IF p_step IS NOT NULL THEN
    UPDATE user_totp SET last_step = p_step
    WHERE user_fk = p_user AND confirmed_at IS NOT NULL AND last_step < p_step;
  ELSE
    UPDATE totp_recovery_code r SET used_at = now()
    WHERE r.user_fk = p_user AND r.code_hash = p_recovery_hash AND r.used_at IS NULL
      AND EXISTS (SELECT FROM user_totp t WHERE t.user_fk = p_user AND t.confirmed_at IS NOT NULL);
  END IF;
  IF NOT FOUND AND p_fingerprint IS NOT NULL THEN
    RAISE EXCEPTION 'The code is wrong or already used.' USING ERRCODE = 'TL401', HINT = 'otp_failed';
  ELSIF NOT FOUND THEN
    RAISE EXCEPTION 'The code is wrong or already used.' USING ERRCODE = 'TL422', HINT = 'otp_invalid';
  END IF;
END
$$;

CREATE FUNCTION totp_disable(p_user integer, p_step bigint, p_recovery_hash text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_email text;
BEGIN
  PERFORM totp_use(p_user, p_step, p_recovery_hash, NULL);
  DELETE FROM user_totp WHERE user_fk = p_user;
  DELETE FROM totp_recovery_code WHERE user_fk = p_user;
  PERFORM audit_append(p_user, 'user.totp_disabled', 'user', p_user::text,
    jsonb_build_object('two_factor_enabled', true), jsonb_build_object('two_factor_enabled', false));
  SELECT email INTO v_email FROM app_user WHERE id = p_user;
  PERFORM email_enqueue(v_email, 'two_factor_disabled', '{}'::jsonb, p_user);
END
$$;
