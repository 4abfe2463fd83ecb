-- The audit trail's kinds and entities as a closed list, and verification in bounded pages that
-- resumes from per-chain checkpoints.

-- 1. What the triggers may write is listed here, so a trigger that invents a kind fails its tests
-- instead of publishing an event the API's own enums (AuditKind, entity) forbid. The API's enums
-- are tested against this constraint (test/audit/verify.test.ts).
ALTER TABLE audit_event ADD CONSTRAINT audit_event_kind_known CHECK (kind IN (
  'timelog.created', 'timelog.updated', 'timelog.deleted',
  'timesheet.submitted', 'timesheet.approved', 'timesheet.rejected', 'timesheet.reopened',
  'team_member.added', 'team_member.changed', 'team_member.removed',
  'user.updated', 'company.lock_changed',
  'webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted'));
ALTER TABLE audit_event ADD CONSTRAINT audit_event_entity_known CHECK (entity IN (
  'timelog', 'timesheet', 'team', 'user', 'settings', 'webhook'));

-- 2. Checkpoints: "chain C was verified through seq S, whose hash was H". One chain's events are
-- appended under its advisory lock, so the committed events of a chain are always a prefix by seq
-- (never a gap an open transaction fills later): what lies at or before a checkpoint never needs
-- reading again for the chain to be verified onwards. Append-only like the trail itself.
CREATE TABLE audit_checkpoint (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain integer NOT NULL,
  seq integer NOT NULL,
  event_id bigint NOT NULL,
  hash text NOT NULL,
  at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT audit_checkpoint_chain_seq UNIQUE (chain, seq)
);
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();

-- One page of verification, at most p_limit events, oldest id first.
--   Incremental (p_after NULL): the events after each chain's latest checkpoint, and whether every
--   chain's checkpointed event still has the hash it was checkpointed with; a page without a break
--   moves the checkpoints of the chains it read. A break is reported again on every call until
--   repaired. An event before a checkpoint is not read again: editing its content without
--   rewriting the hashes after it is found only by a full pass.
--   Full (p_after = an event id, 0 from the start): every event after it, regardless of
--   checkpoints, and each checkpointed event met is compared with its checkpoint (which catches
--   a chain rewritten end to end after it was checkpointed). Records no checkpoints.
-- Each event: its hash over its content, its prev_hash against the stored previous event of its
-- chain (looked up when it is not in the page, so a page needs nothing from earlier pages), its
-- seq without a gap.
CREATE FUNCTION audit_verify_page(p_after bigint, p_limit integer) RETURNS jsonb LANGUAGE sql AS $$
  WITH heads AS MATERIALIZED (
    SELECT DISTINCT ON (k.chain) k.chain, k.seq, k.event_id, k.hash
    FROM audit_checkpoint k WHERE p_after IS NULL ORDER BY k.chain, k.seq DESC
  ), page AS MATERIALIZED (
    SELECT e AS ev, e.id, e.chain, e.seq, e.hash
    FROM audit_event e LEFT JOIN heads h ON h.chain = e.chain
    WHERE CASE WHEN p_after IS NULL THEN e.seq > coalesce(h.seq, 0) ELSE e.id > p_after END
    ORDER BY e.id LIMIT p_limit
  ), linked AS (
    -- The previous event's hash: from the page when it is there, looked up for each chain's first.
    SELECT p.*, CASE WHEN p.seq = 1 THEN audit_genesis()
                     WHEN lag(p.seq) OVER w = p.seq - 1 THEN lag(p.hash) OVER w
                     ELSE (SELECT prev.hash FROM audit_event prev WHERE prev.chain = p.chain AND prev.seq = p.seq - 1)
                END AS expected_prev
    FROM page p WINDOW w AS (PARTITION BY p.chain ORDER BY p.seq)
  ), checked AS (
    SELECT p.id, p.chain, p.seq,
      CASE WHEN p.expected_prev IS NULL THEN 'an event is missing before this one'
           WHEN (p.ev).prev_hash <> p.expected_prev THEN 'prev_hash does not match the previous event'
           WHEN p.hash <> audit_digest(p.ev) THEN 'the event''s content does not match its hash'
           WHEN k.hash <> p.hash THEN 'the event no longer has the hash it was checkpointed with'
      END AS reason
    FROM linked p
    LEFT JOIN audit_checkpoint k ON k.chain = p.chain AND k.seq = p.seq
  ), moved AS (
    -- Incremental: every chain's latest checkpointed event must still be as checkpointed (one
    -- lookup a chain), so rewriting a chain end to end past its checkpoint is found on any call.
    SELECT h.event_id AS id, h.chain, h.seq,
      CASE WHEN e.id IS NULL THEN 'a checkpointed event is missing'
           ELSE 'the event no longer has the hash it was checkpointed with' END AS reason
    FROM heads h LEFT JOIN audit_event e ON e.chain = h.chain AND e.seq = h.seq
    WHERE e.id IS NULL OR e.hash <> h.hash
  ), broken AS (
    SELECT b.id, b.chain, b.seq, b.reason
    FROM (SELECT * FROM checked WHERE reason IS NOT NULL UNION ALL SELECT * FROM moved) b
    ORDER BY b.id LIMIT 1
  ), recorded AS (
    -- A page without a break moves its chains' checkpoints (incremental verification only).
    INSERT INTO audit_checkpoint (chain, seq, event_id, hash)
    SELECT DISTINCT ON (p.chain) p.chain, p.seq, p.id, p.hash FROM page p
    WHERE p_after IS NULL AND NOT EXISTS (SELECT 1 FROM broken)
    ORDER BY p.chain, p.seq DESC
    RETURNING 1
  )
  SELECT jsonb_build_object(
    'events', (SELECT count(*) FROM page),
    'chains', (SELECT count(DISTINCT chain) FROM page),
    'through', (SELECT max(id) FROM page),
    'more', (SELECT count(*) FROM page) >= p_limit,
    'checkpoints', (SELECT count(*) FROM recorded),
    'broken', (SELECT to_jsonb(b) FROM broken b))
$$;
