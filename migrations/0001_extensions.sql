-- btree_gist lets exclusion constraints mix equality on plain columns with range overlap
-- (one user's time logs must not overlap). Neon, PostgreSQL contrib and PGlite all ship it.
CREATE EXTENSION IF NOT EXISTS btree_gist;
