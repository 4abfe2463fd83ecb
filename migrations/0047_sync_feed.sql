-- GET /sync (issue 24 §1): one change feed over everything a mobile app caches. It generalises
-- /timelog/changes (changed_xid, tombstones, the pg_snapshot_xmin bound) into a change log:
--
-- * sync_change: one row per write to a synced row (its type and key, whose it is). It is the
--   generic tombstone too: the feed re-reads the row at read time and answers its current state,
--   upsert when the reader may see it, delete when it is gone or no longer visible to them.
-- * sync_scope: per-viewer rows for changes of sight that touch no synced row of the thing seen
--   (a membership change hides or shows a person's logs, absences and weeks from a manager, a team
--   and its memberships from a member; a superuser flag changes what positions/projects show).
--   The feed expands them to the rows concerned, and they let it send a delete for a person's row
--   deleted after the viewer's cursor even though the viewer no longer sees that person.
-- Both carry the writer's xid: the feed reads only xids below the oldest running transaction, so a
-- late commit is never skipped (as /timelog/changes). Rows outlive what they name, so no foreign keys.
CREATE TABLE sync_change (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL,
  key text NOT NULL,
  owner_fk integer,
  team_fk integer,
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX sync_change_by_xid ON sync_change (changed_xid);

CREATE TABLE sync_scope (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  viewer_fk integer NOT NULL,
  subject_fk integer,
  team_fk integer,
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX sync_scope_by_viewer ON sync_scope (viewer_fk, changed_xid);

-- Snapshot pages walk each person's logs and absences by id (index-backed for 5,000 logs a person).
CREATE INDEX timelog_by_user_id ON timelog (user_fk, id);
CREATE INDEX absence_by_user_id ON absence (user_fk, id);

-- Whose logs, absences and weeks the feed gives a viewer: their own and the people they manage, as
-- the list routes show them without user_fk (superusers' "everyone" is left out: a device does
-- not cache a whole company).
CREATE FUNCTION sync_sees(p_viewer integer, p_user integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_viewer = p_user OR manages(p_viewer, p_user)
$$;

-- The wire shapes of GET /teams/{id} and of a team's member list (src/teams/queries.ts), in SQL so
-- the feed and its etag use the same expression.
CREATE FUNCTION team_json(t team) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', t.id, 'name', t.name, 'description', t.description,
    'created_at', api_time(t.created_at))
$$;
CREATE FUNCTION team_member_json(m team_member) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('team_fk', m.team_fk, 'user_fk', m.user_fk,
    'username', (SELECT username FROM app_user WHERE id = m.user_fk), 'role', m.role)
$$;

CREATE FUNCTION sync_mark(p_type text, p_key text, p_owner integer, p_team integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO sync_change (type, key, owner_fk, team_fk) VALUES (p_type, p_key, p_owner, p_team)
$$;

-- The weeks (timesheet rows) whose worked, expected or credited time a log or absence feeds.
CREATE FUNCTION sync_mark_weeks(p_user integer, p_first date, p_last date) RETURNS void LANGUAGE sql AS $$
  INSERT INTO sync_change (type, key, owner_fk)
  SELECT 'timesheet', s.user_fk || ':' || iso_week(s.week), s.user_fk
  FROM timesheet s WHERE s.user_fk = p_user AND s.week BETWEEN p_first - 7 AND p_last + 1
$$;

CREATE FUNCTION sync_timelog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM sync_mark('timelog', NEW.id::text, NEW.user_fk, NULL);
    PERFORM sync_mark_weeks(NEW.user_fk, NEW.start_time::date, coalesce(NEW.end_time, now())::date);
  END IF;
  IF TG_OP = 'DELETE' OR OLD.user_fk <> NEW.user_fk THEN
    PERFORM sync_mark('timelog', OLD.id::text, OLD.user_fk, NULL);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM sync_mark_weeks(OLD.user_fk, OLD.start_time::date, coalesce(OLD.end_time, now())::date);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER timelog_sync AFTER INSERT OR UPDATE OR DELETE ON timelog FOR EACH ROW EXECUTE FUNCTION sync_timelog();

CREATE FUNCTION sync_absence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM sync_mark('absence', NEW.id::text, NEW.user_fk, NULL);
    PERFORM sync_mark_weeks(NEW.user_fk, NEW.first_day, NEW.last_day);
  END IF;
  IF TG_OP = 'DELETE' OR OLD.user_fk <> NEW.user_fk THEN
    PERFORM sync_mark('absence', OLD.id::text, OLD.user_fk, NULL);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM sync_mark_weeks(OLD.user_fk, OLD.first_day, OLD.last_day);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER absence_sync AFTER INSERT OR UPDATE OR DELETE ON absence FOR EACH ROW EXECUTE FUNCTION sync_absence();

CREATE FUNCTION sync_timesheet() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r timesheet := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  PERFORM sync_mark('timesheet', r.user_fk || ':' || iso_week(r.week), r.user_fk, NULL);
  RETURN NULL;
END $$;
CREATE TRIGGER timesheet_sync AFTER INSERT OR UPDATE OR DELETE ON timesheet FOR EACH ROW EXECUTE FUNCTION sync_timesheet();

-- Shared rows (positions, clients, projects, tasks, tags, settings): everyone's, no owner.
CREATE FUNCTION sync_shared() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text := CASE WHEN TG_TABLE_NAME = 'company_settings' THEN 'company'
                 WHEN TG_OP = 'DELETE' THEN (to_jsonb(OLD) ->> 'id') ELSE (to_jsonb(NEW) ->> 'id') END;
  t text := CASE TG_TABLE_NAME WHEN 'company_settings' THEN 'settings' ELSE TG_TABLE_NAME END;
BEGIN
  PERFORM sync_mark(t, k, NULL, NULL);
  -- Archiving a project hides its tasks too (and unarchiving shows them again).
  -- (Nested: OLD.is_archived exists only on project rows.)
  IF TG_TABLE_NAME = 'project' AND TG_OP = 'UPDATE' THEN
    IF OLD.is_archived IS DISTINCT FROM NEW.is_archived THEN
      INSERT INTO sync_change (type, key) SELECT 'task', id::text FROM task WHERE project_fk = NEW.id;
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER position_sync AFTER INSERT OR UPDATE OR DELETE ON "position" FOR EACH ROW EXECUTE FUNCTION sync_shared();
CREATE TRIGGER client_sync AFTER INSERT OR UPDATE OR DELETE ON client FOR EACH ROW EXECUTE FUNCTION sync_shared();
CREATE TRIGGER project_sync AFTER INSERT OR UPDATE OR DELETE ON project FOR EACH ROW EXECUTE FUNCTION sync_shared();
CREATE TRIGGER task_sync AFTER INSERT OR UPDATE OR DELETE ON task FOR EACH ROW EXECUTE FUNCTION sync_shared();
CREATE TRIGGER tag_sync AFTER INSERT OR UPDATE OR DELETE ON tag FOR EACH ROW EXECUTE FUNCTION sync_shared();
CREATE TRIGGER company_settings_sync AFTER UPDATE ON company_settings FOR EACH ROW EXECUTE FUNCTION sync_shared();

CREATE FUNCTION sync_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sync_mark('user', NEW.id::text, NEW.id, NULL);
  -- Memberships show the username.
  IF OLD.username IS DISTINCT FROM NEW.username THEN
    INSERT INTO sync_change (type, key, team_fk)
    SELECT 'team_member', m.team_fk || ':' || m.user_fk, m.team_fk FROM team_member m WHERE m.user_fk = NEW.id;
  END IF;
  -- Salaries and money budgets show for active superusers only.
  IF OLD.is_superuser IS DISTINCT FROM NEW.is_superuser OR OLD.is_active IS DISTINCT FROM NEW.is_active THEN
    INSERT INTO sync_scope (viewer_fk) VALUES (NEW.id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER app_user_sync AFTER UPDATE ON app_user FOR EACH ROW EXECUTE FUNCTION sync_user();

CREATE FUNCTION sync_team() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r team := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  PERFORM sync_mark('team', r.id::text, NULL, r.id);
  RETURN NULL;
END $$;
CREATE TRIGGER team_sync AFTER INSERT OR UPDATE OR DELETE ON team FOR EACH ROW EXECUTE FUNCTION sync_team();

-- A membership change: the row itself (seen by the team's people), the person's sight of the team,
-- and both directions of sight between the person and everyone in the team (manages() only ever
-- relates two people who share a team, so nobody else's sight can change).
CREATE FUNCTION sync_membership(p_team integer, p_user integer) RETURNS void LANGUAGE sql AS $$
  SELECT sync_mark('team_member', p_team || ':' || p_user, NULL, p_team);
  INSERT INTO sync_scope (viewer_fk, team_fk) VALUES (p_user, p_team);
  INSERT INTO sync_scope (viewer_fk, subject_fk)
  SELECT v, s FROM team_member x
  CROSS JOIN LATERAL (VALUES (x.user_fk, p_user), (p_user, x.user_fk)) AS pair(v, s)
  WHERE x.team_fk = p_team AND x.user_fk <> p_user;
$$;
CREATE FUNCTION sync_team_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN PERFORM sync_membership(NEW.team_fk, NEW.user_fk); END IF;
  IF TG_OP = 'DELETE' OR (OLD.team_fk, OLD.user_fk) <> (NEW.team_fk, NEW.user_fk) THEN
    PERFORM sync_membership(OLD.team_fk, OLD.user_fk);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER team_member_sync AFTER INSERT OR UPDATE OR DELETE ON team_member FOR EACH ROW EXECUTE FUNCTION sync_team_member();
