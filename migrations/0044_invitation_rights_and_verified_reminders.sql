-- Issue 23 review fixes (invitations and reminders). A manager's invitation rights are "their
-- teams, role member only" everywhere, not only at creation: resending or revoking one is making
-- or unmaking it (invitation_renew), the position a manager names is one anybody could sign up for
-- (registration_begin's rule), and the team an invitation puts its invitee in is checked against
-- the inviter's rights at accept time. Resending an expired invitation while a newer one is pending
-- would leave two live links: it is refused as invitation_create refuses it, under the same lock.
-- Reminders email verified addresses only (a stranger's address typed at sign-up is not mailed
-- every week); the webhook event still goes.

-- What invitation_create lets a non-superuser make: a member of a team they manage now.
CREATE FUNCTION invitation_may_invite(p_actor integer, p_team integer, p_role text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT user_is_superuser(p_actor) OR (p_team IS NOT NULL AND p_role = 'member' AND EXISTS (
    SELECT 1 FROM team_member WHERE team_fk = p_team AND user_fk = p_actor AND role = 'manager'))
$$;

CREATE OR REPLACE FUNCTION invitation_create(p_actor integer, p_email text, p_position integer, p_team integer,
                                             p_role text, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  i invitation;
  open boolean;
BEGIN
  IF NOT invitation_may_invite(p_actor, p_team, p_role) THEN
    RAISE EXCEPTION 'Superusers invite anyone; a team''s managers invite members into that team (team_fk, role member).'
      USING ERRCODE = 'TL403', HINT = 'not_manager';
  END IF;
  -- Positions are a superuser's to assign; a manager may name one anybody could sign up for.
  IF p_position IS NOT NULL AND NOT user_is_superuser(p_actor) THEN
    SELECT open_for_registration INTO open FROM position WHERE id = p_position FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'position_fk does not name a position.' USING ERRCODE = 'TL422', HINT = 'unknown_position';
    END IF;
    IF NOT open THEN
      RAISE EXCEPTION 'Managers may only name a position open for self-registration; a superuser assigns the others.'
        USING ERRCODE = 'TL403', HINT = 'position_not_open';
    END IF;
  END IF;
  -- One decision per address at a time: parallel invitations of one address (or an invitation
  -- racing a registration's unique index, or a resend) serialise here.
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

-- Revoke (p_hash NULL) or resend. A manager sees their teams' invitations (404 otherwise) but acts
-- only on those they could make (403). The address lock is taken before the row lock, in the
-- order invitation_create takes it, and the check for a newer pending invitation runs under it.
CREATE OR REPLACE FUNCTION invitation_renew(p_actor integer, p_id integer, p_hash text, p_secret text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  i invitation;
BEGIN
  SELECT * INTO i FROM invitation WHERE id = p_id;
  IF NOT FOUND OR NOT invitation_visible(p_actor, i) THEN
    RETURN NULL;
  END IF;
  IF NOT invitation_may_invite(p_actor, i.team_fk, i.role) THEN
    RAISE EXCEPTION 'A team''s managers resend and revoke only member invitations of that team.'
      USING ERRCODE = 'TL403', HINT = 'not_manager';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('invite:' || lower(i.email), 0));
  SELECT * INTO i FROM invitation WHERE id = p_id FOR UPDATE;
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
    IF EXISTS (SELECT 1 FROM invitation v WHERE lower(v.email) = lower(i.email) AND v.id <> i.id
               AND invitation_status(v) = 'pending') THEN
      RAISE EXCEPTION 'That email has a newer pending invitation; resend that one instead.'
        USING ERRCODE = 'TL409', HINT = 'invitation_pending';
    END IF;
    UPDATE invitation SET token_hash = p_hash, expires_at = now() + interval '7 days', sent_at = now()
    WHERE id = p_id RETURNING * INTO i;
    PERFORM email_enqueue(i.email, 'invitation', invitation_email_data(i), NULL, p_secret);
    PERFORM audit_append(0, 'invitation.resent', 'invitation', i.id::text, NULL, NULL);
  END IF;
  RETURN invitation_json(i);
END
$$;

-- Accepting, as in 0038, except the membership: it is applied only while the inviter may still
-- make that invitation (a superuser, or still a manager of the team). Otherwise the account is
-- made without the team (the invitation was to the company too, and the link is the invitee's):
-- a manager removed from the team no longer places people in it.
CREATE OR REPLACE FUNCTION invitation_accept(p_hash text, p_username text, p_password_hash text)
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
  IF i.team_fk IS NOT NULL AND invitation_may_invite(i.invited_by, i.team_fk, i.role) THEN
    INSERT INTO team_member (team_fk, user_fk, role) VALUES (i.team_fk, new_user, i.role);
  END IF;
  PERFORM set_config('timelog.actor', new_user::text, true);
  PERFORM audit_append(0, 'invitation.accepted', 'invitation', i.id::text, NULL,
    jsonb_build_object('user_fk', new_user));
  RETURN new_user;
END
$$;

-- Reminders as in 0040; only 'mailable' changes: the address must be verified (is_verified).
CREATE OR REPLACE FUNCTION reminders_run(p_now timestamptz DEFAULT now())
RETURNS TABLE (reminder text, recipient integer, about text, emailed boolean) LANGUAGE sql AS $$
  WITH s AS MATERIALIZED (SELECT * FROM company_settings),
  -- Only active people who were not erased get anything, and only about their own active work.
  people AS MATERIALIZED (
    SELECT u.id, u.email, u.username, u.is_superuser, u.registered_at, u.weekly_hours, u.position_fk,
           coalesce(u.time_zone, s.default_time_zone) AS tz,
           coalesce(n.timer_forgotten, true) AS want_timer, coalesce(n.timesheet_overdue, true) AS want_sheet,
           coalesce(n.absence_pending, true) AS want_absence,
           -- The outbox's own check (0036): an address it would refuse gets no email, and does
           -- not make the whole tick fail for everyone else. An unverified address may be a
           -- stranger's (open registration): it gets no reminder email either.
           (u.is_verified AND char_length(u.email) BETWEEN 3 AND 320 AND u.email !~ '[\r\n\x00,;<>"\s]'
            AND u.email ~ '^[^@]+@[^@]+$') AS mailable
    FROM app_user u CROSS JOIN s LEFT JOIN notification_setting n ON n.user_fk = u.id
    WHERE u.is_active AND u.erased_at IS NULL),
  timers AS (
    SELECT 'timer_forgotten'::text AS kind, p.id AS user_fk, t.id::text AS occasion, p.email,
           p.want_timer AND p.mailable AS mail,
           jsonb_build_object('time_log_fk', t.id, 'started_at', api_time(t.start_time),
             'started_local', reminder_local(t.start_time, p.tz), 'time_zone', p.tz,
             'hours', floor(extract(epoch FROM p_now - t.start_time) / 3600)::int) AS email_data,
           'timer.forgotten'::text AS event, timelog_json(t) - 'locked' AS event_data
    FROM timelog t JOIN people p ON p.id = t.user_fk CROSS JOIN s
    WHERE t.end_time IS NULL AND t.start_time <= p_now - s.reminder_timer_hours * interval '1 hour'),
  -- Last ISO week, for each person whose local time is past this week's Monday submit time (also
  -- later in the week: a tick missed on Monday is made up), not reminded of it yet, and whose
  -- account existed before that week ended. MATERIALIZED: the tests below run on these few.
  sheet_candidates AS MATERIALIZED (
    SELECT p.*, w.monday, w.due, w.week_start, w.week_end, coalesce(ts.status, 'open') AS status
    FROM people p CROSS JOIN s
    CROSS JOIN LATERAL (SELECT date_trunc('week', p_now AT TIME ZONE p.tz) AS local_monday) l
    CROSS JOIN LATERAL (SELECT (l.local_monday - interval '7 days')::date AS monday,
                               (l.local_monday + s.reminder_submit_time) AT TIME ZONE p.tz AS due,
                               (l.local_monday - interval '7 days') AT TIME ZONE p.tz AS week_start,
                               l.local_monday AT TIME ZONE p.tz AS week_end) w
    LEFT JOIN timesheet ts ON ts.user_fk = p.id AND ts.week = w.monday
    WHERE p_now >= w.due AND p.registered_at < w.week_end
      AND coalesce(ts.status, 'open') IN ('open', 'rejected')
      AND NOT EXISTS (SELECT FROM reminder_sent r
                      WHERE r.kind = 'timesheet_overdue' AND r.user_fk = p.id AND r.occasion = iso_week(w.monday))),
  -- A week owes a timesheet when the person logged time in it or is scheduled to work: the
  -- schedule in force at the week's end (their dated schedule, else their weekly_hours, else their
  -- position's schedule, else its weekly_hours, as the working-time account decides per day) has
  -- hours. Holidays and absences do not make a week owe nothing: it is still submitted. Index
  -- lookups only, no per-day calculation: thousands of people fit in a tick's statement timeout.
  sheets AS (
    SELECT 'timesheet_overdue'::text AS kind, c.id AS user_fk, iso_week(c.monday) AS occasion, c.email,
           c.want_sheet AND c.mailable AS mail,
           jsonb_build_object('week', iso_week(c.monday), 'status', c.status, 'due_at', api_time(c.due),
             'due_local', reminder_local(c.due, c.tz), 'time_zone', c.tz) AS email_data,
           'timesheet.overdue'::text AS event,
           jsonb_build_object('user_fk', c.id, 'week', iso_week(c.monday), 'status', c.status,
             'due_at', api_time(c.due)) AS event_data
    FROM sheet_candidates c
    WHERE EXISTS (SELECT FROM timelog t
                  WHERE t.user_fk = c.id AND t.start_time >= c.week_start AND t.start_time < c.week_end)
       OR coalesce(
            (SELECT sum(h) > 0 FROM work_schedule w, unnest(w.hours) h
             WHERE w.id = (SELECT x.id FROM work_schedule x WHERE x.user_fk = c.id AND x.effective_from <= c.monday + 6
                           ORDER BY x.effective_from DESC LIMIT 1)),
            c.weekly_hours > 0,
            (SELECT sum(h) > 0 FROM work_schedule w, unnest(w.hours) h
             WHERE w.id = (SELECT x.id FROM work_schedule x
                           WHERE x.position_fk = c.position_fk AND x.effective_from <= c.monday + 6
                           ORDER BY x.effective_from DESC LIMIT 1)),
            (SELECT ps.weekly_hours > 0 FROM "position" ps WHERE ps.id = c.position_fk))),
  pending AS MATERIALIZED (
    SELECT a.id, a.user_fk FROM absence a JOIN people o ON o.id = a.user_fk
    WHERE a.status = 'requested' AND a.created_at <= p_now - interval '24 hours'),
  -- Who decides: the person's team managers (manages(): not two people who manage each other);
  -- only when there is none, the superusers. Never the person themselves.
  managers AS (
    SELECT DISTINCT pa.id AS absence_id, mm.user_fk
    FROM pending pa
    JOIN team_member t ON t.user_fk = pa.user_fk AND t.role = 'member'
    JOIN team_member mm ON mm.team_fk = t.team_fk AND mm.role = 'manager'
    JOIN people m ON m.id = mm.user_fk
    WHERE manages(mm.user_fk, pa.user_fk)),
  deciders AS (
    SELECT absence_id, user_fk FROM managers
    UNION ALL
    SELECT pa.id, su.id FROM pending pa JOIN people su ON su.is_superuser AND su.id <> pa.user_fk
    WHERE NOT EXISTS (SELECT FROM managers x WHERE x.absence_id = pa.id)),
  absences AS (
    SELECT 'absence_pending'::text AS kind, m.id AS user_fk, a.id::text AS occasion, m.email,
           m.want_absence AND m.mailable AS mail,
           jsonb_build_object('absence_fk', a.id, 'person', o.username, 'from', a.first_day::text,
             'to', a.last_day::text, 'requested_at', api_time(a.created_at),
             'requested_local', reminder_local(a.created_at, m.tz), 'time_zone', m.tz) AS email_data,
           'absence.pending_reminder'::text AS event,
           jsonb_build_object('recipient_fk', m.id, 'absence', absence_json(a)) AS event_data
    FROM deciders d JOIN absence a ON a.id = d.absence_id JOIN people m ON m.id = d.user_fk
    JOIN people o ON o.id = a.user_fk),
  due AS MATERIALIZED (
    SELECT * FROM timers UNION ALL SELECT * FROM sheets UNION ALL SELECT * FROM absences),
  sent AS (
    INSERT INTO reminder_sent (kind, user_fk, occasion)
    SELECT kind, user_fk, occasion FROM due
    ON CONFLICT DO NOTHING
    RETURNING kind, user_fk, occasion),
  -- MATERIALIZED: every row is computed, so both queue calls run for each reminder recorded.
  queued AS MATERIALIZED (
    SELECT d.kind, d.user_fk, d.occasion,
           CASE WHEN d.mail THEN email_enqueue(d.email, d.kind, d.email_data, d.user_fk) END AS email_id,
           webhook_enqueue(d.event, d.event_data) AS hooked
    FROM due d JOIN sent x ON x.kind = d.kind AND x.user_fk = d.user_fk AND x.occasion = d.occasion)
  SELECT kind, user_fk, occasion, email_id IS NOT NULL FROM queued ORDER BY kind, user_fk, occasion
$$;
