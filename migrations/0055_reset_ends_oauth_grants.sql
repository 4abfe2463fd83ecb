-- Review of issue 25 §2: a password reset ends everything an intruder may hold. 0037 ends logins
-- and API tokens, which ended an OAuth grant's access tokens but not its refresh tokens: an app
-- connected by whoever knew the old password could mint new access tokens after the reset. The
-- reset now ends the person's grants too (their trigger ends every token and audits app.revoked
-- with reason password_reset).
CREATE OR REPLACE FUNCTION password_reset_apply(p_hash text, p_password_hash text) RETURNS void LANGUAGE plpgsql AS $$
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
  PERFORM set_config('timelog.oauth_reason', 'password_reset', true);
  UPDATE oauth_grant SET revoked_at = now() WHERE user_fk = uid AND revoked_at IS NULL;
  PERFORM audit_append(uid, 'user.password_reset', 'user', uid::text, NULL, jsonb_build_object('sessions_ended', true));
END
$$;
