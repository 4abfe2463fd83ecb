-- Issue 23 §2: invitations, the sign-up policy, email verification and email change. Every rule
-- lives here (who may invite whom, one live invitation per address, one account per invitation,
-- registration closed under invite_only) so that no handler can be raced around it. Emails are
-- queued in the same transaction (email_enqueue, 0036); tokens arrive hashed, the raw token only
-- as the outbox's secret. Audit events carry ids only: an invitee's address is personal data and
-- the audit chain is hashed (h-gdpr's erasure relies on it holding none).

-- An invitation's address is one address (no list, no display name, no CR/LF): it becomes a
-- recipient. The outbox checks the same; here a bad address is refused before anything is queued.
ALTER TABLE invitation ADD CONSTRAINT invitation_email_shape
  CHECK (email !~ '[\r\n\x00,;<>"\s]' AND email ~ '^[^@]+@[^@]+$');
ALTER TABLE account_token ADD CONSTRAINT account_token_email_shape
  CHECK (email IS NULL OR (email !~ '[\r\n\x00,;<>"\s]' AND email ~ '^[^@]+@[^@]+$'));
CREATE INDEX invitation_by_team ON invitation (team_fk);

CREATE FUNCTION invitation_status(i invitation) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN i.revoked_at IS NOT NULL THEN 'revoked'
              WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END
$$;

-- The wire shape (never the token or its hash).
CREATE FUNCTION invitation_json(i invitation) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', i.id, 'email', i.email, 'position_fk', i.position_fk, 'team_fk', i.team_fk, 'role', i.role,
    'status', invitation_status(i), 'invited_by', i.invited_by, 'created_at', api_time(i.created_at),
    'expires_at', api_time(i.expires_at), 'accepted_at', api_time(i.accepted_at),
    'revoked_at', api_time(i.revoked_at))
$$;

-- Who sees and manages an invitation: superusers all; a team's managers those for their team.
CREATE FUNCTION invitation_visible(p_viewer integer, i invitation) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT user_is_superuser(p_viewer) OR (i.team_fk IS NOT NULL AND EXISTS (
    SELECT 1 FROM team_member WHERE team_fk = i.team_fk AND user_fk = p_viewer AND role = 'manager'))
$$;

-- What the invitation email says: who invited, to which team and position (names only, no token).
CREATE FUNCTION invitation_email_data(i invitation) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'invited_by', (SELECT username FROM app_user WHERE id = i.invited_by),
    'team', (SELECT name FROM team WHERE id = i.team_fk),
    'position', (SELECT title FROM position WHERE id = i.position_fk),
    'role', i.role, 'expires_at', api_time(i.expires_at))
$$;

CREATE FUNCTION invitation_create(p_actor integer, p_email text, p_position integer, p_team integer, p_role text,
                                  p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  i invitation;
BEGIN
  IF NOT user_is_superuser(p_actor) AND (p_team IS NULL OR p_role <> 'member' OR NOT EXISTS (
      SELECT 1 FROM team_member WHERE team_fk = p_team AND user_fk = p_actor AND role = 'manager')) THEN
    RAISE EXCEPTION 'Superusers invite anyone; a team''s managers invite members into that team (team_fk, role member).'
      USING ERRCODE = 'TL403', HINT = 'not_manager';
  END IF;
  -- One decision per address at a time: parallel invitations of one address (or an invitation
  -- racing a registration's unique index) serialise here.
  PERFORM pg_advisory_xact_lock(hashtextextended('invite:' || lower(p_email), 0));
  IF EXISTS (SELECT 1 FROM app_user WHERE lower(email) = lower(p_email)) THEN
    RAISE EXCEPTION 'That email already has an account.' USING ERRCODE = 'TL409', HINT = 'email_taken';
  END IF;
  IF EXISTS (SELECT 1 FROM invitation v WHERE lower(v.email) = lower(p_email) AND invitation_status(v) = 'pending') THEN
    RAISE EXCEPTION 'That email has a pending invitation; resend it instead (POST /invitations/{id}/resend).'
      USING ERRCODE = 'TL409', HINT = 'invitation_pending';
  END IF;
  INSERT INTO invitation (email, position_fk, team_fk, role, token_hash, invited_by, expires_at)
  VALUES (p_email, p_position, p_team, p_role, p_hash, p_actor, now() + interval '7 days')
  RETURNING * INTO i;
  PERFORM email_enqueue(i.email, 'invitation', invitation_email_data(i), NULL, p_secret);
  PERFORM audit_append(0, 'invitation.created', 'invitation', i.id::text, NULL,
    jsonb_build_object('position_fk', i.position_fk, 'team_fk', i.team_fk, 'role', i.role, 'invited_by', i.invited_by));
  RETURN invitation_json(i);
END
$$;

-- Revoke (p_hash NULL) or resend with a new token: the old token dies, the expiry starts over.
-- NULL when the viewer may not see it (404); 409 when it is no longer pending (an expired one may
-- be resent, not revoked: it is dead already).
CREATE FUNCTION invitation_renew(p_actor integer, p_id integer, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  i invitation;
BEGIN
  SELECT * INTO i FROM invitation WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR NOT invitation_visible(p_actor, i) THEN
    RETURN NULL;
  END IF;
  IF i.accepted_at IS NOT NULL OR i.revoked_at IS NOT NULL OR (p_hash IS NULL AND i.expires_at <= now()) THEN
    RAISE EXCEPTION 'This invitation is %.', invitation_status(i)
      USING ERRCODE = 'TL409', HINT = 'invitation_not_pending';
  END IF;
  IF p_hash IS NULL THEN
    UPDATE invitation SET revoked_at = now() WHERE id = p_id RETURNING * INTO i;
    PERFORM audit_append(0, 'invitation.revoked', 'invitation', i.id::text, NULL, NULL);
  ELSE
    IF EXISTS (SELECT 1 FROM app_user WHERE lower(email) = lower(i.email)) THEN
      RAISE EXCEPTION 'That email has an account by now.' USING ERRCODE = 'TL409', HINT = 'email_taken';
    END IF;
    UPDATE invitation SET token_hash = p_hash, expires_at = now() + interval '7 days', sent_at = now()
    WHERE id = p_id RETURNING * INTO i;
    PERFORM email_enqueue(i.email, 'invitation', invitation_email_data(i), NULL, p_secret);
    PERFORM audit_append(0, 'invitation.resent', 'invitation', i.id::text, NULL, NULL);
  END IF;
  RETURN invitation_json(i);
END
$$;

-- Accepting: the token's invitation is claimed by one conditional UPDATE (parallel accepts wait
-- on its row lock and then find it taken), the account is created verified, the membership
-- applied. Any failure after the claim (username or email taken) rolls the claim back: the
-- invitation stays usable. Unknown, used, revoked and expired tokens are one answer.
CREATE FUNCTION invitation_accept(p_hash text, p_username text, p_password_hash text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  i invitation;
  new_user integer;
BEGIN
  UPDATE invitation SET accepted_at = now()
  WHERE token_hash = p_hash AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
  RETURNING * INTO i;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'This invitation link is not valid (used, revoked, expired or unknown); ask for a new one.'
      USING ERRCODE = 'TL410', HINT = 'invitation_invalid';
  END IF;
  -- No position named: the lowest position id (the installation's first, "Employee" by default).
  INSERT INTO app_user (email, username, position_fk, password_hash, is_verified)
  VALUES (i.email, p_username, coalesce(i.position_fk, (SELECT min(id) FROM position)), p_password_hash, true)
  RETURNING id INTO new_user;
  UPDATE invitation SET accepted_user_fk = new_user WHERE id = i.id;
  IF i.team_fk IS NOT NULL THEN
    INSERT INTO team_member (team_fk, user_fk, role) VALUES (i.team_fk, new_user, i.role);
  END IF;
  PERFORM set_config('timelog.actor', new_user::text, true);
  PERFORM audit_append(0, 'invitation.accepted', 'invitation', i.id::text, NULL,
    jsonb_build_object('user_fk', new_user));
  RETURN new_user;
END
$$;

-- The accepting client's budget, before any password is hashed (as registration's).
CREATE FUNCTION invitation_accept_begin(p_client text, p_per_hour integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  key text := 'accept:' || p_client;
  recent timestamptz[];
  wait integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('register:' || key, 0));
  recent := ARRAY(SELECT at FROM registration_attempt WHERE client = key AND at > now() - interval '1 hour'
                  ORDER BY at DESC);
  IF cardinality(recent) >= p_per_hour THEN
    wait := greatest(1, ceil(extract(epoch FROM recent[p_per_hour] + interval '1 hour' - now()))::int);
    RAISE EXCEPTION 'Too many invitation accepts from here; try again in % seconds.', wait
      USING ERRCODE = 'TL429', HINT = 'too_many_registrations', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
  INSERT INTO registration_attempt (client) VALUES (key);
END
$$;

-- Self-registration is closed under invite_only: refused in the first round trip, before any
-- password is hashed or any budget is spent.
CREATE OR REPLACE FUNCTION registration_begin(p_client text, p_position integer, p_per_hour integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  open boolean;
  recent timestamptz[];
  wait integer;
BEGIN
  IF (SELECT registration FROM company_settings) = 'invite_only' THEN
    RAISE EXCEPTION 'Registration is by invitation only; ask an administrator for an invitation.'
      USING ERRCODE = 'TL403', HINT = 'registration_closed';
  END IF;
  SELECT open_for_registration INTO open FROM position WHERE id = p_position FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'position_fk does not name a position.' USING ERRCODE = 'TL422', HINT = 'unknown_position';
  END IF;
  IF NOT open THEN
    RAISE EXCEPTION 'This position is not open for self-registration; an administrator assigns it.'
      USING ERRCODE = 'TL403', HINT = 'position_not_open';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('register:' || p_client, 0));
  recent := ARRAY(SELECT at FROM registration_attempt WHERE client = p_client AND at > now() - interval '1 hour'
                  ORDER BY at DESC);
  IF cardinality(recent) >= p_per_hour THEN
    wait := greatest(1, ceil(extract(epoch FROM recent[p_per_hour] + interval '1 hour' - now()))::int);
    RAISE EXCEPTION 'Too many accounts created from here; try again in % seconds.', wait
      USING ERRCODE = 'TL429', HINT = 'too_many_registrations', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
  INSERT INTO registration_attempt (client) VALUES (p_client);
  DELETE FROM registration_attempt WHERE id IN (
    SELECT id FROM registration_attempt WHERE at < now() - interval '1 hour' ORDER BY at LIMIT 10
  );
END
$$;

-- A (new) verification link for an unverified account: older live links of the kind end, so
-- only the newest email works. A link at most once a minute, so the route sends no flood.
CREATE FUNCTION email_verification_issue(p_user integer, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
  wait integer;
BEGIN
  SELECT * INTO u FROM app_user WHERE id = p_user FOR UPDATE;
  IF u.is_verified THEN
    RAISE EXCEPTION 'Your email address is verified already.' USING ERRCODE = 'TL409', HINT = 'already_verified';
  END IF;
  SELECT ceil(extract(epoch FROM max(created_at) + interval '1 minute' - now()))::int INTO wait
  FROM account_token WHERE user_fk = p_user AND kind = 'email_verification' AND created_at > now() - interval '1 minute';
  IF wait IS NOT NULL THEN
    RAISE EXCEPTION 'A link was sent less than a minute ago; try again in % seconds.', greatest(wait, 1)
      USING ERRCODE = 'TL429', HINT = 'rate_limited', DETAIL = json_build_object('retry_after', greatest(wait, 1))::text;
  END IF;
  UPDATE account_token SET used_at = now() WHERE user_fk = p_user AND kind = 'email_verification' AND used_at IS NULL;
  INSERT INTO account_token (kind, user_fk, token_hash, expires_at)
  VALUES ('email_verification', p_user, p_hash, now() + interval '24 hours');
  PERFORM email_enqueue(u.email, 'email_verification', jsonb_build_object('username', u.username), p_user, p_secret);
  RETURN jsonb_build_object('expires_at', api_time(now() + interval '24 hours'));
END
$$;

-- An email change: the link goes to the new address, a notice to the old one; nothing changes
-- until the link is confirmed.
CREATE FUNCTION email_change_begin(p_user integer, p_email text, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
BEGIN
  SELECT * INTO u FROM app_user WHERE id = p_user FOR UPDATE;
  IF lower(u.email) = lower(p_email) THEN
    RAISE EXCEPTION 'That is your email address already.' USING ERRCODE = 'TL422', HINT = 'invalid_value';
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

-- Confirms a verification or email-change link (one route for both: the token says which).
CREATE FUNCTION email_link_confirm(p_hash text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  t account_token;
BEGIN
  UPDATE account_token SET used_at = now()
  WHERE token_hash = p_hash AND kind IN ('email_verification', 'email_change') AND used_at IS NULL AND expires_at > now()
  RETURNING * INTO t;
  IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM app_user WHERE id = t.user_fk AND is_active AND erased_at IS NULL) THEN
    RAISE EXCEPTION 'This link is not valid (used, expired or unknown); ask for a new one.'
      USING ERRCODE = 'TL410', HINT = 'link_invalid';
  END IF;
  PERFORM set_config('timelog.actor', t.user_fk::text, true);
  IF t.kind = 'email_change' THEN
    IF EXISTS (SELECT 1 FROM app_user WHERE lower(email) = lower(t.email) AND id <> t.user_fk) THEN
      RAISE EXCEPTION 'That email was registered meanwhile.' USING ERRCODE = 'TL409', HINT = 'email_taken';
    END IF;
    UPDATE app_user SET email = t.email, is_verified = true WHERE id = t.user_fk;
    -- Every link still out ends, a password reset's too: it went to the old address, which the
    -- person may be leaving because someone else reads it.
    UPDATE account_token SET used_at = now() WHERE user_fk = t.user_fk AND used_at IS NULL;
    PERFORM audit_append(t.user_fk, 'user.email_changed', 'user', t.user_fk::text, NULL, NULL);
  ELSE
    UPDATE app_user SET is_verified = true WHERE id = t.user_fk AND NOT is_verified;
    IF FOUND THEN
      PERFORM audit_append(t.user_fk, 'user.email_verified', 'user', t.user_fk::text,
        jsonb_build_object('email_verified', false), jsonb_build_object('email_verified', true));
    END IF;
  END IF;
  RETURN jsonb_build_object('kind', t.kind, 'email_verified', true);
END
$$;
