-- Absences (issue 22 §1): the wire shapes of absence types and absences, the rules a request,
-- decision or edit must pass (archived types, half days, locked weeks, the balance), the
-- workflow's functions, and their audit events and webhooks. The tables are 0026's.

-- The wire shape of an absence type, for reads, writes, replays and the audit trail alike.
CREATE FUNCTION absence_type_json(t absence_type) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', t.id, 'name', t.name, 'paid', t.paid, 'counts_as_work', t.counts_as_work,
    'needs_approval', t.needs_approval, 'unit', t.unit, 'annual_allowance_days', t.annual_allowance_days,
    'carry_over_days', t.carry_over_days, 'carry_over_expires', t.carry_over_expires,
    'allow_negative', t.allow_negative, 'archived', t.is_archived, 'created_at', api_time(t.created_at))
$$;

-- Days an absence takes (people.md): per date the lesser of the day's work share and the
-- absence's share (1, or 0.5 for a half day). Weekends and holidays take nothing.
CREATE FUNCTION absence_days(p_user integer, p_first date, p_last date, p_half text)
RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(least(d.work_share, CASE WHEN p_half IS NULL THEN 1 ELSE 0.5 END)), 0)
  FROM person_days(p_user, p_first, p_last) d
$$;

CREATE FUNCTION absence_json(a absence) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', a.id, 'user_fk', a.user_fk, 'type_fk', a.type_fk,
    'from', to_char(a.first_day, 'YYYY-MM-DD'), 'to', to_char(a.last_day, 'YYYY-MM-DD'), 'half_day', a.half_day,
    'days', absence_days(a.user_fk, a.first_day, a.last_day, a.half_day),
    'note', a.note, 'status', a.status, 'comment', a.comment, 'requested_by', a.requested_by,
    'acted_by', a.acted_by, 'acted_at', api_time(a.acted_at),
    'created_at', api_time(a.created_at), 'updated_at', api_time(a.updated_at))
$$;

-- The last day of carry-over in year p_year: MM-DD, where 02-29 means the last day of February.
CREATE FUNCTION absence_expiry(p_year integer, p_mm_dd text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT least(make_date(p_year, split_part(p_mm_dd, '-', 1)::int, 1) + (split_part(p_mm_dd, '-', 2)::int - 1),
               (make_date(p_year, split_part(p_mm_dd, '-', 1)::int, 1) + interval '1 month')::date - 1)
$$;

-- A person's balance of one type in one year, in days. Carry-over is computed year by year from
-- the first year with an allowance or a live absence (at most 20 years back): carried(y) =
-- least(carry_over_days, remaining(y-1) if positive); once the expiry date has passed (the
-- person's today), only the part consumed by then stays usable. taken: approved days up to
-- today; planned: requested days and approved days after today. A day counts in its own year.
CREATE FUNCTION absence_balance(p_user integer, p_type integer, p_year integer)
RETURNS TABLE (entitlement numeric, carried_over numeric, carried_over_expires date, taken numeric,
               planned numeric, remaining numeric)
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
  SELECT min(s.y) INTO v_first FROM (
    SELECT l.year AS y FROM absence_allowance l WHERE l.user_fk = p_user AND l.type_fk = p_type
    UNION ALL
    SELECT extract(year FROM min(a.first_day))::int FROM absence a
    WHERE a.user_fk = p_user AND a.type_fk = p_type AND a.status IN ('requested', 'approved')) s;
  v_first := greatest(least(coalesce(v_first, p_year), p_year), p_year - 20);
  FOR v_year IN v_first .. p_year LOOP
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
    FROM (SELECT a.status, d.day, least(d.work_share, CASE WHEN a.half_day IS NULL THEN 1 ELSE 0.5 END) AS share
          FROM absence a
          CROSS JOIN LATERAL person_days(a.user_fk, greatest(a.first_day, make_date(v_year, 1, 1)),
                                         least(a.last_day, make_date(v_year, 12, 31))) d
          WHERE a.user_fk = p_user AND a.type_fk = p_type AND a.status IN ('requested', 'approved')
            AND a.first_day <= make_date(v_year, 12, 31) AND a.last_day >= make_date(v_year, 1, 1)) x;
    IF carried_over_expires IS NOT NULL AND v_today > carried_over_expires THEN
      v_prev := entitlement + least(carried_over, v_used_by_expiry) - taken - planned;
    ELSE
      v_prev := entitlement + carried_over - taken - planned;
    END IF;
  END LOOP;
  remaining := v_prev;
  RETURN NEXT;
END
$$;

-- Locks: an absence is time of the person's local dates, locked like their logs (a submitted or
-- approved week, or before the company lock), for the row as it was and as it becomes.
-- timelog_assert_unlocked also takes the person's lock, which serialises this write with every
-- other change of their time, so the balance check after it sees all committed absences.
CREATE FUNCTION absence_lock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tz text;
BEGIN
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
CREATE TRIGGER absence_a_lock_guard BEFORE INSERT OR UPDATE OR DELETE ON absence
  FOR EACH ROW EXECUTE FUNCTION absence_lock_guard();

-- The type's rules, checked when the type or the half changes (so archiving a type never
-- freezes its existing absences' decisions).
CREATE FUNCTION absence_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t absence_type;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.type_fk IS DISTINCT FROM OLD.type_fk OR NEW.half_day IS DISTINCT FROM OLD.half_day THEN
    SELECT * INTO t FROM absence_type WHERE id = NEW.type_fk;
    IF FOUND AND t.is_archived AND (TG_OP = 'INSERT' OR NEW.type_fk IS DISTINCT FROM OLD.type_fk) THEN
      RAISE EXCEPTION 'Absence type % is archived; new absences cannot use it.', t.name
        USING ERRCODE = 'TL422', HINT = 'absence_type_archived';
    END IF;
    IF FOUND AND NEW.half_day IS NOT NULL AND t.unit <> 'half_day' THEN
      RAISE EXCEPTION 'Absence type % is taken by whole days only.', t.name
        USING ERRCODE = 'TL422', HINT = 'half_day_not_allowed';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
    NEW.changed_xid := pg_current_xact_id();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER absence_before_write BEFORE INSERT OR UPDATE ON absence
  FOR EACH ROW EXECUTE FUNCTION absence_before_write();

-- The balance: a new or changed live absence may not leave less than nothing in any year it
-- touches (unless the type allows it, or has no allowance). AFTER the row, so it counts itself;
-- the person's lock (taken by the lock guard before the row was written) keeps parallel requests
-- for different days from overdrawing together.
CREATE FUNCTION absence_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t absence_type;
  v_year integer;
  v_left numeric;
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
  PERFORM pg_advisory_xact_lock(7011, NEW.user_fk);
  FOR v_year IN extract(year FROM NEW.first_day)::int .. extract(year FROM NEW.last_day)::int LOOP
    SELECT b.remaining INTO v_left FROM absence_balance(NEW.user_fk, NEW.type_fk, v_year) b;
    IF v_left < 0 THEN
      RAISE EXCEPTION 'Not enough % left in %: this would leave % days.', t.name, v_year, v_left
        USING ERRCODE = 'TL409', HINT = 'insufficient_balance';
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER absence_balance_guard AFTER INSERT OR UPDATE ON absence
  FOR EACH ROW WHEN (NEW.status IN ('requested', 'approved')) EXECUTE FUNCTION absence_balance_guard();

-- A request: by the person, or filed for them by their manager or a superuser. Approved at once
-- when the type needs no approval or a manager or superuser files it for someone else.
CREATE FUNCTION absence_create(p_actor integer, p_user integer, p_type integer, p_first date, p_last date,
                               p_half text, p_note text)
RETURNS SETOF absence LANGUAGE plpgsql AS $$
DECLARE
  v_needs boolean;
  v_approved boolean;
  r absence;
BEGIN
  IF p_actor <> p_user AND NOT (user_is_superuser(p_actor) OR manages(p_actor, p_user)) THEN
    RAISE EXCEPTION 'Only this person''s manager or a superuser may file an absence for them.'
      USING ERRCODE = 'TL403', HINT = 'not_manager';
  END IF;
  SELECT needs_approval INTO v_needs FROM absence_type WHERE id = p_type;
  v_approved := p_actor <> p_user OR NOT coalesce(v_needs, true);
  INSERT INTO absence (user_fk, type_fk, first_day, last_day, half_day, note, status, requested_by, acted_by, acted_at)
  VALUES (p_user, p_type, p_first, p_last, p_half, p_note, CASE WHEN v_approved THEN 'approved' ELSE 'requested' END,
          p_actor, CASE WHEN v_approved THEN p_actor END, CASE WHEN v_approved THEN now() END)
  RETURNING * INTO r;
  RETURN NEXT r;
END
$$;

-- The absence p_id if p_actor may see it (the person, their manager, a superuser), locked after
-- the person's lock so decisions and edits of one person's time run one at a time.
CREATE FUNCTION absence_for_change(p_actor integer, p_id integer) RETURNS absence LANGUAGE plpgsql AS $$
DECLARE
  v_user integer;
  a absence;
BEGIN
  SELECT user_fk INTO v_user FROM absence WHERE id = p_id AND may_act_for(p_actor, user_fk);
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(7011, v_user);
  SELECT * INTO a FROM absence WHERE id = p_id FOR UPDATE;
  RETURN a;
END
$$;

-- approve | reject (the person's manager or a superuser, never the person) while requested;
-- cancel (anyone who may see it) while requested or approved. No row: not found.
CREATE FUNCTION absence_decide(p_actor integer, p_id integer, p_decision text, p_comment text)
RETURNS SETOF absence LANGUAGE plpgsql AS $$
DECLARE
  a absence := absence_for_change(p_actor, p_id);
  r absence;
BEGIN
  IF a.id IS NULL THEN
    RETURN;
  END IF;
  IF p_decision = 'cancel' THEN
    IF a.status NOT IN ('requested', 'approved') THEN
      RAISE EXCEPTION 'Absence % is %; only a requested or approved one can be cancelled.', p_id, a.status
        USING ERRCODE = 'TL409', HINT = 'absence_not_live';
    END IF;
  ELSE
    IF a.user_fk = p_actor THEN
      RAISE EXCEPTION 'Nobody approves or rejects their own absence.' USING ERRCODE = 'TL403', HINT = 'own_absence';
    ELSIF NOT (user_is_superuser(p_actor) OR manages(p_actor, a.user_fk)) THEN
      RAISE EXCEPTION 'Only this person''s manager or a superuser may do this.'
        USING ERRCODE = 'TL403', HINT = 'not_manager';
    END IF;
    IF a.status <> 'requested' THEN
      RAISE EXCEPTION 'Absence % is %, not requested.', p_id, a.status
        USING ERRCODE = 'TL409', HINT = 'absence_not_requested';
    END IF;
  END IF;
  UPDATE absence
  SET status = CASE p_decision WHEN 'approve' THEN 'approved' WHEN 'reject' THEN 'rejected' ELSE 'cancelled' END,
      comment = coalesce(p_comment, comment), acted_by = p_actor, acted_at = now()
  WHERE id = p_id
  RETURNING * INTO r;
  RETURN NEXT r;
END
$$;

-- An edit while requested: p holds only the wire fields to change (type_fk, from, to, half_day, note).
CREATE FUNCTION absence_patch(p_actor integer, p_id integer, p jsonb) RETURNS SETOF absence LANGUAGE plpgsql AS $$
DECLARE
  a absence := absence_for_change(p_actor, p_id);
  r absence;
BEGIN
  IF a.id IS NULL THEN
    RETURN;
  END IF;
  IF a.status <> 'requested' THEN
    RAISE EXCEPTION 'Absence % is %; only a requested one can be edited (cancel it and request again).', p_id, a.status
      USING ERRCODE = 'TL409', HINT = 'absence_not_requested';
  END IF;
  UPDATE absence
  SET type_fk = CASE WHEN p ? 'type_fk' THEN (p->>'type_fk')::int ELSE type_fk END,
      first_day = CASE WHEN p ? 'from' THEN (p->>'from')::date ELSE first_day END,
      last_day = CASE WHEN p ? 'to' THEN (p->>'to')::date ELSE last_day END,
      half_day = CASE WHEN p ? 'half_day' THEN p->>'half_day' ELSE half_day END,
      note = CASE WHEN p ? 'note' THEN p->>'note' ELSE note END
  WHERE id = p_id
  RETURNING * INTO r;
  RETURN NEXT r;
END
$$;

-- Audit trail (chain: the person) and webhooks for every request, edit and decision.
CREATE FUNCTION absence_after_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_kind text := CASE WHEN TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN NEW.status
                      ELSE 'updated' END;
  v_body jsonb := absence_json(NEW);
BEGIN
  PERFORM audit_append(NEW.user_fk, 'absence.' || v_kind, 'absence', NEW.id::text,
    CASE WHEN TG_OP = 'UPDATE' THEN absence_json(OLD) END, v_body);
  IF v_kind <> 'updated' THEN
    PERFORM webhook_enqueue('absence.' || v_kind, v_body);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER absence_audit AFTER INSERT OR UPDATE ON absence
  FOR EACH ROW EXECUTE FUNCTION absence_after_write();

CREATE FUNCTION audit_absence_type() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(0,
    'absence_type.' || CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
    'absence_type', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text,
    CASE WHEN TG_OP <> 'INSERT' THEN absence_type_json(OLD) END,
    CASE WHEN TG_OP <> 'DELETE' THEN absence_type_json(NEW) END);
  RETURN NULL;
END
$$;
CREATE TRIGGER absence_type_audit AFTER INSERT OR UPDATE OR DELETE ON absence_type
  FOR EACH ROW EXECUTE FUNCTION audit_absence_type();

CREATE FUNCTION allowance_json(l absence_allowance) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('user_fk', l.user_fk, 'type_fk', l.type_fk, 'year', l.year, 'days', l.days)
$$;

CREATE FUNCTION audit_allowance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_append(NEW.user_fk, 'allowance.set', 'allowance', NEW.type_fk || '/' || NEW.year,
    CASE WHEN TG_OP = 'UPDATE' THEN allowance_json(OLD) END, allowance_json(NEW));
  RETURN NULL;
END
$$;
CREATE TRIGGER absence_allowance_audit AFTER INSERT OR UPDATE ON absence_allowance
  FOR EACH ROW EXECUTE FUNCTION audit_allowance();

CREATE OR REPLACE FUNCTION webhook_event_types() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['timelog.created', 'timelog.updated', 'timelog.deleted', 'timer.started', 'timer.stopped',
    'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
    'user.created', 'user.deactivated',
    'absence.requested', 'absence.approved', 'absence.rejected', 'absence.cancelled']
$$;
