-- Issue 24 §3 (h-etag): writes with If-Match. The route's batch locks the row it is about to change
-- (SELECT ... FOR UPDATE, its own statement), then calls this with the entity tag of the resource as
-- the API shows it now (api_etag of the same *_json() expression its GET answers with, computed in
-- a later statement of the same transaction, so it sees whatever a concurrent write committed while
-- we waited for the lock) and the tags the client sent. A stale tag aborts the batch before the
-- write runs: two writers holding the same tag cannot both win.
--   wanted NULL means "If-Match: *" (any current representation).
--   current_tag NULL means there is no such resource (or the caller may not see it): nothing to
--   compare, the write itself answers 404 — RFC 9110 §13.2.1 lets a failure the server would
--   answer without the precondition take precedence over it.
CREATE FUNCTION api_if_match(current_tag text, wanted text[]) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF current_tag IS NULL OR wanted IS NULL OR current_tag = ANY (wanted) THEN
    RETURN true;
  END IF;
  RAISE EXCEPTION 'The resource has changed since the version named in If-Match; read it again.'
    USING ERRCODE = 'TL412', HINT = 'precondition_failed';
END
$$;
