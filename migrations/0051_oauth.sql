-- OAuth 2.1 for assistants and third-party apps (issue 25 §2). Kept here rather than in a KV
-- store: a grant's access tokens are API tokens (api_token rows with grant_fk), so the one login
-- check (auth_guard_token) applies to them unchanged: scopes, the owner's current rights,
-- revocation and deactivation at the next request, last use. Codes and refresh tokens are kept
-- as SHA-256 hashes only; each is used once, under a row lock, so a replay or a race loses here.

-- Clients registered dynamically (RFC 7591): public clients only (PKCE, no secret).
CREATE TABLE oauth_client (
  id text PRIMARY KEY CONSTRAINT oauth_client_id_format CHECK (id ~ '^tlc_[A-Za-z0-9_-]{22}$'),
  name text NOT NULL CONSTRAINT oauth_client_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  redirect_uris text[] NOT NULL CONSTRAINT oauth_client_redirect_uris CHECK (
    cardinality(redirect_uris) BETWEEN 1 AND 10 AND array_position(redirect_uris, NULL) IS NULL),
  -- Who registered it (a hashed client address): registration is throttled per address.
  registered_by text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX oauth_client_by_registrant ON oauth_client (registered_by, created_at);

-- What a person approved for a client: scopes and the one resource (audience) its tokens are for.
CREATE TABLE oauth_grant (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_fk text NOT NULL REFERENCES oauth_client (id) ON DELETE CASCADE,
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  scopes text[] NOT NULL CONSTRAINT oauth_grant_scopes CHECK (
    cardinality(scopes) > 0 AND scopes <@ ARRAY['timelog:read', 'timelog:write', 'reports:read', 'admin']),
  resource text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  revoked_at timestamptz(3)
);
CREATE INDEX oauth_grant_by_user ON oauth_grant (user_fk, id);

CREATE TABLE oauth_code (
  code_hash text PRIMARY KEY,
  grant_fk integer NOT NULL REFERENCES oauth_grant (id) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  -- S256 only: base64url of a SHA-256 (43 characters); "plain" never reaches the database.
  code_challenge text NOT NULL CONSTRAINT oauth_code_challenge_s256 CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3)
);
CREATE INDEX oauth_code_by_grant ON oauth_code (grant_fk);

CREATE TABLE oauth_refresh (
  token_hash text PRIMARY KEY,
  grant_fk integer NOT NULL REFERENCES oauth_grant (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  used_at timestamptz(3)
);
CREATE INDEX oauth_refresh_by_grant ON oauth_refresh (grant_fk);

ALTER TABLE api_token ADD COLUMN grant_fk integer REFERENCES oauth_grant (id) ON DELETE CASCADE;
ALTER TABLE api_token ADD CONSTRAINT api_token_grant_expires CHECK (grant_fk IS NULL OR expires_at IS NOT NULL);
CREATE INDEX api_token_by_grant ON api_token (grant_fk) WHERE grant_fk IS NOT NULL;

-- The 50-token limit is for tokens people make; a grant's short-lived tokens are not counted.
CREATE OR REPLACE FUNCTION api_token_limit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  live integer;
BEGIN
  IF NEW.grant_fk IS NOT NULL THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('api-token:' || NEW.user_fk, 0));
  SELECT count(*) INTO live FROM api_token
  WHERE user_fk = NEW.user_fk AND grant_fk IS NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
  IF live >= 50 THEN
    RAISE EXCEPTION 'You hold 50 live API tokens, the most there may be; revoke one first.'
      USING ERRCODE = 'TL422', HINT = 'limit_reached', DETAIL = json_build_object('limit', 50)::text;
  END IF;
  RETURN NEW;
END
$$;

-- Never more than the person's role: only a superuser may grant admin (the consent page offers it
-- to no one else; this is the rule whatever path inserts).
CREATE FUNCTION oauth_grant_rights() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF 'admin' = ANY (NEW.scopes)
     AND NOT coalesce((SELECT is_superuser AND is_active FROM app_user WHERE id = NEW.user_fk), false) THEN
    RAISE EXCEPTION 'Only superusers may grant the admin scope.' USING ERRCODE = 'TL403', HINT = 'superuser_required';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER oauth_grant_rights BEFORE INSERT ON oauth_grant FOR EACH ROW EXECUTE FUNCTION oauth_grant_rights();

-- Audit kinds and the entity for connected apps (the API's enums are tested against this list).
ALTER TABLE audit_event DROP CONSTRAINT audit_event_kind_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_kind_known CHECK (kind IN (
  'timelog.created', 'timelog.updated', 'timelog.deleted',
  'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
  'team_member.added', 'team_member.changed', 'team_member.removed',
  'user.updated', 'company.lock_changed',
  'webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted',
  'absence.requested', 'absence.updated', 'absence.approved', 'absence.rejected', 'absence.cancelled',
  'absence_type.created', 'absence_type.updated', 'absence_type.deleted', 'allowance.set',
  'holiday_calendar.created', 'holiday.set', 'holiday.deleted',
  'work_schedule.created', 'work_schedule.deleted', 'time_account.adjusted',
  'invitation.created', 'invitation.resent', 'invitation.revoked', 'invitation.accepted',
  'user.email_verified', 'user.email_changed', 'user.password_reset', 'user.totp_enabled', 'user.totp_disabled',
  'user.exported', 'user.erased', 'company.settings_changed',
  'calendar_feed.created', 'calendar_feed.revoked',
  'app.authorized', 'app.revoked'));
ALTER TABLE audit_event DROP CONSTRAINT audit_event_entity_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_entity_known CHECK (entity IN (
  'timelog', 'timesheet', 'team', 'user', 'settings', 'webhook',
  'absence', 'absence_type', 'allowance', 'holiday_calendar', 'holiday', 'work_schedule', 'time_adjustment',
  'invitation', 'calendar_feed', 'app'));

CREATE FUNCTION oauth_grant_summary(g oauth_grant) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('client_id', g.client_fk, 'client_name', (SELECT name FROM oauth_client WHERE id = g.client_fk),
    'scopes', to_jsonb(g.scopes), 'resource', g.resource)
$$;

-- Every grant and every revocation, in the person's chain. A revocation, whoever makes it (the
-- person, a replayed code, a reused refresh token, a deactivation), also ends every token of the
-- grant at once: a trigger, so no path can revoke the grant and leave its tokens working.
CREATE FUNCTION oauth_grant_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM audit_append(NEW.user_fk, 'app.authorized', 'app', NEW.id::text, NULL, oauth_grant_summary(NEW));
    RETURN NULL;
  END IF;
  UPDATE api_token SET revoked_at = now() WHERE grant_fk = NEW.id AND revoked_at IS NULL;
  UPDATE oauth_refresh SET used_at = now() WHERE grant_fk = NEW.id AND used_at IS NULL;
  UPDATE oauth_code SET used_at = now() WHERE grant_fk = NEW.id AND used_at IS NULL;
  PERFORM audit_append(NEW.user_fk, 'app.revoked', 'app', NEW.id::text, oauth_grant_summary(OLD),
    jsonb_build_object('reason', coalesce(nullif(current_setting('timelog.oauth_reason', true), ''), 'revoked')));
  RETURN NULL;
END
$$;
CREATE TRIGGER oauth_grant_created AFTER INSERT ON oauth_grant FOR EACH ROW EXECUTE FUNCTION oauth_grant_audit();
CREATE TRIGGER oauth_grant_revoked AFTER UPDATE OF revoked_at ON oauth_grant FOR EACH ROW
WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION oauth_grant_audit();

-- A deactivation ends the person's grants for good, as it ends their API tokens (0022).
CREATE FUNCTION oauth_revoke_on_deactivation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('timelog.oauth_reason', 'deactivated', true);
  UPDATE oauth_grant SET revoked_at = now() WHERE user_fk = NEW.id AND revoked_at IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_deactivated_grants AFTER UPDATE OF is_active ON app_user
FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
EXECUTE FUNCTION oauth_revoke_on_deactivation();

-- POST /oauth/register: at most 20 clients an hour from one address (the lock makes parallel
-- registrations count each other).
CREATE FUNCTION oauth_register(p_id text, p_name text, p_redirect_uris text[], p_registrant text)
RETURNS oauth_client LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  wait integer;
  c oauth_client;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('oauth-register:' || p_registrant, 0));
  SELECT count(*), greatest(1, ceil(extract(epoch FROM min(created_at) + interval '1 hour' - now())))::integer
  INTO n, wait FROM oauth_client WHERE registered_by = p_registrant AND created_at > now() - interval '1 hour';
  IF n >= 20 THEN
    RAISE EXCEPTION 'Too many clients registered from here; try again later.'
      USING ERRCODE = 'TL429', HINT = 'too_many_registrations', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
  INSERT INTO oauth_client (id, name, redirect_uris, registered_by) VALUES (p_id, p_name, p_redirect_uris, p_registrant)
  RETURNING * INTO c;
  RETURN c;
END
$$;

-- The consent: a grant and its one-time code (two minutes), with the scopes granted: those asked
-- for that the person's role allows (admin only for a superuser). No row when the client or the
-- redirect URI is not (or no longer) registered, or the person is not active; grant_id NULL when
-- no scope is left to grant.
CREATE FUNCTION oauth_authorize(p_user integer, p_client text, p_redirect text, p_scopes text[], p_resource text,
  p_code_hash text, p_challenge text, p_request_id text) RETURNS TABLE (grant_id integer, scopes text[])
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

-- A grant's new pair: an access token (an API token of the grant, one hour) and a refresh token.
CREATE FUNCTION oauth_issue(g oauth_grant, p_access_hash text, p_prefix text, p_refresh_hash text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_token (user_fk, name, prefix, token_hash, scopes, expires_at, grant_fk)
  SELECT g.user_fk, left(c.name, 100), p_prefix, p_access_hash, g.scopes, now() + interval '1 hour', g.id
  FROM oauth_client c WHERE c.id = g.client_fk;
  INSERT INTO oauth_refresh (token_hash, grant_fk) VALUES (p_refresh_hash, g.id);
END
$$;

-- Ends a grant (and, by its trigger, its tokens), saying why in the audit event.
CREATE FUNCTION oauth_revoke(p_grant integer, p_reason text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('timelog.oauth_reason', p_reason, true);
  UPDATE oauth_grant SET revoked_at = now() WHERE id = p_grant AND revoked_at IS NULL;
END
$$;

-- grant_type=authorization_code. The code is used up whatever the outcome (a wrong verifier is
-- not retried); a code used before is a replay: the grant and what it issued are revoked
-- (RFC 9700 §4.5). Statuses, not exceptions, so the revocation commits: 'ok', 'invalid',
-- 'replayed'.
CREATE FUNCTION oauth_redeem_code(p_code_hash text, p_client text, p_user integer, p_redirect text, p_challenge text,
  p_resource text, p_access_hash text, p_prefix text, p_refresh_hash text)
RETURNS TABLE (status text, scopes text[], resource text) LANGUAGE plpgsql AS $$
DECLARE
  k oauth_code;
  g oauth_grant;
BEGIN
  SELECT * INTO k FROM oauth_code WHERE code_hash = p_code_hash FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid', NULL::text[], NULL::text;
    RETURN;
  END IF;
  SELECT * INTO g FROM oauth_grant WHERE id = k.grant_fk FOR UPDATE;
  IF k.used_at IS NOT NULL THEN
    PERFORM oauth_revoke(g.id, 'code_replayed');
    RETURN QUERY SELECT 'replayed', NULL::text[], NULL::text;
    RETURN;
  END IF;
  UPDATE oauth_code SET used_at = now() WHERE code_hash = p_code_hash;
  IF k.expires_at <= now() OR g.revoked_at IS NOT NULL OR g.client_fk <> p_client OR g.user_fk <> p_user
     OR k.redirect_uri <> p_redirect OR k.code_challenge <> p_challenge OR coalesce(p_resource <> g.resource, false)
     OR NOT EXISTS (SELECT FROM app_user WHERE id = g.user_fk AND is_active) THEN
    RETURN QUERY SELECT 'invalid', NULL::text[], NULL::text;
    RETURN;
  END IF;
  PERFORM oauth_issue(g, p_access_hash, p_prefix, p_refresh_hash);
  RETURN QUERY SELECT 'ok', g.scopes, g.resource;
END
$$;

-- grant_type=refresh_token, with rotation: the old refresh token dies; one used before is a
-- theft signal and revokes the grant. Refresh tokens live 30 days from their issue.
CREATE FUNCTION oauth_refresh_grant(p_old_hash text, p_client text, p_user integer, p_resource text,
  p_access_hash text, p_prefix text, p_refresh_hash text)
RETURNS TABLE (status text, scopes text[], resource text) LANGUAGE plpgsql AS $$
DECLARE
  r oauth_refresh;
  g oauth_grant;
BEGIN
  SELECT * INTO r FROM oauth_refresh WHERE token_hash = p_old_hash FOR UPDATE;
  IF FOUND THEN
    SELECT * INTO g FROM oauth_grant WHERE id = r.grant_fk FOR UPDATE;
  END IF;
  -- Another client's or another person's token says nothing about this grant: no revocation.
  IF NOT FOUND OR g.client_fk <> p_client OR g.user_fk <> p_user THEN
    RETURN QUERY SELECT 'invalid', NULL::text[], NULL::text;
    RETURN;
  END IF;
  IF r.used_at IS NOT NULL THEN
    PERFORM oauth_revoke(g.id, 'refresh_reused');
    RETURN QUERY SELECT 'reused', NULL::text[], NULL::text;
    RETURN;
  END IF;
  IF g.revoked_at IS NOT NULL OR r.created_at <= now() - interval '30 days' OR coalesce(p_resource <> g.resource, false)
     OR NOT EXISTS (SELECT FROM app_user WHERE id = g.user_fk AND is_active) THEN
    RETURN QUERY SELECT 'invalid', NULL::text[], NULL::text;
    RETURN;
  END IF;
  UPDATE oauth_refresh SET used_at = now() WHERE token_hash = p_old_hash;
  PERFORM oauth_issue(g, p_access_hash, p_prefix, p_refresh_hash);
  RETURN QUERY SELECT 'ok', g.scopes, g.resource;
END
$$;

-- POST /oauth/revoke (RFC 7009): either token of a grant ends the whole grant. Unknown tokens,
-- or another client's, change nothing (the endpoint answers 200 all the same).
CREATE FUNCTION oauth_revoke_token(p_hash text, p_client text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  g integer;
BEGIN
  SELECT x.grant_fk INTO g FROM (
    SELECT grant_fk FROM oauth_refresh WHERE token_hash = p_hash
    UNION ALL SELECT grant_fk FROM api_token WHERE token_hash = p_hash AND grant_fk IS NOT NULL) x
  JOIN oauth_grant og ON og.id = x.grant_fk AND og.client_fk = p_client
  LIMIT 1;
  IF g IS NOT NULL THEN
    PERFORM set_config('timelog.actor', (SELECT user_fk FROM oauth_grant WHERE id = g)::text, true);
    PERFORM oauth_revoke(g, 'revoked_by_client');
  END IF;
END
$$;
