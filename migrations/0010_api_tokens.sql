-- Personal API tokens for scripts and services: stored only as a SHA-256 hash, narrowed by scopes,
-- checked inside each request's round trip like a session, and never above the owner's current
-- rights (a demoted or deactivated owner's tokens lose those rights at once).
CREATE TABLE api_token (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT api_token_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  -- The token's first characters, shown in lists so a person can tell their tokens apart.
  prefix text NOT NULL,
  token_hash text NOT NULL CONSTRAINT api_token_hash_key UNIQUE,
  scopes text[] NOT NULL CONSTRAINT api_token_scopes CHECK (
    cardinality(scopes) > 0 AND scopes <@ ARRAY['timelog:read', 'timelog:write', 'reports:read', 'admin']),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  last_used_at timestamptz(3),
  expires_at timestamptz(3) CONSTRAINT api_token_expires_in_future CHECK (expires_at > created_at),
  revoked_at timestamptz(3)
);
CREATE INDEX api_token_by_user ON api_token (user_fk, id);

-- The login check for a request made with a token: the token is the owner's, live and not expired,
-- the owner is active, the route's scope is among the token's, and a superuser's route needs both
-- a superuser owner and the admin scope. It names the actor for the audit trail, and notes when
-- the token was last used (at most once a minute, to keep the row cold).
CREATE FUNCTION auth_guard_token(p_hash text, p_user integer, p_scope text, p_need_superuser boolean,
  p_request_id text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  t api_token;
  su boolean;
BEGIN
  SELECT * INTO t FROM api_token
  WHERE token_hash = p_hash AND user_fk = p_user AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This token is revoked, expired or unknown.' USING ERRCODE = 'TL401', HINT = 'invalid_token';
  END IF;
  SELECT is_superuser INTO su FROM app_user WHERE id = p_user AND is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This token''s owner is deactivated.' USING ERRCODE = 'TL401', HINT = 'invalid_token';
  END IF;
  IF p_scope IS NULL OR NOT p_scope = ANY (t.scopes) THEN
    RAISE EXCEPTION 'This token''s scopes do not allow this%.', coalesce(' (needs ' || p_scope || ')', ' (tokens cannot do it)')
      USING ERRCODE = 'TL403', HINT = 'insufficient_scope', DETAIL = json_build_object('required_scope', p_scope)::text;
  END IF;
  IF p_need_superuser AND NOT (su AND 'admin' = ANY (t.scopes)) THEN
    RAISE EXCEPTION 'Only superusers may do this (with a token: one with the admin scope).'
      USING ERRCODE = 'TL403', HINT = 'superuser_required';
  END IF;
  IF t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' THEN
    UPDATE api_token SET last_used_at = now() WHERE id = t.id;
  END IF;
  PERFORM set_config('timelog.actor', p_user::text, true), set_config('timelog.request_id', left(p_request_id, 128), true);
  RETURN su;
END
$$;
