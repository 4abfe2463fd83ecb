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

-- The company's require_2fa (0039) on the consent page: an account that must enrol first gets no
-- grant. Its sessions are stopped at every route but enrolment, and it cannot make an API token;
-- an OAuth token (which auth_guard_token does not stop, as a second credential) for the password
-- alone would pass around the rule. Otherwise as 0051.
CREATE OR REPLACE FUNCTION oauth_authorize(p_user integer, p_client text, p_redirect text, p_scopes text[],
  p_resource text, p_code_hash text, p_challenge text, p_request_id text) RETURNS TABLE (grant_id integer, scopes text[])
LANGUAGE plpgsql AS $$
DECLARE
  su boolean;
  allowed text[];
  g integer;
BEGIN
  SELECT u.is_superuser INTO su FROM app_user u WHERE u.id = p_user AND u.is_active;
  IF NOT FOUND OR NOT EXISTS (SELECT FROM oauth_client c WHERE c.id = p_client AND p_redirect = ANY (c.redirect_uris)) THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM company_settings WHERE require_2fa)
     AND NOT EXISTS (SELECT FROM user_totp WHERE user_fk = p_user AND confirmed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'This company requires two-factor sign-in: enrol in the app first, then connect this one.'
      USING ERRCODE = 'TL403', HINT = '2fa_required';
  END IF;
  allowed := ARRAY(SELECT s FROM unnest(p_scopes) s WHERE s <> 'admin' OR su);
  IF cardinality(allowed) = 0 THEN
    RETURN QUERY SELECT NULL::integer, allowed;
    RETURN;
  END IF;
  PERFORM set_config('timelog.actor', p_user::text, true), set_config('timelog.request_id', left(p_request_id, 128), true);
  INSERT INTO oauth_grant (client_fk, user_fk, scopes, resource) VALUES (p_client, p_user, allowed, p_resource)
  RETURNING id INTO g;
  INSERT INTO oauth_code (code_hash, grant_fk, redirect_uri, code_challenge, expires_at)
  VALUES (p_code_hash, g, p_redirect, p_challenge, now() + interval '2 minutes');
  RETURN QUERY SELECT g, allowed;
END
$$;
