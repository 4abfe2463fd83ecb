-- Public holidays (issue 22 §2) on 0026's tables: their wire shapes, the payroll lock over
-- holiday days, their audit, the calendar choice in the settings' and users' shapes, and the
-- team absence calendar (who is away on which day of a month, as the viewer may see it).

-- Wire shapes, built once here for reads, writes and replays.
CREATE FUNCTION holiday_calendar_json(c holiday_calendar) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', c.id, 'name', c.name, 'region', c.region, 'created_at', api_time(c.created_at))
$$;

CREATE FUNCTION holiday_json(h holiday) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('calendar_fk', h.calendar_fk, 'date', to_char(h.day, 'YYYY-MM-DD'), 'name', h.name,
    'half_day', h.half_day)
$$;

-- A holiday changes expected time, absence days and credit of everyone on its calendar: a day
-- that starts (in the company's zone) before the payroll lock may not be added, changed or
-- removed. The shared advisory lock is the one time logs take, so company_set_lock() waits for
-- holiday writes in flight as it does for time logs. Unchanged rows (a re-run import) pass.
CREATE FUNCTION holiday_lock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s company_settings;
  locked boolean := false;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7012, 0);
  SELECT * INTO s FROM company_settings;
  IF s.locked_before IS NOT NULL THEN
    IF TG_OP <> 'INSERT' THEN
      locked := OLD.day::timestamp AT TIME ZONE s.default_time_zone < s.locked_before;
    END IF;
    -- An upsert's insert fires this before it meets the existing row: that row's update decides
    -- (holiday_lock_update, which lets an unchanged row pass).
    IF TG_OP = 'UPDATE' OR (TG_OP = 'INSERT' AND NOT EXISTS (
         SELECT 1 FROM holiday h WHERE h.calendar_fk = NEW.calendar_fk AND h.day = NEW.day)) THEN
      locked := locked OR NEW.day::timestamp AT TIME ZONE s.default_time_zone < s.locked_before;
    END IF;
  END IF;
  IF locked THEN
    RAISE EXCEPTION 'Days before % are locked: payroll is closed.', api_time(s.locked_before)
      USING ERRCODE = 'TL409', HINT = 'period_locked',
            DETAIL = jsonb_build_object('locked_before', api_time(s.locked_before))::text;
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER holiday_lock BEFORE INSERT OR DELETE ON holiday FOR EACH ROW EXECUTE FUNCTION holiday_lock_guard();
CREATE TRIGGER holiday_lock_update BEFORE UPDATE ON holiday FOR EACH ROW
WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION holiday_lock_guard();

-- Audit: company-wide facts, on the company's chain (0) like the payroll lock. A PUT that changes
-- nothing records nothing, so an import may be re-run without filling the trail.
CREATE FUNCTION audit_holiday_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(0, 'holiday_calendar.created', 'holiday_calendar', NEW.id::text, NULL,
    holiday_calendar_json(NEW));
  RETURN NULL;
END
$$;
CREATE TRIGGER holiday_calendar_audit AFTER INSERT ON holiday_calendar
FOR EACH ROW EXECUTE FUNCTION audit_holiday_calendar();

CREATE FUNCTION audit_holiday() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  h holiday := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  PERFORM audit_append(0, CASE TG_OP WHEN 'DELETE' THEN 'holiday.deleted' ELSE 'holiday.set' END, 'holiday',
    h.calendar_fk || '/' || to_char(h.day, 'YYYY-MM-DD'),
    CASE WHEN TG_OP <> 'INSERT' THEN holiday_json(OLD) END,
    CASE WHEN TG_OP <> 'DELETE' THEN holiday_json(NEW) END);
  RETURN NULL;
END
$$;
CREATE TRIGGER holiday_audit AFTER INSERT OR DELETE ON holiday FOR EACH ROW EXECUTE FUNCTION audit_holiday();
CREATE TRIGGER holiday_audit_update AFTER UPDATE ON holiday FOR EACH ROW
WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION audit_holiday();

-- The calendar choice in the shapes that show it (the compliance migration 0030 redefines the
-- settings' shape again and keeps holiday_calendar_fk).
CREATE OR REPLACE FUNCTION company_settings_json(s company_settings) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'timelog_earliest', api_time(s.timelog_earliest), 'timelog_max_seconds', s.timelog_max_seconds,
    'default_time_zone', s.default_time_zone, 'locked_before', api_time(s.locked_before), 'currency', s.currency,
    'holiday_calendar_fk', s.holiday_calendar_fk)
$$;

CREATE OR REPLACE FUNCTION user_json(u app_user) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', u.id, 'email', u.email, 'username', u.username, 'position_fk', u.position_fk,
    'is_active', u.is_active, 'is_superuser', u.is_superuser, 'is_verified', u.is_verified,
    'registered_at', api_time(u.registered_at), 'time_zone', u.time_zone,
    'weekly_hours', u.weekly_hours::float8, 'holiday_calendar_fk', u.holiday_calendar_fk)
$$;

-- A person's calendar decides their expected time like their zone and hours do: audited too.
CREATE OR REPLACE FUNCTION audit_app_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(NEW.id, 'user.updated', 'user', NEW.id::text,
    jsonb_build_object('is_superuser', OLD.is_superuser, 'is_active', OLD.is_active, 'position_fk', OLD.position_fk,
                       'time_zone', OLD.time_zone, 'weekly_hours', OLD.weekly_hours,
                       'holiday_calendar_fk', OLD.holiday_calendar_fk),
    jsonb_build_object('is_superuser', NEW.is_superuser, 'is_active', NEW.is_active, 'position_fk', NEW.position_fk,
                       'time_zone', NEW.time_zone, 'weekly_hours', NEW.weekly_hours,
                       'holiday_calendar_fk', NEW.holiday_calendar_fk));
  RETURN NULL;
END
$$;
DROP TRIGGER app_user_audit ON app_user;
CREATE TRIGGER app_user_audit AFTER UPDATE ON app_user FOR EACH ROW
WHEN ((OLD.is_superuser, OLD.is_active, OLD.position_fk, OLD.time_zone, OLD.weekly_hours, OLD.holiday_calendar_fk)
      IS DISTINCT FROM
      (NEW.is_superuser, NEW.is_active, NEW.position_fk, NEW.time_zone, NEW.weekly_hours, NEW.holiday_calendar_fk))
EXECUTE FUNCTION audit_app_user();

-- The team calendar of one month: every date with the company calendar's holiday and the team's
-- people away (requested or approved absences; dates as each person's absence names them). The
-- reason shows to the person themself, superusers and the person's managers; to everyone else it
-- is "away" with no type_fk. Who may read the team at all is the caller's WHERE.
-- `managed` is manages() (0020) for every person at once: a manager of a team the person is a
-- member of, unless the person also manages them. Calling manages() per person cost ~0.2 ms each
-- (35 ms for a team of 200); the set costs one join.
CREATE FUNCTION absence_calendar_json(p_team integer, p_viewer integer, p_month date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  WITH span AS (SELECT p_month AS first, (p_month + interval '1 month')::date AS after),
  managed AS (
    SELECT t.user_fk FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
    WHERE m.user_fk = p_viewer AND m.role = 'manager' AND t.role = 'member' AND t.user_fk <> p_viewer
    EXCEPT
    SELECT m.user_fk FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
    WHERE m.role = 'manager' AND t.user_fk = p_viewer AND t.role = 'member'),
  away AS MATERIALIZED (
    SELECT a.user_fk, u.username, a.first_day, a.last_day, a.half_day, a.status, a.type_fk, t.name AS type,
      a.user_fk = p_viewer OR v.su OR a.user_fk IN (SELECT user_fk FROM managed) AS sees
    FROM team_member m
    CROSS JOIN span
    CROSS JOIN (SELECT user_is_superuser(p_viewer) AS su) v
    JOIN absence a ON a.user_fk = m.user_fk AND a.status IN ('requested', 'approved')
      AND a.first_day < span.after AND a.last_day >= span.first
    JOIN app_user u ON u.id = a.user_fk
    JOIN absence_type t ON t.id = a.type_fk
    WHERE m.team_fk = p_team),
  dated AS (
    SELECT g::date AS day FROM span, generate_series(span.first::timestamp, (span.after - 1)::timestamp, interval '1 day') g)
  SELECT jsonb_build_object('team_fk', p_team, 'month', to_char(p_month, 'YYYY-MM'), 'days',
    coalesce(jsonb_agg(
      jsonb_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'away', coalesce(
        (SELECT jsonb_agg(jsonb_build_object('user_fk', w.user_fk, 'username', w.username, 'half_day', w.half_day,
                  'type_fk', CASE WHEN w.sees THEN w.type_fk END, 'type', CASE WHEN w.sees THEN w.type ELSE 'away' END,
                  'status', w.status) ORDER BY w.username, w.user_fk)
         FROM away w WHERE d.day BETWEEN w.first_day AND w.last_day), '[]'))
      || CASE WHEN h.name IS NULL THEN '{}' ELSE jsonb_build_object('holiday', h.name) END
      ORDER BY d.day), '[]'))
  FROM dated d
  CROSS JOIN company_settings s
  LEFT JOIN holiday h ON h.calendar_fk = s.holiday_calendar_fk AND h.day = d.day
$$;
