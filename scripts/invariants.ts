// The time-log invariants as one SQL statement, checked after the fuzz and load runs: each count
// must be 0. Free of imports so the workerd tests and the Node scripts can share it.
export const INVARIANTS_SQL = `
  SELECT
    (SELECT count(*)::int FROM timelog a JOIN timelog b ON a.user_fk = b.user_fk AND a.id < b.id
       AND tstzrange(a.start_time, a.end_time, '[)') && tstzrange(b.start_time, b.end_time, '[)')) AS overlaps,
    (SELECT count(*)::int FROM (SELECT user_fk FROM timelog WHERE end_time IS NULL GROUP BY user_fk HAVING count(*) > 1) m) AS multi_open,
    (SELECT count(*)::int FROM timelog WHERE end_time <= start_time) AS backwards`;
