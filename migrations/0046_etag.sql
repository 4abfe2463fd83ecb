-- Issue 24's one version rule, shared by conditional reads, If-Match writes, the sync feed and the
-- batch's if_match: a resource's entity tag is a digest of the JSON the API shows for it, computed
-- by the database from the same *_json() expression the route answers with. Because PostgreSQL
-- computes it, a write can compare the caller's If-Match with the row it is about to change in the
-- same statement (no read-then-write race), and any change the client could see changes the tag.
-- md5 detects change; it is not a secret and needs no collision resistance against the caller
-- (the caller can only forge a tag for a representation they already hold).
CREATE FUNCTION api_etag(j jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '"' || md5(j::text) || '"'
$$;
