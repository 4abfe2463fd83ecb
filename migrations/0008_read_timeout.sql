-- Every statement a request sends runs under a statement_timeout below the worker's deadline. A
-- batch sets its own (set_config(..., true) inside its transaction); a read sent as one statement,
-- outside any transaction, cannot set one for itself, so the database's default covers it: 4 s,
-- 80 % of the default DB_TIMEOUT_MS (5 s). Raise both together. Tooling that legitimately runs
-- longer sets its own (the migration runner, the benchmark's seeding).
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET statement_timeout = %L', current_database(), '4s');
END
$$;
