-- Reminders (issue 23 §5): a forgotten timer, last week's timesheet not submitted by Monday, an
-- absence waiting for a decision for more than a day. The Cron Trigger calls reminders_run(); the
-- person's opt-outs (notification_setting) stop the email, never the webhook event (the company's
-- channel). reminder_sent (0036) makes each occasion happen at most once, also when ticks race.

-- The webhook events reminders add (the API's enum and document list the same; at most 20 per
-- endpoint, which still holds every type).
CREATE OR REPLACE FUNCTION webhook_event_types() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['timelog.created', 'timelog.updated', 'timelog.deleted', 'timer.started', 'timer.stopped',
    'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
    'user.created', 'user.deactivated',
    'absence.requested', 'absence.approved', 'absence.rejected', 'absence.cancelled',
    'timer.forgotten', 'timesheet.overdue', 'absence.pending_reminder']
$$;

-- A person's settings as the API shows them: every kind on unless they turned it off.
CREATE FUNCTION notification_json(p_user integer) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('timer_forgotten', coalesce(n.timer_forgotten, true),
    'timesheet_overdue', coalesce(n.timesheet_overdue, true), 'absence_pending', coalesce(n.absence_pending, true))
  FROM (SELECT p_user AS id) u LEFT JOIN notification_setting n ON n.user_fk = u.id
$$;

-- Changes the kinds given (NULL: unchanged) in one statement; two racing changes both land.
CREATE FUNCTION notification_set(p_user integer, p_timer boolean, p_sheet boolean, p_absence boolean)
RETURNS jsonb LANGUAGE sql AS $$
  INSERT INTO notification_setting AS n (user_fk, timer_forgotten, timesheet_overdue, absence_pending)
  VALUES (p_user, coalesce(p_timer, true), coalesce(p_sheet, true), coalesce(p_absence, true))
  ON CONFLICT (user_fk) DO UPDATE SET
    timer_forgotten = coalesce(p_timer, n.timer_forgotten),
    timesheet_overdue = coalesce(p_sheet, n.timesheet_overdue),
    absence_pending = coalesce(p_absence, n.absence_pending)
  RETURNING jsonb_build_object('timer_forgotten', n.timer_forgotten,
    'timesheet_overdue', n.timesheet_overdue, 'absence_pending', n.absence_pending)
$$;

-- The ticks look for requested absences older than a day: without this, every absence is read.
CREATE INDEX absence_requested ON absence (created_at) WHERE status = 'requested';

-- A local wall-clock time for an email ("2026-12-07 09:30"); the zone travels next to it.
CREATE FUNCTION reminder_local(t timestamptz, p_tz text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE p_tz, 'YYYY-MM-DD HH24:MI')
$$;

-- Every reminder that is due at p_now, in ONE statement: the occasions found, recorded in
-- reminder_sent (ON CONFLICT DO NOTHING: a tick that races another, or runs again, records
-- nothing and so queues nothing), and for those recorded the email (unless opted out) and one
-- webhook event. Returns what it sent. p_now lets tests move time instead of waiting for it.
CREATE FUNCTION reminders_run(p_now timestamptz DEFAULT now())
RETURNS TABLE (reminder text, recipient integer, about text, emailed boolean) LANGUAGE sql AS $$
  WITH s AS MATERIALIZED (SELECT * FROM company_settings),
  -- Only active people who were not erased get anything, and only about their own active work.
  people AS MATERIALIZED (
    SELECT u.id, u.email, u.username, u.is_superuser, u.registered_at, u.weekly_hours, u.position_fk,
           coalesce(u.time_zone, s.default_time_zone) AS tz,
           coalesce(n.timer_forgotten, true) AS want_timer, coalesce(n.timesheet_overdue, true) AS want_sheet,
           coalesce(n.absence_pending, true) AS want_absence,
           -- The outbox's own check (0036): an address it would refuse gets no email, and does
           -- not make the whole tick fail for everyone else.
           (char_length(u.email) BETWEEN 3 AND 320 AND u.email !~ '[\r\n\x00,;<>"\s]'
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
