-- Calendar feeds (issue 24 §4): a secret URL a calendar app subscribes to. A person's own feed (time
-- logs and absences) or a manager's feed of a team's absences. The token is the credential: only
-- its SHA-256 is stored, one live feed per person and team (creating again replaces the hash, so
-- the old URL dies), and the right to a team feed is checked when it is made AND when it is read.

CREATE TABLE calendar_feed (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  -- NULL: the owner's own feed; otherwise the team whose absences it shows.
  team_fk integer REFERENCES team (id) ON DELETE CASCADE,
  -- A unique key over (user_fk, team_fk) that treats "no team" as one value.
  team_key integer NOT NULL GENERATED ALWAYS AS (coalesce(team_fk, 0)) STORED,
  token_hash text NOT NULL CONSTRAINT calendar_feed_hash_key UNIQUE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT calendar_feed_one_per_scope UNIQUE (user_fk, team_key)
);

-- Deactivation (and erasure, which deactivates) ends a person's feeds for good: reactivated, they
-- make a new one. The read also checks is_active, so nothing is served in between.
CREATE FUNCTION calendar_feed_end_on_deactivation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM calendar_feed WHERE user_fk = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_calendar_feeds_end AFTER UPDATE OF is_active ON app_user FOR EACH ROW
WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION calendar_feed_end_on_deactivation();

-- Whether p_user may hold a feed of team p_team: its manager, or a superuser. Both the creation and
-- every read ask this, so a demoted manager's feed stops at once.
CREATE FUNCTION calendar_feed_team_allowed(p_user integer, p_team integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT user_is_superuser(p_user)
      OR EXISTS (SELECT 1 FROM team_member m WHERE m.team_fk = p_team AND m.user_fk = p_user AND m.role = 'manager')
$$;

-- Creates or replaces the caller's feed (p_team NULL: their own). NULL when the team does not exist
-- or the caller is not in it (404, as the absence calendar answers strangers); a member who does
-- not manage it is refused. Returns the answer's body and the replaced hash (to purge its cache).
CREATE FUNCTION calendar_feed_set(p_actor integer, p_team integer, p_hash text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  f calendar_feed;
  v_old text;
BEGIN
  IF p_team IS NOT NULL AND NOT calendar_feed_team_allowed(p_actor, p_team) THEN
    IF EXISTS (SELECT 1 FROM team_member m WHERE m.team_fk = p_team AND m.user_fk = p_actor) THEN
      RAISE EXCEPTION 'Only a manager of this team or a superuser may publish its absences.'
        USING ERRCODE = 'TL403', HINT = 'not_manager';
    END IF;
    RETURN NULL;
  END IF;
  IF p_team IS NOT NULL AND NOT EXISTS (SELECT 1 FROM team WHERE id = p_team) THEN
    RETURN NULL;
  END IF;
  SELECT token_hash INTO v_old FROM calendar_feed
  WHERE user_fk = p_actor AND team_key = coalesce(p_team, 0) FOR UPDATE;
  INSERT INTO calendar_feed (user_fk, team_fk, token_hash) VALUES (p_actor, p_team, p_hash)
  ON CONFLICT (user_fk, team_key) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()
  RETURNING * INTO f;
  -- Never the token or its hash: the audit says that a feed was made, and whether one died.
  PERFORM audit_append(p_actor, 'calendar_feed.created', 'calendar_feed', f.id::text, NULL,
    jsonb_build_object('user_fk', p_actor, 'team_fk', p_team, 'replaced', v_old IS NOT NULL));
  RETURN jsonb_build_object('old_hash', v_old, 'body', jsonb_build_object(
    'kind', CASE WHEN p_team IS NULL THEN 'person' ELSE 'team' END, 'team_fk', p_team,
    'created_at', api_time(f.created_at)));
END
$$;

-- Revokes the caller's feed; the hash it had (for the cache), or NULL when there was none (404).
-- No right is needed beyond owning it: a demoted manager may still delete their dead team feed.
CREATE FUNCTION calendar_feed_revoke(p_actor integer, p_team integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f calendar_feed;
BEGIN
  DELETE FROM calendar_feed WHERE user_fk = p_actor AND team_key = coalesce(p_team, 0) RETURNING * INTO f;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM audit_append(p_actor, 'calendar_feed.revoked', 'calendar_feed', f.id::text, NULL,
    jsonb_build_object('user_fk', p_actor, 'team_fk', p_team));
  RETURN f.token_hash;
END
$$;

-- An instant as iCalendar's UTC DATE-TIME (RFC 5545 §3.3.5, form 2) and a DATE (§3.3.4).
CREATE FUNCTION ics_utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')
$$;
CREATE FUNCTION ics_date(d date) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(d, 'YYYYMMDD')
$$;

-- Whether p_viewer sees the reason for p_user's absence: the rule of absence_calendar_json (0028)
-- for one pair (themselves, a superuser, or a member of a team they manage who does not manage them).
CREATE FUNCTION absence_reason_visible(p_viewer integer, p_user integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_viewer = p_user OR user_is_superuser(p_viewer) OR (
    EXISTS (SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
            WHERE m.user_fk = p_viewer AND m.role = 'manager' AND t.role = 'member' AND t.user_fk = p_user)
    AND NOT EXISTS (SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
                    WHERE m.role = 'manager' AND m.user_fk = p_user AND t.user_fk = p_viewer AND t.role = 'member'))
$$;

-- A feed's content by its token's hash, from 90 days back to 90 days ahead, or NULL: unknown or
-- revoked hash, owner deactivated or erased, or a team feed whose owner no longer manages the team.
-- Events: {uid, start, end, date (all day), summary, description, status, stamp}; the worker writes
-- them as iCalendar (src/calendar/ics.ts). Requested absences are TENTATIVE, approved CONFIRMED.
CREATE FUNCTION calendar_feed_json(p_hash text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH f AS (
    SELECT f.user_fk, f.team_fk, u.username, tm.name AS team
    FROM calendar_feed f
    JOIN app_user u ON u.id = f.user_fk AND u.is_active AND u.erased_at IS NULL
    LEFT JOIN team tm ON tm.id = f.team_fk
    WHERE f.token_hash = p_hash AND (f.team_fk IS NULL OR calendar_feed_team_allowed(f.user_fk, f.team_fk))),
  span AS (SELECT now() - interval '90 days' AS first, now() + interval '90 days' AS after),
  logs AS (
    SELECT jsonb_build_object('uid', 'timelog-' || t.id, 'start', ics_utc(t.start_time),
      -- A running timer shows up to now: the feed is a snapshot, refreshed by the calendar app.
      'end', ics_utc(coalesce(t.end_time, greatest(now(), t.start_time + interval '1 minute'))),
      'summary', p.secret_name || coalesce(' · ' || k.name, '') || CASE WHEN t.end_time IS NULL THEN ' (running)' ELSE '' END,
      'description', t.note, 'status', 'CONFIRMED', 'stamp', ics_utc(t.updated_at)) AS e, t.start_time AS at
    FROM f CROSS JOIN span
    JOIN timelog t ON t.user_fk = f.user_fk AND f.team_fk IS NULL
      AND t.start_time < span.after AND coalesce(t.end_time, now()) > span.first
    JOIN project p ON p.id = t.project_fk
    LEFT JOIN task k ON k.id = t.task_fk),
  away AS (
    SELECT a.*, u.username, ty.name AS type, absence_reason_visible(f.user_fk, a.user_fk) AS sees, f.team_fk AS feed_team
    FROM f CROSS JOIN span
    JOIN absence a ON a.status IN ('requested', 'approved')
      AND a.last_day >= span.first::date AND a.first_day < span.after::date
      AND (CASE WHEN f.team_fk IS NULL THEN a.user_fk = f.user_fk
                ELSE a.user_fk IN (SELECT m.user_fk FROM team_member m WHERE m.team_fk = f.team_fk) END)
    JOIN app_user u ON u.id = a.user_fk
    JOIN absence_type ty ON ty.id = a.type_fk),
  absences AS (
    SELECT jsonb_build_object(
      -- The same absence in a team feed is another calendar's event: its own UID.
      'uid', 'absence-' || w.id || CASE WHEN w.feed_team IS NULL THEN '' ELSE '.team-' || w.feed_team END,
      'date', ics_date(w.first_day), 'end_date', ics_date(w.last_day + 1),
      'summary', CASE WHEN w.feed_team IS NULL THEN '' ELSE w.username || ': ' END
        || CASE WHEN w.sees THEN w.type ELSE 'away' END
        || CASE w.half_day WHEN 'am' THEN ' (morning)' WHEN 'pm' THEN ' (afternoon)' ELSE '' END
        || CASE WHEN w.status = 'requested' THEN ' (requested)' ELSE '' END,
      -- Notes are the person's own: only in their own feed.
      'description', CASE WHEN w.feed_team IS NULL THEN w.note END,
      'status', CASE WHEN w.status = 'approved' THEN 'CONFIRMED' ELSE 'TENTATIVE' END,
      'stamp', ics_utc(w.updated_at)) AS e, w.first_day::timestamptz AS at
    FROM away w)
  SELECT jsonb_build_object(
    'name', CASE WHEN f.team_fk IS NULL THEN 'TimeLog: ' || f.username ELSE 'TimeLog: ' || f.team || ' absences' END,
    'events', coalesce((SELECT jsonb_agg(x.e ORDER BY x.at, x.e ->> 'uid')
                        FROM (SELECT * FROM logs UNION ALL SELECT * FROM absences) x), '[]'))
  FROM f
$$;

-- Audit kinds and entities for issue 24 §4 (the API's enums are tested against this list).
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
  'calendar_feed.created', 'calendar_feed.revoked'));
ALTER TABLE audit_event DROP CONSTRAINT audit_event_entity_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_entity_known CHECK (entity IN (
  'timelog', 'timesheet', 'team', 'user', 'settings', 'webhook',
  'absence', 'absence_type', 'allowance', 'holiday_calendar', 'holiday', 'work_schedule', 'time_adjustment',
  'invitation', 'calendar_feed'));
