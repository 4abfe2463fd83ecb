-- Erasure, revised (review of issue 23 §6).
-- 1. What an erasure redacts is chosen by structure: the person's chain, events on their account,
--    and events whose content names them in a field that holds a person (user_fk, acted_by, ...),
--    or holds their email address (unique, contains '@'). Never their username or free text as a
--    value: erasing a user named "submitted" must not redact anyone's timesheet.submitted.
-- 2. Which events an erasure redacted is kept in audit_redaction (one row per event, a key lookup
--    for verification) instead of a per-event scan of the erasure's id array; the erasure event's
--    hashed content carries the hash of the sorted id list, so rows cannot be added or removed
--    unnoticed. Erasures made under 0041 are carried over from their redacted_ids.
-- 3. More personal data goes: nested webhook payloads, emails to others naming the person,
--    idempotency answers, sign-in and reset throttle rows.
-- 4. Two erasures redacting the same event: the second skips it (row locks, redacted_at IS NULL).

-- The fields of audit and webhook content that hold a person's id.
CREATE FUNCTION names_person(p_doc jsonb, p_user integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_path_exists(p_doc,
    'lax $.** ? (@.user_fk == $v || @.acted_by == $v || @.actor_fk == $v || @.invited_by == $v
                 || @.accepted_user_fk == $v || @.recipient_fk == $v)',
    jsonb_build_object('v', p_user))
$$;

-- p_doc without the given keys, at any depth.
CREATE FUNCTION jsonb_strip_keys(p_doc jsonb, p_keys text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(p_doc)
    WHEN 'object' THEN coalesce((SELECT jsonb_object_agg(k, jsonb_strip_keys(v, p_keys))
                                 FROM jsonb_each(p_doc) AS x(k, v) WHERE k <> ALL (p_keys)), '{}'::jsonb)
    WHEN 'array' THEN coalesce((SELECT jsonb_agg(jsonb_strip_keys(v, p_keys) ORDER BY n)
                                FROM jsonb_array_elements(p_doc) WITH ORDINALITY AS x(v, n)), '[]'::jsonb)
    ELSE p_doc END
$$;

-- The hash an erasure event holds over the ids it redacted (sorted, comma-separated).
CREATE FUNCTION audit_ids_hash(p_ids bigint[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(array_to_string(
    ARRAY(SELECT i FROM unnest(coalesce(p_ids, '{}')) i ORDER BY i), ','), 'UTF8')), 'hex')
$$;

CREATE TABLE audit_redaction (
  event_id bigint PRIMARY KEY REFERENCES audit_event (id),
  erasure_id bigint NOT NULL REFERENCES audit_event (id)
);
CREATE INDEX audit_redaction_erasure ON audit_redaction (erasure_id, event_id);
CREATE TRIGGER audit_redaction_append_only BEFORE UPDATE OR DELETE ON audit_redaction
FOR EACH ROW EXECUTE FUNCTION audit_refuse();
INSERT INTO audit_redaction (event_id, erasure_id)
SELECT r.id::bigint, x.id FROM audit_event x, jsonb_array_elements_text(x.after -> 'redacted_ids') r(id)
WHERE x.kind = 'user.erased' AND x.redacted_at IS NULL AND jsonb_typeof(x.after -> 'redacted_ids') = 'array'
ON CONFLICT DO NOTHING;

-- A redaction stands when its erasure (a later, unredacted user.erased event) lists it: one key lookup.
CREATE OR REPLACE FUNCTION audit_redaction_ok(e audit_event) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT e.before IS NULL AND jsonb_typeof(e.after -> 'erasure') = 'number'
     AND e.after = jsonb_build_object('redacted', true, 'erasure', e.after -> 'erasure')
     AND (e.after ->> 'erasure') ~ '^[0-9]{1,18}$'
     AND EXISTS (SELECT FROM audit_redaction r JOIN audit_event x ON x.id = r.erasure_id
                 WHERE r.event_id = e.id AND r.erasure_id = (e.after ->> 'erasure')::bigint AND x.id > e.id
                   AND x.kind = 'user.erased' AND x.redacted_at IS NULL)
$$;

-- An erasure's list (audit_redaction) matches what its hashed content says: the hash of its ids
-- (or, for 0041's erasures, the ids themselves). One index range per erasure event.
CREATE FUNCTION audit_erasure_list_ok(e audit_event) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT e.kind <> 'user.erased' OR e.after IS NULL
      OR audit_ids_hash(ARRAY(SELECT r.event_id FROM audit_redaction r WHERE r.erasure_id = e.id))
         = coalesce(e.after ->> 'redacted_ids_sha256',
                    audit_ids_hash(ARRAY(SELECT jsonb_array_elements_text(e.after -> 'redacted_ids'))::bigint[]))
$$;

CREATE OR REPLACE FUNCTION audit_digest(e audit_event) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT audit_link_hash(e,
    CASE WHEN e.redacted_at IS NULL AND audit_erasure_list_ok(e) THEN audit_content_hash(e.salt, e.before, e.after)
         WHEN e.redacted_at IS NULL THEN 'an erasure whose list of redactions was altered'
         WHEN audit_redaction_ok(e) THEN e.content_hash
         ELSE 'a redaction no erasure accounts for' END)
$$;

CREATE OR REPLACE FUNCTION user_erase(p_actor integer, p_user integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  u app_user;
  v_email jsonb;
  v_pseudonym text := 'erased-' || p_user;
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

  UPDATE app_user SET username = v_pseudonym, email = v_pseudonym || '@erased.invalid',
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
  -- Stored answers may hold what they wrote; throttle rows hold their address.
  DELETE FROM idempotency_key WHERE user_fk = p_user;
  DELETE FROM auth_attempt WHERE lower(account) = lower(u.email);
  DELETE FROM password_reset_attempt WHERE lower(account) = lower(u.email);
  DELETE FROM invitation WHERE lower(email) = lower(u.email) OR accepted_user_fk = p_user;
  DELETE FROM email_outbox WHERE user_fk = p_user OR lower(to_address) = lower(u.email);
  -- Emails to other people that name them, in the fields that hold a person's name.
  UPDATE email_outbox SET data = data || jsonb_build_object('invited_by', v_pseudonym)
  WHERE template = 'invitation' AND data ->> 'invited_by' = u.username;
  UPDATE email_outbox SET data = data || jsonb_build_object('person', v_pseudonym)
  WHERE template = 'absence_pending' AND data ->> 'person' = u.username;
  -- Webhook payloads (delivered or not) that carry them, at any depth: a user event shows the
  -- pseudonym; elsewhere what they wrote goes (notes and comments of payloads about them, the
  -- comments of decisions they made). Receivers that already got one keep their copy.
  UPDATE webhook_event w SET data = CASE
      WHEN w.type LIKE 'user.%' AND w.data ->> 'id' = p_user::text THEN (SELECT user_json(a) FROM app_user a WHERE a.id = p_user)
      ELSE jsonb_strip_keys(w.data, ARRAY['note', 'comment']) END
  WHERE (w.type LIKE 'user.%' AND w.data ->> 'id' = p_user::text) OR names_person(w.data, p_user)
     OR jsonb_path_exists(w.data, '$.** ? (@ == $v)', jsonb_build_object('v', v_email));
  GET DIAGNOSTICS n_webhooks = ROW_COUNT;

  -- The audit events about them: their chain, events on their account, events whose content names
  -- them in a person field or holds their address. Locked, so a concurrent erasure's redactions
  -- are seen (and skipped) once it commits.
  SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') INTO v_ids FROM (
    SELECT e.id FROM audit_event e
    WHERE e.redacted_at IS NULL AND e.kind <> 'user.erased'
      AND (e.chain = p_user OR (e.entity = 'user' AND e.entity_id = p_user::text)
           OR names_person(jsonb_build_array(e.before, e.after), p_user)
           OR jsonb_path_exists(jsonb_build_array(e.before, e.after), '$.** ? (@ == $v)',
                                jsonb_build_object('v', v_email)))
    -- In id order, so two erasures lock their common events in the same order (no deadlock).
    ORDER BY e.id FOR UPDATE) s;
  PERFORM audit_append(p_user, 'user.erased', 'user', p_user::text, NULL, jsonb_build_object(
    'redacted_events', cardinality(v_ids), 'redacted_ids_sha256', audit_ids_hash(v_ids),
    'sessions_revoked', n_sessions, 'api_tokens', n_tokens, 'notes_removed', n_notes,
    'comments_removed', n_comments, 'webhook_payloads_scrubbed', n_webhooks));
  SELECT id INTO v_erasure FROM audit_event WHERE chain = p_user ORDER BY seq DESC LIMIT 1;
  INSERT INTO audit_redaction (event_id, erasure_id) SELECT unnest(v_ids), v_erasure;
  PERFORM set_config('timelog.audit_redaction', 'on', true);
  UPDATE audit_event SET content_hash = audit_content_hash(salt, before, after), before = NULL,
    after = jsonb_build_object('redacted', true, 'erasure', v_erasure), redacted_at = now()
  WHERE id = ANY (v_ids) AND redacted_at IS NULL;
  PERFORM set_config('timelog.audit_redaction', '', true);
  RETURN (SELECT user_json(a) FROM app_user a WHERE a.id = p_user);
END
$$;
