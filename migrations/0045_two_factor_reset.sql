-- A person who lost their authenticator and their recovery codes has no way back in but a
-- superuser. The reset also ends the person's logins: if someone else had enrolled a factor on a
-- stolen session, that session must not outlive the reset. Audited with the superuser as actor
-- (auth_guard names them), and the person is told by email.
CREATE FUNCTION totp_reset(p_actor integer, p_user integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_email text;
BEGIN
  IF p_actor = p_user THEN
    RAISE EXCEPTION 'Turn your own two-factor sign-in off with DELETE /users/me/totp.'
      USING ERRCODE = 'TL403', HINT = 'own_two_factor';
  END IF;
  SELECT email INTO v_email FROM app_user WHERE id = p_user AND erased_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  DELETE FROM user_totp WHERE user_fk = p_user AND confirmed_at IS NOT NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Two-factor sign-in is not enabled for this person.'
      USING ERRCODE = 'TL409', HINT = 'two_factor_not_enabled';
  END IF;
  DELETE FROM totp_recovery_code WHERE user_fk = p_user;
  UPDATE session SET revoked_at = now(), revoked_reason = 'two_factor_reset'
  WHERE user_fk = p_user AND revoked_at IS NULL;
  PERFORM audit_append(p_user, 'user.totp_disabled', 'user', p_user::text,
    jsonb_build_object('two_factor_enabled', true), jsonb_build_object('two_factor_enabled', false));
  PERFORM email_enqueue(v_email, 'two_factor_disabled', '{}'::jsonb, p_user);
  RETURN 'reset';
END
$$;
