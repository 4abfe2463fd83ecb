-- GET /sync review (issue 24 §1): which (viewer, person) pairs a membership change records in
-- sync_scope. 0047 recorded every pair of the team's people, so a member learnt the ids of a
-- colleague's logs, absences and submitted weeks (sent as deletes) whenever somebody joined or
-- left; and a deleted team recorded none (its memberships go by one cascaded statement, so each
-- row's trigger finds the team already empty), so a manager's device kept the logs of the people
-- it no longer managed. Now a pair is recorded exactly when the change flips manages() for it,
-- and a team's deletion records its pairs before the cascade empties it.

-- manages() of 0020 with the two people's roles in one team given (NULL: not in it) and every
-- other team as it stands.
CREATE FUNCTION sync_manages_with(p_v integer, p_s integer, p_team integer, p_vrole text, p_srole text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_v <> p_s
    AND (coalesce(p_vrole = 'manager' AND p_srole = 'member', false)
         OR EXISTS (SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
                    WHERE m.user_fk = p_v AND m.role = 'manager' AND t.user_fk = p_s AND t.role = 'member'
                      AND m.team_fk <> p_team))
    AND NOT (coalesce(p_srole = 'manager' AND p_vrole = 'member', false)
         OR EXISTS (SELECT 1 FROM team_member m JOIN team_member t ON t.team_fk = m.team_fk
                    WHERE m.user_fk = p_s AND m.role = 'manager' AND t.user_fk = p_v AND t.role = 'member'
                      AND m.team_fk <> p_team))
$$;

-- p_user's role in p_team went from p_old to p_new (NULL: absent).
CREATE FUNCTION sync_membership(p_team integer, p_user integer, p_old text, p_new text) RETURNS void
LANGUAGE sql AS $$
  SELECT sync_mark('team_member', p_team || ':' || p_user, NULL, p_team);
  INSERT INTO sync_scope (viewer_fk, team_fk) VALUES (p_user, p_team);
  INSERT INTO sync_scope (viewer_fk, subject_fk)
  SELECT pair.v, pair.s FROM team_member x
  CROSS JOIN LATERAL (VALUES (x.user_fk, p_user, x.role, p_old, x.role, p_new),
                             (p_user, x.user_fk, p_old, x.role, p_new, x.role)) AS pair(v, s, v0, s0, v1, s1)
  WHERE x.team_fk = p_team AND x.user_fk <> p_user
    -- Only a manager-member pair can flip (cheap first: a big team has few managers).
    AND (x.role = 'manager' OR p_old = 'manager' OR p_new = 'manager')
    AND sync_manages_with(pair.v, pair.s, p_team, pair.v0, pair.s0)
        IS DISTINCT FROM sync_manages_with(pair.v, pair.s, p_team, pair.v1, pair.s1);
$$;

CREATE OR REPLACE FUNCTION sync_team_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sync_membership(NEW.team_fk, NEW.user_fk, NULL, NEW.role);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM sync_membership(OLD.team_fk, OLD.user_fk, OLD.role, NULL);
  ELSIF (OLD.team_fk, OLD.user_fk) = (NEW.team_fk, NEW.user_fk) THEN
    PERFORM sync_membership(NEW.team_fk, NEW.user_fk, OLD.role, NEW.role);
  ELSE
    PERFORM sync_membership(NEW.team_fk, NEW.user_fk, NULL, NEW.role);
    PERFORM sync_membership(OLD.team_fk, OLD.user_fk, OLD.role, NULL);
  END IF;
  RETURN NULL;
END $$;

-- Before the cascade: every pair of the team's people whose sight goes with the team.
CREATE FUNCTION sync_team_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_scope (viewer_fk, subject_fk)
  SELECT a.user_fk, b.user_fk FROM team_member a JOIN team_member b ON b.team_fk = a.team_fk AND b.user_fk <> a.user_fk
  WHERE a.team_fk = OLD.id AND a.role <> b.role
    AND sync_manages_with(a.user_fk, b.user_fk, OLD.id, a.role, b.role)
        IS DISTINCT FROM sync_manages_with(a.user_fk, b.user_fk, OLD.id, NULL, NULL);
  RETURN OLD;
END $$;
CREATE TRIGGER team_sync_deleted BEFORE DELETE ON team FOR EACH ROW EXECUTE FUNCTION sync_team_deleted();

-- The pairs are computed from the memberships the writer sees: two membership changes committing
-- side by side would each miss the other's. One lock for all of them, taken before any row lock.
CREATE FUNCTION sync_membership_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7047, 0);
  RETURN NULL;
END $$;
CREATE TRIGGER team_member_sync_lock BEFORE INSERT OR UPDATE OR DELETE ON team_member
FOR EACH STATEMENT EXECUTE FUNCTION sync_membership_lock();
CREATE TRIGGER team_sync_lock BEFORE DELETE ON team FOR EACH STATEMENT EXECUTE FUNCTION sync_membership_lock();

-- user_json() shows two_factor_enabled (a confirmed user_totp row): turning two-factor on or off
-- re-sends the user. A sign-in's last_step update changes nothing shown, so it writes no change.
CREATE FUNCTION sync_user_totp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND OLD.confirmed_at IS NOT NULL;
  now_on boolean := TG_OP <> 'DELETE' AND NEW.confirmed_at IS NOT NULL;
  who integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_fk ELSE NEW.user_fk END;
BEGIN
  IF was IS DISTINCT FROM now_on THEN
    PERFORM sync_mark('user', who::text, who, NULL);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER user_totp_sync AFTER INSERT OR UPDATE OR DELETE ON user_totp FOR EACH ROW EXECUTE FUNCTION sync_user_totp();
