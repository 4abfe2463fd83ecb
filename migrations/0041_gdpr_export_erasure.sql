-- Export and erasure (GDPR), and an audit trail whose chain survives an erasure.
--
-- 1. The chain no longer hashes an event's content, only a salted hash of it. digest = sha256 of
-- (chain, seq, at, actor, request, kind, entity, entity_id, content_hash, prev_hash), where
-- content_hash = sha256(salt, before, after) and the salt is random per event (so a redacted
-- value cannot be guessed back from the hash: "is the erased email alice@x?" is not checkable).
-- Verification recomputes content_hash from before/after, except for a redacted event: there
-- before is NULL, after is the marker {"redacted": true, "erasure": <id of the user.erased event>}
-- and the stored content_hash stands in for the removed content — accepted only when that erasure
-- event lists this event's id (the erasure is itself in a chain, so its list cannot be edited).
-- First, under the old rule: the trail must verify before it is rehashed (part 2). A trail that
-- does not stops the migration (repair it first).
DO $$
DECLARE
  b record;
BEGIN
  SELECT * INTO b FROM audit_verify();
  IF b.broken_id IS NOT NULL THEN
    RAISE EXCEPTION 'The audit trail is broken at event % (%); it is not rehashed.', b.broken_id, b.reason;
  END IF;
END
$$;

ALTER TABLE audit_event ADD COLUMN salt text, ADD COLUMN content_hash text, ADD COLUMN redacted_at timestamptz(3);

CREATE FUNCTION audit_salt() RETURNS text LANGUAGE sql VOLATILE AS $$
  -- gen_random_uuid() draws from the strong random source: 122 random bits, not guessable.
  SELECT replace(gen_random_uuid()::text, '-', '')
$$;

CREATE FUNCTION audit_content_hash(p_salt text, p_before jsonb, p_after jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(p_salt, p_before, p_after)::text, 'UTF8')), 'hex')
$$;

-- A redaction stands only when its erasure (a user.erased event after it) names it.
CREATE FUNCTION audit_redaction_ok(e audit_event) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT e.before IS NULL AND jsonb_typeof(e.after -> 'erasure') = 'number'
     AND e.after = jsonb_build_object('redacted', true, 'erasure', e.after -> 'erasure')
     AND (e.after ->> 'erasure') ~ '^[0-9]{1,18}$'
     AND EXISTS (SELECT FROM audit_event x
                 WHERE x.id = (e.after ->> 'erasure')::bigint AND x.id > e.id AND x.kind = 'user.erased'
                   AND x.redacted_at IS NULL AND x.after -> 'redacted_ids' @> to_jsonb(e.id))
$$;

-- The link: an event's place, who and what, its content's hash, the previous event's hash.
CREATE FUNCTION audit_link_hash(e audit_event, p_content text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    e.chain, e.seq, api_time(e.at), e.actor_fk, e.request_id, e.kind, e.entity, e.entity_id,
    p_content, e.prev_hash)::text, 'UTF8')), 'hex')
$$;

-- Same signature, so audit_verify() and audit_verify_page() use the new rule unchanged.
CREATE OR REPLACE FUNCTION audit_digest(e audit_event) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT audit_link_hash(e,
    CASE WHEN e.redacted_at IS NULL THEN audit_content_hash(e.salt, e.before, e.after)
         WHEN audit_redaction_ok(e) THEN e.content_hash
         ELSE 'a redaction no erasure accounts for' END)
$$;

CREATE OR REPLACE FUNCTION audit_append(p_chain integer, p_kind text, p_entity text, p_entity_id text, p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  e audit_event;
  last audit_event;
BEGIN
  PERFORM pg_advisory_xact_lock(7011, p_chain);
  SELECT * INTO last FROM audit_event WHERE chain = p_chain ORDER BY seq DESC LIMIT 1;
  e.chain := p_chain;
  e.seq := coalesce(last.seq, 0) + 1;
  -- Milliseconds, as stored and as hashed (api_time), so the hash is of what the row holds.
  e.at := date_trunc('milliseconds', now());
  e.actor_fk := nullif(current_setting('timelog.actor', true), '')::integer;
  e.request_id := nullif(current_setting('timelog.request_id', true), '');
  e.kind := p_kind;
  e.entity := p_entity;
  e.entity_id := p_entity_id;
  e.before := p_before;
  e.after := p_after;
  e.salt := audit_salt();
  e.content_hash := audit_content_hash(e.salt, p_before, p_after);
  e.prev_hash := coalesce(last.hash, audit_genesis());
  e.hash := audit_link_hash(e, e.content_hash);
  INSERT INTO audit_event (chain, seq, at, actor_fk, request_id, kind, entity, entity_id, before, after, prev_hash, hash,
                           salt, content_hash)
  VALUES (e.chain, e.seq, e.at, e.actor_fk, e.request_id, e.kind, e.entity, e.entity_id, e.before, e.after, e.prev_hash,
          e.hash, e.salt, e.content_hash);
END
$$;

-- 2. Events written before this migration: verified under the old rule, then rehashed under the
-- new one (one rule for every event, so any event can be redacted). What was done is recorded:
-- each chain's head under the old rule and the new, so an auditor holding an old head hash can
-- tie it to the new chain. (It was verified under the old rule at the top of this file.)
CREATE TABLE audit_rehash (
  chain integer PRIMARY KEY,
  seq integer NOT NULL,
  event_id bigint NOT NULL,
  old_hash text NOT NULL,
  new_hash text,
  at timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO audit_rehash (chain, seq, event_id, old_hash)
SELECT DISTINCT ON (chain) chain, seq, id, hash FROM audit_event ORDER BY chain, seq DESC;

ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only;
ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_append_only;
DO $$
DECLARE
  r audit_event;
  v_chain integer;
  v_prev text;
BEGIN
  FOR r IN SELECT * FROM audit_event ORDER BY chain, seq LOOP
    IF v_chain IS DISTINCT FROM r.chain THEN
      v_chain := r.chain;
      v_prev := audit_genesis();
    END IF;
    r.salt := audit_salt();
    r.content_hash := audit_content_hash(r.salt, r.before, r.after);
    r.prev_hash := v_prev;
    r.hash := audit_link_hash(r, r.content_hash);
    UPDATE audit_event SET salt = r.salt, content_hash = r.content_hash, prev_hash = r.prev_hash, hash = r.hash
    WHERE id = r.id;
    v_prev := r.hash;
  END LOOP;
END
$$;
-- Checkpoints keep their places and take the new hashes (the old ones are in audit_rehash's heads).
UPDATE audit_checkpoint k SET hash = e.hash FROM audit_event e WHERE e.chain = k.chain AND e.seq = k.seq;
UPDATE audit_rehash h SET new_hash = e.hash FROM audit_event e WHERE e.id = h.event_id;
ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_append_only;
ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only;
ALTER TABLE audit_event ALTER COLUMN salt SET NOT NULL, ALTER COLUMN content_hash SET NOT NULL;
CREATE TRIGGER audit_rehash_append_only BEFORE UPDATE OR DELETE ON audit_rehash
FOR EACH ROW EXECUTE FUNCTION audit_refuse();

-- 3. Append-only, except a redaction by user_erase(): only before/after/redacted_at change, once,
-- to the marker, with content_hash kept as the hash of what was removed.
CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('timelog.audit_redaction', true) = 'on'
     AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.before IS NULL
     AND NEW.content_hash = audit_content_hash(OLD.salt, OLD.before, OLD.after)
     AND (NEW.id, NEW.chain, NEW.seq, NEW.at, NEW.actor_fk, NEW.request_id, NEW.kind, NEW.entity, NEW.entity_id,
          NEW.prev_hash, NEW.hash, NEW.salt)
         IS NOT DISTINCT FROM (OLD.id, OLD.chain, OLD.seq, OLD.at, OLD.actor_fk, OLD.request_id, OLD.kind, OLD.entity,
          OLD.entity_id, OLD.prev_hash, OLD.hash, OLD.salt) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'The audit trail is append-only.' USING ERRCODE = 'TL403', HINT = 'audit_append_only';
END
$$;
DROP TRIGGER audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_guard();

-- 4. While user_erase() removes what a person wrote (timelog.erasing = 'on', set and cleared by
-- it), the per-row triggers of those rows stand aside: a locked week's notes may be removed, and
-- no row event re-publishes the note being removed (in the audit trail or a webhook). The
-- user.erased event accounts for all of it.
CREATE FUNCTION erasing() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('timelog.erasing', true), '') = 'on'
$$;

CREATE OR REPLACE FUNCTION timelog_lock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF erasing() AND TG_OP = 'UPDATE' THEN
    RETURN NEW;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM timelog_assert_unlocked(OLD.user_fk, OLD.start_time, OLD.end_time);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM timelog_assert_unlocked(NEW.user_fk, NEW.start_time, NEW.end_time);
    RETURN NEW;
  END IF;
  RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION audit_timelog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF erasing() THEN
    RETURN NULL;
  END IF;
  PERFORM audit_append(
    CASE TG_OP WHEN 'DELETE' THEN OLD.user_fk ELSE NEW.user_fk END,
    'timelog.' || CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
    'timelog', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text,
    CASE WHEN TG_OP <> 'INSERT' THEN timelog_json(OLD) - 'locked' END,
    CASE WHEN TG_OP <> 'DELETE' THEN timelog_json(NEW) - 'locked' END);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION webhook_timelog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF erasing() THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM webhook_enqueue('timelog.deleted', timelog_json(OLD) - 'locked');
    RETURN NULL;
  END IF;
  PERFORM webhook_enqueue(CASE TG_OP WHEN 'INSERT' THEN 'timelog.created' ELSE 'timelog.updated' END,
    timelog_json(NEW) - 'locked');
  IF NEW.end_time IS NULL AND (TG_OP = 'INSERT' OR OLD.end_time IS NOT NULL) THEN
    PERFORM webhook_enqueue('timer.started', timelog_json(NEW) - 'locked');
  ELSIF TG_OP = 'UPDATE' AND OLD.end_time IS NULL AND NEW.end_time IS NOT NULL THEN
    PERFORM webhook_enqueue('timer.stopped', timelog_json(NEW) - 'locked');
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION absence_lock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tz text;
BEGIN
  IF erasing() AND TG_OP = 'UPDATE' THEN
    RETURN NEW;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    tz := user_time_zone(OLD.user_fk);
    PERFORM timelog_assert_unlocked(OLD.user_fk, OLD.first_day::timestamp AT TIME ZONE tz,
                                    (OLD.last_day + 1)::timestamp AT TIME ZONE tz);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    tz := user_time_zone(NEW.user_fk);
    PERFORM timelog_assert_unlocked(NEW.user_fk, NEW.first_day::timestamp AT TIME ZONE tz,
                                    (NEW.last_day + 1)::timestamp AT TIME ZONE tz);
    RETURN NEW;
  END IF;
  RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION absence_after_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_kind text := CASE WHEN TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN NEW.status
                      ELSE 'updated' END;
  v_body jsonb;
BEGIN
  IF erasing() THEN
    RETURN NULL;
  END IF;
  v_body := absence_json(NEW);
  PERFORM audit_append(NEW.user_fk, 'absence.' || v_kind, 'absence', NEW.id::text,
    CASE WHEN TG_OP = 'UPDATE' THEN absence_json(OLD) END, v_body);
  IF v_kind <> 'updated' THEN
    PERFORM webhook_enqueue('absence.' || v_kind, v_body);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_timesheet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF erasing() THEN
    RETURN NULL;
  END IF;
  PERFORM audit_append(NEW.user_fk,
    'timesheet.' || CASE NEW.status WHEN 'open' THEN 'reopened' ELSE NEW.status END,
    'timesheet', iso_week(NEW.week),
    CASE WHEN TG_OP = 'UPDATE' THEN timesheet_audit_json(OLD) END, timesheet_audit_json(NEW));
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION webhook_timesheet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF erasing() THEN
    RETURN NULL;
  END IF;
  PERFORM webhook_enqueue('timesheet.' || CASE NEW.status WHEN 'open' THEN 'reopened' ELSE NEW.status END,
    jsonb_build_object('user_fk', NEW.user_fk) || timesheet_audit_json(NEW));
  RETURN NULL;
END
$$;

-- 5. An erased account stays erased: no reactivation, no role, no new credentials or address.
-- Pseudonyms are reserved for erased accounts (checked on new and changed rows only: NOT VALID).
ALTER TABLE app_user ADD CONSTRAINT app_user_pseudonym_reserved CHECK (
  erased_at IS NOT NULL OR (username !~* '^erased-[0-9]+$' AND email !~* '@erased\.invalid$')) NOT VALID;

CREATE FUNCTION app_user_erased_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.erased_at IS NOT NULL AND (NEW.erased_at IS DISTINCT FROM OLD.erased_at OR NEW.is_active
     OR NEW.is_superuser AND NOT OLD.is_superuser OR NEW.email IS DISTINCT FROM OLD.email
     OR NEW.username IS DISTINCT FROM OLD.username OR NEW.password_hash IS DISTINCT FROM OLD.password_hash) THEN
    RAISE EXCEPTION 'This account was erased; it cannot be reactivated or given new credentials.'
      USING ERRCODE = 'TL409', HINT = 'user_erased';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER app_user_erased_guard BEFORE UPDATE ON app_user FOR EACH ROW EXECUTE FUNCTION app_user_erased_guard();

-- 6. Erasure, in one statement: the person's identifying data removed or replaced, their records
-- kept under a pseudonym, the audit events about them redacted and the erasure audited. NULL when
-- there is no such user (404). The caller is a superuser (the request's login check says so).
CREATE FUNCTION user_erase(p_actor integer, p_user integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
  v_email jsonb;
  v_name jsonb;
  v_ids bigint[];
  v_erasure bigint;
  n_sessions integer;
  n_tokens integer;
  n_notes integer;
  n_comments integer;
  n_webhooks integer;
BEGIN
  IF p_actor = p_user THEN
    RAISE EXCEPTION 'Nobody erases their own account; another superuser must.'
      USING ERRCODE = 'TL403', HINT = 'cannot_erase_self';
  END IF;
  -- The person's chain first: nothing is appended about them while their events are collected.
  PERFORM pg_advisory_xact_lock(7011, p_user);
  SELECT * INTO u FROM app_user WHERE id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF u.erased_at IS NOT NULL THEN
    RAISE EXCEPTION 'This account is already erased.' USING ERRCODE = 'TL409', HINT = 'user_erased';
  END IF;
  v_email := to_jsonb(u.email);
  v_name := to_jsonb(u.username);

  PERFORM set_config('timelog.erasing', 'on', true);
  -- Notes they wrote: on their time logs and absences, and comments they wrote deciding weeks and
  -- absences (a rejected week must say why: it keeps a placeholder).
  UPDATE timelog SET note = NULL WHERE user_fk = p_user AND note IS NOT NULL;
  GET DIAGNOSTICS n_notes = ROW_COUNT;
  UPDATE absence SET note = NULL WHERE user_fk = p_user AND note IS NOT NULL;
  UPDATE absence SET comment = NULL WHERE acted_by = p_user AND comment IS NOT NULL;
  UPDATE timesheet SET comment = CASE WHEN status = 'rejected' THEN '(erased)' END
  WHERE acted_by = p_user AND comment IS NOT NULL;
  GET DIAGNOSTICS n_comments = ROW_COUNT;
  PERFORM set_config('timelog.erasing', '', true);

  UPDATE app_user SET username = 'erased-' || id, email = 'erased-' || id || '@erased.invalid',
    -- Not a hash any password verifies against: sign-in answers invalid credentials.
    password_hash = 'erased', is_active = false, is_verified = false, erased_at = now()
  WHERE id = p_user;
  UPDATE session SET revoked_at = now(), revoked_reason = 'erased' WHERE user_fk = p_user AND revoked_at IS NULL;
  GET DIAGNOSTICS n_sessions = ROW_COUNT;
  UPDATE api_token SET revoked_at = coalesce(revoked_at, now()), name = 'erased' WHERE user_fk = p_user;
  GET DIAGNOSTICS n_tokens = ROW_COUNT;
  DELETE FROM user_totp WHERE user_fk = p_user;
  DELETE FROM totp_recovery_code WHERE user_fk = p_user;
  DELETE FROM account_token WHERE user_fk = p_user;
  DELETE FROM notification_setting WHERE user_fk = p_user;
  DELETE FROM reminder_sent WHERE user_fk = p_user;
  DELETE FROM invitation WHERE lower(email) = lower(u.email) OR accepted_user_fk = p_user;
  DELETE FROM email_outbox WHERE user_fk = p_user OR lower(to_address) = lower(u.email);
  -- Webhook payloads (delivered or not) that carry them: their notes go, a user event shows the
  -- pseudonym. Receivers that already got one keep their copy; that is theirs to erase.
  UPDATE webhook_event w SET data = CASE WHEN w.type LIKE 'user.%' THEN (SELECT user_json(a) FROM app_user a WHERE a.id = p_user)
                                         ELSE w.data - 'note' - 'comment' END
  WHERE w.data ->> 'user_fk' = p_user::text OR (w.type LIKE 'user.%' AND w.data ->> 'id' = p_user::text)
     OR jsonb_path_exists(w.data, '$.** ? (@ == $v)', jsonb_build_object('v', v_email))
     OR jsonb_path_exists(w.data, '$.** ? (@ == $v)', jsonb_build_object('v', v_name));
  GET DIAGNOSTICS n_webhooks = ROW_COUNT;

  -- The audit events about them: their chain, events on their account, and any event holding
  -- their address or username as a value (e.g. an invitation). Including those this erasure wrote.
  SELECT coalesce(array_agg(e.id ORDER BY e.id), '{}') INTO v_ids FROM audit_event e
  WHERE e.redacted_at IS NULL AND e.kind <> 'user.erased'
    AND (e.chain = p_user OR (e.entity = 'user' AND e.entity_id = p_user::text)
         OR jsonb_path_exists(jsonb_build_array(e.before, e.after), '$.** ? (@ == $v)',
                              jsonb_build_object('v', v_email))
         OR jsonb_path_exists(jsonb_build_array(e.before, e.after), '$.** ? (@ == $v)',
                              jsonb_build_object('v', v_name)));
  PERFORM audit_append(p_user, 'user.erased', 'user', p_user::text, NULL, jsonb_build_object(
    'redacted_events', cardinality(v_ids), 'redacted_ids', to_jsonb(v_ids), 'sessions_revoked', n_sessions,
    'api_tokens', n_tokens, 'notes_removed', n_notes, 'comments_removed', n_comments,
    'webhook_payloads_scrubbed', n_webhooks));
  SELECT id INTO v_erasure FROM audit_event WHERE chain = p_user ORDER BY seq DESC LIMIT 1;
  PERFORM set_config('timelog.audit_redaction', 'on', true);
  UPDATE audit_event SET content_hash = audit_content_hash(salt, before, after), before = NULL,
    after = jsonb_build_object('redacted', true, 'erasure', v_erasure), redacted_at = now()
  WHERE id = ANY (v_ids);
  PERFORM set_config('timelog.audit_redaction', '', true);
  RETURN (SELECT user_json(a) FROM app_user a WHERE a.id = p_user);
END
$$;

-- 7. Export: everything the API keeps about one person, as one document, in one statement. NULL
-- when the viewer may not see them (themselves, or a superuser). A superuser exporting someone
-- else is audited (user.exported, on that person's chain).
CREATE FUNCTION user_export(p_viewer integer, p_user integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
  doc jsonb;
BEGIN
  SELECT * INTO u FROM app_user WHERE id = p_user AND (id = p_viewer OR user_is_superuser(p_viewer));
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  doc := jsonb_build_object(
    'exported_at', api_time(now()),
    'profile', user_json(u),
    'time_logs', coalesce((SELECT jsonb_agg(timelog_json(t, false) - 'locked' ORDER BY t.start_time, t.id)
                           FROM timelog t WHERE t.user_fk = p_user), '[]'),
    'timesheets', coalesce((SELECT jsonb_agg(timesheet_audit_json(s) ORDER BY s.week)
                            FROM timesheet s WHERE s.user_fk = p_user), '[]'),
    'absences', coalesce((SELECT jsonb_agg(absence_json(a) ORDER BY a.first_day, a.id)
                          FROM absence a WHERE a.user_fk = p_user), '[]'),
    'allowances', coalesce((SELECT jsonb_agg(allowance_json(l) ORDER BY l.year, l.type_fk)
                            FROM absence_allowance l WHERE l.user_fk = p_user), '[]'),
    'time_adjustments', coalesce((SELECT jsonb_agg(time_adjustment_json(a) ORDER BY a.day, a.id)
                                  FROM time_adjustment a WHERE a.user_fk = p_user), '[]'),
    -- Metadata only: never a token's hash or a session's id (part of its credentials).
    'api_tokens', coalesce((SELECT jsonb_agg(jsonb_build_object('id', k.id, 'name', k.name, 'prefix', k.prefix,
        'scopes', to_jsonb(k.scopes), 'created_at', api_time(k.created_at), 'last_used_at', api_time(k.last_used_at),
        'expires_at', api_time(k.expires_at), 'revoked_at', api_time(k.revoked_at)) ORDER BY k.id)
      FROM api_token k WHERE k.user_fk = p_user), '[]'),
    'sessions', coalesce((SELECT jsonb_agg(jsonb_build_object('created_at', api_time(s.created_at),
        'expires_at', api_time(s.expires_at), 'revoked_at', api_time(s.revoked_at), 'revoked_reason', s.revoked_reason)
        ORDER BY s.created_at) FROM session s WHERE s.user_fk = p_user), '[]'),
    'audit_events', coalesce((SELECT jsonb_agg(jsonb_build_object('id', e.id, 'at', api_time(e.at),
        'actor_fk', e.actor_fk, 'kind', e.kind, 'user_fk', nullif(e.chain, 0), 'entity', e.entity,
        'entity_id', e.entity_id, 'before', e.before, 'after', e.after, 'redacted', e.redacted_at IS NOT NULL)
        ORDER BY e.id) FROM audit_event e WHERE e.chain = p_user OR e.actor_fk = p_user), '[]'),
    'invitations', coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.id, 'email', i.email, 'role', i.role,
        'team_fk', i.team_fk, 'position_fk', i.position_fk, 'created_at', api_time(i.created_at),
        'expires_at', api_time(i.expires_at), 'accepted_at', api_time(i.accepted_at),
        'revoked_at', api_time(i.revoked_at)) ORDER BY i.id)
      FROM invitation i WHERE lower(i.email) = lower(u.email) OR i.accepted_user_fk = p_user), '[]'),
    'notification_settings', coalesce((SELECT to_jsonb(n) - 'user_fk' FROM notification_setting n WHERE n.user_fk = p_user),
      jsonb_build_object('timer_forgotten', true, 'timesheet_overdue', true, 'absence_pending', true)),
    -- What was sent, not what it said (the data may name others; the link secret never leaves).
    'emails', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'to', m.to_address, 'template', m.template,
        'status', m.status, 'attempts', m.attempts, 'created_at', api_time(m.created_at),
        'sent_at', api_time(m.sent_at)) ORDER BY m.id)
      FROM email_outbox m WHERE m.user_fk = p_user OR lower(m.to_address) = lower(u.email)), '[]'));
  IF p_viewer <> p_user THEN
    PERFORM audit_append(p_user, 'user.exported', 'user', p_user::text, NULL,
      jsonb_build_object('time_logs', jsonb_array_length(doc -> 'time_logs')));
  END IF;
  RETURN doc;
END
$$;
