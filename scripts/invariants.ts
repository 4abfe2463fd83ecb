// The time-log, lock and audit invariants as one SQL statement, checked after the fuzz and load runs: each count
// must be 0. Free of imports so the workerd tests and the Node scripts can share it.
export const INVARIANTS_SQL = `
  SELECT
    (SELECT count(*)::int FROM timelog a JOIN timelog b ON a.user_fk = b.user_fk AND a.id < b.id
       AND tstzrange(a.start_time, a.end_time, '[)') && tstzrange(b.start_time, b.end_time, '[)')) AS overlaps,
    (SELECT count(*)::int FROM (SELECT user_fk FROM timelog WHERE end_time IS NULL GROUP BY user_fk HAVING count(*) > 1) m) AS multi_open,
    (SELECT count(*)::int FROM timelog WHERE end_time <= start_time) AS backwards,
    -- A change to a log overlapping a week after that week was (last) submitted, while it is still
    -- submitted or approved: the person's audit chain orders everything that happened to them.
    (SELECT count(*)::int FROM timesheet t
       JOIN LATERAL (SELECT max(seq) AS s FROM audit_event
                     WHERE chain = t.user_fk AND kind = 'timesheet.submitted' AND entity_id = iso_week(t.week)) sub ON true
       JOIN audit_event e ON e.chain = t.user_fk AND e.seq > sub.s AND e.entity = 'timelog'
      WHERE t.status IN ('submitted', 'approved')
        AND EXISTS (SELECT 1 FROM (VALUES (e.before), (e.after)) v(j)
                    WHERE v.j IS NOT NULL AND tstzrange((v.j->>'start_time')::timestamptz,
                                                        (v.j->>'end_time')::timestamptz, '[)') && t.span)) AS locked_changes,
    -- Every log's last audited state is the state it has (every field the event recorded: events
    -- from before a migration added fields lack them); every deletion is audited.
    (SELECT count(*)::int FROM timelog t
       LEFT JOIN LATERAL (SELECT e.after, e.redacted_at FROM audit_event e WHERE e.entity = 'timelog' AND e.entity_id = t.id::text
                          ORDER BY e.id DESC LIMIT 1) last ON true
      -- A redacted event (an erasure, migration 0041) keeps no state to compare.
      WHERE last.redacted_at IS NULL
        AND (last.after IS NULL OR EXISTS (SELECT 1 FROM jsonb_each(last.after) kv
                                           WHERE (timelog_json(t) - 'locked') -> kv.key IS DISTINCT FROM kv.value)))
    + (SELECT count(*)::int FROM timelog_tombstone d
        WHERE NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.entity = 'timelog' AND e.entity_id = d.id::text
                          AND e.kind = 'timelog.deleted')) AS audit_missing,
    (SELECT count(broken_id)::int FROM audit_verify()) AS broken_chains,
    -- Tags live in an array (no foreign key): every one a log carries exists.
    (SELECT count(*)::int FROM timelog t
      WHERE EXISTS (SELECT 1 FROM unnest(t.tag_ids) x WHERE NOT EXISTS (SELECT 1 FROM tag g WHERE g.id = x))) AS dangling_tags,
    -- Each rate's stored span ends where the next rate for its target starts (reports join on it:
    -- an overlap would count a log twice).
    (SELECT count(*)::int FROM (
       SELECT effective_to, coalesce(lead(effective_from) OVER (
         PARTITION BY kind, project_fk, user_fk, position_fk ORDER BY effective_from), 'infinity') AS next
       FROM rate) r WHERE r.effective_to <> r.next) AS stale_rate_spans`;
