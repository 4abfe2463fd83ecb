-- A morning and an afternoon absence on a half-day holiday counted a whole day (1 day taken, 8 h
-- credited against 4 h expected), because each half was capped by the date's work share on its
-- own. The rule is now one function used everywhere a share is counted: a half-day holiday frees
-- the afternoon (as the 24th and 31st of December do in Germany), so on it a morning absence takes
-- what is left of the day and an afternoon absence takes nothing. Shares of a date never add up
-- to more than its work share.
CREATE FUNCTION absence_share(p_work_share numeric, p_half text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_half
           WHEN 'am' THEN least(p_work_share, 0.5)
           WHEN 'pm' THEN greatest(p_work_share - 0.5, 0)
           ELSE p_work_share END
$$;

CREATE OR REPLACE FUNCTION absence_days(p_user integer, p_first date, p_last date, p_half text)
RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(absence_share(d.work_share, p_half)), 0)
  FROM person_days(p_user, p_first, p_last) d
$$;

CREATE OR REPLACE FUNCTION person_expected_days(p_user integer, p_from date, p_to date)
RETURNS TABLE (day date, expected_seconds bigint, credited_seconds bigint)
LANGUAGE sql STABLE AS $$
  SELECT d.day, d.expected_seconds,
         coalesce(round(sum(absence_share(d.work_share, a.half_day) * d.scheduled_seconds)
                        FILTER (WHERE a.first_day IS NOT NULL)), 0)::bigint
  FROM person_days(p_user, p_from, p_to) d
  LEFT JOIN (
    SELECT a.first_day, a.last_day, a.half_day
    FROM absence a JOIN absence_type ty ON ty.id = a.type_fk
    WHERE a.user_fk = p_user AND a.status = 'approved' AND ty.counts_as_work
      AND a.first_day BETWEEN p_from - 366 AND p_to AND a.last_day >= p_from
  ) a ON d.day BETWEEN a.first_day AND a.last_day
  GROUP BY d.day, d.expected_seconds
  ORDER BY d.day
$$;
