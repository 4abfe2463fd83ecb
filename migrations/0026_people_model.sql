-- Issue 22's model: public holidays, work schedules, absence types, absences, allowances and
-- time-account adjustments. This migration holds the tables, their constraints and the one rule
-- everything else counts with (person_days: a person's scheduled and expected time per local
-- date); triggers, balances and wire shapes come in the migrations after it.

-- Holidays: a calendar of dated days; the company's default calendar, a person's override.
CREATE TABLE holiday_calendar (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CONSTRAINT holiday_calendar_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  region text CONSTRAINT holiday_calendar_region_length CHECK (char_length(region) BETWEEN 1 AND 50),
  created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  CONSTRAINT holiday_calendar_name_key UNIQUE (name)
);

CREATE TABLE holiday (
  calendar_fk integer NOT NULL REFERENCES holiday_calendar (id) ON DELETE CASCADE,
  day date NOT NULL CONSTRAINT holiday_day_range CHECK (day BETWEEN '1970-01-01' AND '9998-12-31'),
  name text NOT NULL CONSTRAINT holiday_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  half_day boolean NOT NULL DEFAULT false,
  PRIMARY KEY (calendar_fk, day)
);

ALTER TABLE company_settings ADD COLUMN holiday_calendar_fk integer REFERENCES holiday_calendar (id);
ALTER TABLE app_user ADD COLUMN holiday_calendar_fk integer REFERENCES holiday_calendar (id);

-- Work schedules: hours per ISO weekday (hours[1] Monday … hours[7] Sunday), effective from a
-- date until the next schedule of the same owner. Before a person's or position's first dated
-- schedule, its weekly_hours is the schedule (Mon–Fri equal shares): existing data keeps its
-- expected time without rows being invented for it.
CREATE TABLE work_schedule (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  position_fk integer REFERENCES "position" (id) ON DELETE CASCADE,
  user_fk integer REFERENCES app_user (id) ON DELETE CASCADE,
  effective_from date NOT NULL
    CONSTRAINT work_schedule_from_range CHECK (effective_from BETWEEN '1970-01-01' AND '9998-12-31'),
  hours numeric(4, 2)[] NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  CONSTRAINT work_schedule_owner CHECK (num_nonnulls(position_fk, user_fk) = 1),
  CONSTRAINT work_schedule_hours CHECK (
    array_ndims(hours) = 1 AND cardinality(hours) = 7 AND array_position(hours, NULL) IS NULL
    AND 0 <= ALL (hours) AND 24 >= ALL (hours)),
  CONSTRAINT work_schedule_position_from UNIQUE (position_fk, effective_from),
  CONSTRAINT work_schedule_user_from UNIQUE (user_fk, effective_from)
);

-- Absence types. Defaults as issue 22 names them; Vacation may be taken by half days.
CREATE TABLE absence_type (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CONSTRAINT absence_type_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  paid boolean NOT NULL DEFAULT true,
  counts_as_work boolean NOT NULL DEFAULT true,
  needs_approval boolean NOT NULL DEFAULT true,
  unit text NOT NULL DEFAULT 'day' CONSTRAINT absence_type_unit CHECK (unit IN ('day', 'half_day')),
  annual_allowance_days numeric(5, 1)
    CONSTRAINT absence_type_allowance_range CHECK (annual_allowance_days BETWEEN 0 AND 366),
  carry_over_days numeric(5, 1) CONSTRAINT absence_type_carry_over_range CHECK (carry_over_days BETWEEN 0 AND 366),
  -- MM-DD of a real calendar day (02-29 means the last day of February).
  carry_over_expires text CONSTRAINT absence_type_carry_over_expires CHECK (carry_over_expires ~
    '^((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|[12][0-9]))$'),
  allow_negative boolean NOT NULL DEFAULT false,
  is_archived boolean NOT NULL DEFAULT false,
  created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  CONSTRAINT absence_type_name_key UNIQUE (name)
);

INSERT INTO absence_type (name, paid, counts_as_work, needs_approval, unit, annual_allowance_days,
                          carry_over_days, carry_over_expires)
VALUES ('Vacation', true, true, true, 'half_day', 25, 5, '03-31'),
       ('Sick', true, true, false, 'day', NULL, NULL, NULL),
       ('Unpaid leave', false, false, true, 'day', NULL, NULL, NULL);

-- A person's entitlement for one type and year, overriding the type's annual_allowance_days.
CREATE TABLE absence_allowance (
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  type_fk integer NOT NULL REFERENCES absence_type (id) ON DELETE CASCADE,
  year integer NOT NULL CONSTRAINT absence_allowance_year CHECK (year BETWEEN 1970 AND 9998),
  days numeric(5, 1) NOT NULL CONSTRAINT absence_allowance_days CHECK (days BETWEEN 0 AND 366),
  PRIMARY KEY (user_fk, type_fk, year)
);

-- An absence covers whole local dates first_day..last_day, or one half of a single date. `slots`
-- numbers half days (two per date) so the exclusion constraint lets a morning and an afternoon
-- absence of one date coexist and refuses every other overlap of live (requested or approved) ones.
CREATE TABLE absence (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_fk integer NOT NULL REFERENCES app_user (id),
  -- RESTRICT: a type with absences cannot be deleted (archive it).
  type_fk integer NOT NULL REFERENCES absence_type (id),
  first_day date NOT NULL,
  last_day date NOT NULL,
  half_day text CONSTRAINT absence_half_day CHECK (half_day IN ('am', 'pm')),
  note text CONSTRAINT absence_note_length CHECK (char_length(note) <= 1000),
  status text NOT NULL CONSTRAINT absence_status CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled')),
  comment text CONSTRAINT absence_comment_length CHECK (char_length(comment) <= 1000),
  requested_by integer NOT NULL REFERENCES app_user (id),
  acted_by integer REFERENCES app_user (id),
  acted_at timestamp(3) with time zone,
  created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  updated_at timestamp(3) with time zone NOT NULL DEFAULT now(),
  changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  slots int4range GENERATED ALWAYS AS (int4range(
    (first_day - date '1970-01-01') * 2 + CASE WHEN half_day = 'pm' THEN 1 ELSE 0 END,
    (last_day - date '1970-01-01') * 2 + CASE WHEN half_day = 'am' THEN 1 ELSE 2 END)) STORED,
  CONSTRAINT absence_days_range CHECK (first_day >= '1970-01-01' AND last_day <= '9998-12-31'),
  CONSTRAINT absence_days_order CHECK (last_day >= first_day),
  CONSTRAINT absence_days_length CHECK (last_day - first_day < 366),
  CONSTRAINT absence_half_day_single CHECK (half_day IS NULL OR first_day = last_day),
  CONSTRAINT absence_overlap EXCLUDE USING gist (user_fk WITH =, slots WITH &&)
    WHERE (status IN ('requested', 'approved'))
);
CREATE INDEX absence_user_days ON absence (user_fk, first_day);
CREATE INDEX absence_type_fk ON absence (type_fk);

-- Working-time account adjustments (opening balance, overtime paid out, corrections).
CREATE TABLE time_adjustment (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_fk integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  day date NOT NULL CONSTRAINT time_adjustment_day_range CHECK (day BETWEEN '1970-01-01' AND '9998-12-31'),
  seconds bigint NOT NULL
    CONSTRAINT time_adjustment_seconds CHECK (seconds <> 0 AND seconds BETWEEN -36000000 AND 36000000),
  reason text NOT NULL CONSTRAINT time_adjustment_reason_length CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_by integer REFERENCES app_user (id),
  created_at timestamp(3) with time zone NOT NULL DEFAULT now()
);
CREATE INDEX time_adjustment_user_day ON time_adjustment (user_fk, day);

-- Audit kinds and entities for everything above (the API's enums are tested against this list).
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
  'work_schedule.created', 'work_schedule.deleted', 'time_account.adjusted'));
ALTER TABLE audit_event DROP CONSTRAINT audit_event_entity_known;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_entity_known CHECK (entity IN (
  'timelog', 'timesheet', 'team', 'user', 'settings', 'webhook',
  'absence', 'absence_type', 'allowance', 'holiday_calendar', 'holiday', 'work_schedule', 'time_adjustment'));

-- A person's days from p_from to p_to (local dates): the schedule's time for the weekday, the
-- share of it that is a working day after public holidays (1, 0.5 on a half-day holiday, 0 on a
-- holiday or a day the schedule has no hours), and the expected time that leaves. Expected time,
-- absence days and credited time are all counted from these rows, so they cannot disagree.
-- Schedule precedence per date: the person's dated schedule, else their weekly_hours, else their
-- position's dated schedule, else the position's weekly_hours (Mon–Fri equal shares).
CREATE FUNCTION person_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, scheduled_seconds bigint, work_share numeric, expected_seconds bigint, holiday text)
LANGUAGE sql STABLE AS $$
  WITH who AS (
    SELECT u.id, u.position_fk, u.weekly_hours AS own_weekly, p.weekly_hours AS position_weekly,
           coalesce(u.holiday_calendar_fk, s.holiday_calendar_fk) AS calendar
    FROM app_user u JOIN "position" p ON p.id = u.position_fk CROSS JOIN company_settings s
    WHERE u.id = p_user),
  dated AS (
    SELECT g::date AS day, extract(isodow FROM g)::int AS dow
    FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') g),
  planned AS (
    SELECT d.day, h.name AS holiday, h.half_day,
      coalesce(
        (SELECT w.hours[d.dow] FROM work_schedule w
         WHERE w.user_fk = who.id AND w.effective_from <= d.day ORDER BY w.effective_from DESC LIMIT 1),
        CASE WHEN who.own_weekly IS NULL THEN NULL WHEN d.dow <= 5 THEN who.own_weekly / 5 ELSE 0 END,
        (SELECT w.hours[d.dow] FROM work_schedule w
         WHERE w.position_fk = who.position_fk AND w.effective_from <= d.day ORDER BY w.effective_from DESC LIMIT 1),
        CASE WHEN d.dow <= 5 THEN who.position_weekly / 5 ELSE 0 END) AS hours
    FROM dated d CROSS JOIN who
    LEFT JOIN holiday h ON h.calendar_fk = who.calendar AND h.day = d.day)
  SELECT x.day, round(x.hours * 3600)::bigint, x.share, round(x.hours * 3600 * x.share)::bigint, x.holiday
  FROM (SELECT planned.*, CASE WHEN hours = 0 THEN 0 WHEN holiday IS NULL THEN 1 WHEN half_day THEN 0.5 ELSE 0 END AS share
        FROM planned) x
  ORDER BY x.day
$$;
