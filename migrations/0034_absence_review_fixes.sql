-- Review fixes on absences (issue 22 §1, review findings F2–F5, F7, F8).
--
-- The balance is computed year by year in one place, absence_balance_years(), which both the
-- balance route (through absence_balance) and the guard read:
-- * F2: a date's share is absence_share() (0033), as in absence_days() and the account.
-- * F5: carry-over starts in the person's registration year (or an earlier year with an
--   allowance), never in a year chosen by a live absence: a 0-day absence before that could create
--   carry, and cancelling it took the carry away again from under a later year's requests.
-- * F4: `usable` is what a year really leaves: carried days only count as far as days on or before
--   their expiry consume them, whatever today is. The next year's carry starts from it, and the
--   guard checks it. `remaining` keeps today's view (before the expiry, all carried days show).
-- * F3: the guard checks every year from the absence's first to the last year with a live absence
--   of the person and type (at most 20 after the absence), since carry-over passes a request's
--   cost on to later years.

CREATE FUNCTION absence_balance_years(p_user integer, p_type integer, p_from_year integer, p_to_year integer)
RETURNS TABLE (year integer, entitlement numeric, carried_over numeric, carried_over_expires date, taken numeric,
               planned numeric, remaining numeric, usable numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  t absence_type;
  v_today date := (now() AT TIME ZONE user_time_zone(p_user))::date;
  v_first integer;
  v_year integer;
  v_prev numeric;
  v_used_by_expiry numeric;
BEGIN
  SELECT * INTO t FROM absence_type WHERE id = p_type;
  SELECT least(extract(year FROM u.registered_at AT TIME ZONE user_time_zone(u.id))::int,
               (SELECT min(l.year) FROM absence_allowance l WHERE l.user_fk = p_user AND l.type_fk = p_type))
  INTO v_first FROM app_user u WHERE u.id = p_user;
  v_first := greatest(least(coalesce(v_first, p_from_year), p_from_year), p_from_year - 20);
  FOR v_year IN v_first .. p_to_year LOOP
    year := v_year;
    entitlement := coalesce((SELECT l.days FROM absence_allowance l
                             WHERE l.user_fk = p_user AND l.type_fk = p_type AND l.year = v_year),
                            t.annual_allowance_days);
    carried_over := CASE WHEN v_year = v_first OR entitlement IS NULL THEN 0
                         ELSE least(coalesce(t.carry_over_days, 0), greatest(0, coalesce(v_prev, 0))) END;
    carried_over_expires := CASE WHEN t.carry_over_expires IS NOT NULL
                                 THEN absence_expiry(v_year, t.carry_over_expires) END;
    SELECT coalesce(sum(x.share) FILTER (WHERE x.status = 'approved' AND x.day <= v_today), 0),
           coalesce(sum(x.share) FILTER (WHERE NOT (x.status = 'approved' AND x.day <= v_today)), 0),
           coalesce(sum(x.share) FILTER (WHERE x.day <= carried_over_expires), 0)
    INTO taken, planned, v_used_by_expiry
    FROM (SELECT a.status, d.day, absence_share(d.work_share, a.half_day) AS share
          FROM absence a
          CROSS JOIN LATERAL person_days(a.user_fk, greatest(a.first_day, make_date(v_year, 1, 1)),
                                         least(a.last_day, make_date(v_year, 12, 31))) d
          WHERE a.user_fk = p_user AND a.type_fk = p_type AND a.status IN ('requested', 'approved')
            AND a.first_day <= make_date(v_year, 12, 31) AND a.last_day >= make_date(v_year, 1, 1)) x;
    IF carried_over_expires IS NULL THEN
      usable := entitlement + carried_over - taken - planned;
    ELSE
      usable := entitlement + least(carried_over, v_used_by_expiry) - taken - planned;
    END IF;
    remaining := CASE WHEN carried_over_expires IS NOT NULL AND v_today <= carried_over_expires
                      THEN entitlement + carried_over - taken - planned ELSE usable END;
    v_prev := usable;
    IF v_year >= p_from_year THEN
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION absence_balance(p_user integer, p_type integer, p_year integer)
RETURNS TABLE (entitlement numeric, carried_over numeric, carried_over_expires date, taken numeric,
               planned numeric, remaining numeric)
LANGUAGE sql STABLE AS $$
  SELECT b.entitlement, b.carried_over, b.carried_over_expires, b.taken, b.planned, b.remaining
  FROM absence_balance_years(p_user, p_type, p_year, p_year) b
$$;

CREATE OR REPLACE FUNCTION absence_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t absence_type;
  v_from integer := extract(year FROM NEW.first_day)::int;
  v_to integer;
  b record;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IN ('requested', 'approved')
     AND (OLD.type_fk, OLD.first_day, OLD.last_day, OLD.half_day)
         IS NOT DISTINCT FROM (NEW.type_fk, NEW.first_day, NEW.last_day, NEW.half_day) THEN
    RETURN NULL; -- a decision on unchanged days spends nothing new
  END IF;
  SELECT * INTO t FROM absence_type WHERE id = NEW.type_fk;
  IF t.allow_negative THEN
    RETURN NULL;
  END IF;
  IF t.annual_allowance_days IS NULL AND NOT EXISTS (
    SELECT 1 FROM absence_allowance l WHERE l.user_fk = NEW.user_fk AND l.type_fk = NEW.type_fk) THEN
    RETURN NULL; -- unlimited every year (Sick, Unpaid leave): years of them need no counting
  END IF;
  PERFORM pg_advisory_xact_lock(7011, NEW.user_fk);
  SELECT least(greatest(extract(year FROM NEW.last_day)::int, extract(year FROM max(a.last_day))::int),
               extract(year FROM NEW.last_day)::int + 20, 9998)
  INTO v_to FROM absence a
  WHERE a.user_fk = NEW.user_fk AND a.type_fk = NEW.type_fk AND a.status IN ('requested', 'approved');
  FOR b IN SELECT * FROM absence_balance_years(NEW.user_fk, NEW.type_fk, v_from, v_to) LOOP
    IF b.usable < 0 THEN
      RAISE EXCEPTION 'Not enough % left in %: this would leave % days.', t.name, b.year, b.usable
        USING ERRCODE = 'TL409', HINT = 'insufficient_balance', DETAIL = json_build_object('year', b.year)::text;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

-- F7: a requested absence inside a submitted week could be neither approved, rejected nor cancelled
-- (the week locks its dates). Submitting now waits until every requested absence overlapping the
-- week's local dates is decided or cancelled. As 0020 otherwise; the person's lock (taken first)
-- serialises this check with requests for their days.
CREATE OR REPLACE FUNCTION timesheet_submit(p_user integer, p_week text) RETURNS timesheet LANGUAGE plpgsql AS $$
DECLARE
  monday date := iso_week_monday(p_week);
  old timesheet;
  s tstzrange;
  worked bigint;
  pending integer;
  result timesheet;
BEGIN
  PERFORM pg_advisory_xact_lock(7011, p_user);
  SELECT * INTO old FROM timesheet WHERE user_fk = p_user AND week = monday;
  s := timesheet_span(p_user, monday);
  IF lower(s) > now() THEN
    RAISE EXCEPTION 'Week % has not started.', p_week USING ERRCODE = 'TL422', HINT = 'future_week';
  END IF;
  PERFORM timesheet_assert_after_earliest(s);
  IF old.status IN ('submitted', 'approved') THEN
    RAISE EXCEPTION 'Week % is already %.', p_week, old.status USING ERRCODE = 'TL409', HINT = 'already_submitted',
      DETAIL = json_build_object('timesheet_status', old.status)::text;
  END IF;
  IF EXISTS (SELECT 1 FROM timelog WHERE user_fk = p_user AND end_time IS NULL AND start_time < upper(s)) THEN
    RAISE EXCEPTION 'A timer is running in week %; stop it before submitting.', p_week
      USING ERRCODE = 'TL409', HINT = 'timer_running';
  END IF;
  SELECT min(a.id) INTO pending FROM absence a
  WHERE a.user_fk = p_user AND a.status = 'requested' AND a.first_day <= monday + 6 AND a.last_day >= monday;
  IF pending IS NOT NULL THEN
    RAISE EXCEPTION 'Absence % in week % is still requested; have it decided or cancel it before submitting.',
      pending, p_week USING ERRCODE = 'TL409', HINT = 'absence_pending',
      DETAIL = json_build_object('absence_id', pending)::text;
  END IF;
  worked := timesheet_worked(p_user, s);
  INSERT INTO timesheet AS t (user_fk, week, span, status, submitted_seconds, comment, acted_by, acted_at)
  VALUES (p_user, monday, s, 'submitted', worked, NULL, p_user, now())
  ON CONFLICT (user_fk, week) DO UPDATE
    SET status = 'submitted', submitted_seconds = worked, comment = NULL, acted_by = p_user, acted_at = now()
  RETURNING * INTO result;
  PERFORM timelog_lock_changed(p_user, s);
  RETURN result;
END
$$;

-- F8: the list without user_fk/team_fk reads newest first over everyone a superuser sees; this
-- index serves its order (and its keyset) without sorting the company's absences.
CREATE INDEX absence_newest ON absence (first_day DESC, id DESC);
