-- Reports price logs by joining the rate card itself: each rate stores the day its successor for the
-- same target takes over (exclusive; 'infinity' while it is the latest), kept by a trigger. Reports
-- used to derive these spans per request (a window over the rates in a CTE); the planner knows
-- nothing about a CTE's rows and looped over it once per log, which made the money report 2.5× to
-- 12× slower than the same report without money.
ALTER TABLE rate ADD COLUMN effective_to date NOT NULL DEFAULT 'infinity';

-- Each rate's end: the next rate's start for the same target. The whole card (superusers enter
-- it: hundreds or thousands of rows, not millions).
CREATE FUNCTION rate_spans_refresh() RETURNS void LANGUAGE sql AS $$
  UPDATE rate r SET effective_to = n.next
  FROM (
    SELECT id, coalesce(lead(effective_from) OVER (
      PARTITION BY kind, project_fk, user_fk, position_fk ORDER BY effective_from), 'infinity') AS next
    FROM rate
  ) n
  WHERE n.id = r.id AND r.effective_to <> n.next
$$;

CREATE FUNCTION rate_spans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One writer of the rate card at a time, so two rates entered at once for the same target each
  -- see the other: whoever takes the lock second recomputes with the first one's rows committed.
  PERFORM pg_advisory_xact_lock(7402553);
  PERFORM rate_spans_refresh();
  RETURN NULL;
END
$$;

-- Not on updates of effective_to itself: the trigger's own update must not fire it again.
CREATE TRIGGER rate_spans AFTER INSERT OR DELETE OR UPDATE OF kind, project_fk, user_fk, position_fk, effective_from
ON rate FOR EACH STATEMENT EXECUTE FUNCTION rate_spans();

SELECT rate_spans_refresh();

-- The same rule as money_for (rate × ms / 3,600,000, half to even) for a whole number of
-- milliseconds, in bigint: numeric arithmetic per piece was most of the money report's cost. Up to
-- 92,233,720 ms (25.6 h) rate × ms stays below 2^63 (rates are at most 10^11), and half to even is
-- half up less one on an exact half with an even result below it: n = 7,200,000k + 1,800,000.
-- Longer pieces split off the whole hours first (rate × remainder < 3.6 × 10^17).
CREATE FUNCTION money_for_ms(p_rate bigint, p_ms bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_ms <= 92233720
    THEN (p_rate * p_ms + 1800000) / 3600000 - ((p_rate * p_ms) % 7200000 = 1800000)::int
    ELSE p_rate * (p_ms / 3600000) + p_rate * (p_ms % 3600000) / 3600000
      + CASE WHEN p_rate * (p_ms % 3600000) % 3600000 * 2 > 3600000 THEN 1
             WHEN p_rate * (p_ms % 3600000) % 3600000 * 2 = 3600000
               THEN (p_rate * (p_ms / 3600000) + p_rate * (p_ms % 3600000) / 3600000) % 2
             ELSE 0 END
    END
$$;

-- money_for (budgets use it) floored a numeric quotient, which PostgreSQL rounds to a limited
-- scale first: 70,080,280,338 × 66,914,556 / 3,600,000 is 1,302,608,567,548.99998 and came out
-- …549. div() truncates exactly.
CREATE OR REPLACE FUNCTION money_for(p_rate bigint, p_ms numeric) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (div(p_rate * p_ms, 3600000)
          + CASE WHEN mod(p_rate * p_ms, 3600000) * 2 > 3600000 THEN 1
                 WHEN mod(p_rate * p_ms, 3600000) * 2 = 3600000 THEN mod(div(p_rate * p_ms, 3600000), 2)
                 ELSE 0 END)::bigint
$$;

-- No JIT compilation: every statement here is a request that should take milliseconds, and with the
-- row estimates of a report cut into days (a row per log per day of a set-returning function the
-- planner cannot see into) PostgreSQL compiled the plan to machine code for over a second before
-- running it in 90 ms. A setting of this database, so it holds for every session that opens it.
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$;
