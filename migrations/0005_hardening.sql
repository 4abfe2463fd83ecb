-- Hardening: limits on what a time log may be, report ranges checked where they are computed,
-- and password-guess throttling that reserves each attempt before the password is checked.

-- Company-wide limits, one row, changed by superusers through PATCH /settings.
CREATE TABLE company_settings (
  id boolean PRIMARY KEY DEFAULT true CONSTRAINT company_settings_one_row CHECK (id),
  -- No time log may start before this instant (payroll has no business with year 1).
  timelog_earliest timestamptz(3) NOT NULL DEFAULT '2000-01-01T00:00:00Z'
    CONSTRAINT company_settings_earliest_range CHECK (timelog_earliest >= '1970-01-01T00:00:00Z'),
  -- The longest single entry; a forgotten timer must be closed with an explicit end_time.
  timelog_max_seconds integer NOT NULL DEFAULT 604800
    CONSTRAINT company_settings_max_seconds_range CHECK (timelog_max_seconds BETWEEN 60 AND 2678400)
);
INSERT INTO company_settings DEFAULT VALUES;

CREATE OR REPLACE FUNCTION timelog_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  archived boolean;
  other integer;
  limits company_settings%ROWTYPE;
BEGIN
  IF NEW.start_time > now() + timelog_clock_skew() OR NEW.end_time > now() + timelog_clock_skew() THEN
    RAISE EXCEPTION 'A time log cannot start or end in the future.'
      USING ERRCODE = 'TL422', HINT = 'future_time';
  END IF;
  -- Checked only when the times change, so moving the limits never freezes old rows' notes.
  IF TG_OP = 'INSERT' OR NEW.start_time IS DISTINCT FROM OLD.start_time
     OR NEW.end_time IS DISTINCT FROM OLD.end_time THEN
    SELECT * INTO limits FROM company_settings;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'company_settings has no row' USING ERRCODE = 'P0002';
    END IF;
    IF NEW.start_time < limits.timelog_earliest THEN
      RAISE EXCEPTION 'A time log cannot start before %.', to_char(limits.timelog_earliest AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        USING ERRCODE = 'TL422', HINT = 'before_earliest',
              DETAIL = json_build_object('earliest', limits.timelog_earliest)::text;
    END IF;
    IF NEW.end_time - NEW.start_time > make_interval(secs => limits.timelog_max_seconds) THEN
      RAISE EXCEPTION 'A single time log is at most % hours; split it, or close a forgotten timer with end_time.',
        round(limits.timelog_max_seconds / 3600.0, 2)
        USING ERRCODE = 'TL422', HINT = 'entry_too_long',
              DETAIL = json_build_object('max_seconds', limits.timelog_max_seconds)::text;
    END IF;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.project_fk IS DISTINCT FROM OLD.project_fk THEN
    SELECT is_archived INTO archived FROM project WHERE id = NEW.project_fk;
    IF archived THEN
      RAISE EXCEPTION 'Project % is archived; time cannot be logged to it.', NEW.project_fk
        USING ERRCODE = 'TL422', HINT = 'project_archived';
    END IF;
  END IF;
  IF NEW.end_time IS NULL OR NEW.end_time > NEW.start_time THEN
    SELECT id INTO other FROM timelog
    WHERE user_fk = NEW.user_fk AND id IS DISTINCT FROM NEW.id
      AND tstzrange(start_time, end_time, '[)') && tstzrange(NEW.start_time, NEW.end_time, '[)')
    ORDER BY start_time LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'This overlaps time log %.', other
        USING ERRCODE = 'TL409', HINT = 'overlap', DETAIL = json_build_object('conflicting_log_id', other)::text;
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
    NEW.changed_xid := pg_current_xact_id();
  END IF;
  RETURN NEW;
END
$$;

-- A report's range, computed and checked by the database that will use it (so a year the worker
-- reads differently, such as 0001, cannot slip past the check). Dates are midnight in the zone.
CREATE FUNCTION report_range(p_from text, p_to text, p_tz text, p_max_days integer) RETURNS tstzrange
LANGUAGE plpgsql STABLE AS $$
DECLARE
  lo timestamptz;
  hi timestamptz;
BEGIN
  lo := CASE WHEN p_from ~ '^\d{4}-\d\d-\d\d$' THEN p_from::date::timestamp AT TIME ZONE p_tz ELSE p_from::timestamptz END;
  hi := CASE WHEN p_to ~ '^\d{4}-\d\d-\d\d$' THEN p_to::date::timestamp AT TIME ZONE p_tz ELSE p_to::timestamptz END;
  IF NOT lo < hi THEN
    RAISE EXCEPTION 'from must be before to.' USING ERRCODE = 'TL422', HINT = 'invalid_range';
  END IF;
  -- One extra hour: a year of local days may hold a DST hour more than 366 × 24.
  IF extract(epoch FROM hi - lo) > p_max_days * 86400 + 3600 THEN
    RAISE EXCEPTION 'A report covers at most % days.', p_max_days USING ERRCODE = 'TL422', HINT = 'range_too_long';
  END IF;
  RETURN tstzrange(lo, hi, '[)');
END
$$;

-- Password checks, throttled. Each attempt is reserved (inserted as a failure) before the password
-- is checked, under a lock per account and per client, so N parallel guesses cannot exceed the
-- budget; a success marks its reservation afterwards. An error anywhere fails closed.
-- Budgets over 15 minutes: 5 failures per (account, client); 20 per account from clients it has
-- not seen sign in; 100 per client across accounts. A client that signed in to the account before
-- (its device token) or a signed-in session (changing the password) has only its own budget, so a
-- stranger cannot lock the owner out (OWASP's device-cookie pattern).
DROP TABLE login_failure;
CREATE TABLE auth_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account text NOT NULL CONSTRAINT auth_attempt_account_length CHECK (char_length(account) <= 320),
  -- 'ip:<hash>', 'device:<id>' or 'session:<id>': bounded, and never a raw client value.
  client text NOT NULL CONSTRAINT auth_attempt_client_length CHECK (char_length(client) <= 80),
  trusted boolean NOT NULL,
  succeeded boolean NOT NULL DEFAULT false,
  at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX auth_attempt_by_account ON auth_attempt (account, at) WHERE NOT succeeded;
CREATE INDEX auth_attempt_by_client ON auth_attempt (client, at) WHERE NOT succeeded;
CREATE INDEX auth_attempt_age ON auth_attempt (at);

CREATE FUNCTION auth_window() RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '15 minutes' $$;

-- Seconds until a budget of `lim` failures has room again: when its lim-th newest failure ages out.
CREATE FUNCTION auth_budget_wait(p_at timestamptz[], lim integer) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN cardinality(p_at) < lim THEN 0
    ELSE greatest(1, ceil(extract(epoch FROM (SELECT a FROM unnest(p_at) a ORDER BY a DESC OFFSET lim - 1 LIMIT 1)
                                     + auth_window() - now()))::int) END
$$;

-- What a device token carries of the password hash it was issued under (never the hash itself).
CREATE FUNCTION password_fingerprint(hash text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT left(encode(sha256(convert_to(hash, 'UTF8')), 'hex'), 16)
$$;

-- Reserves one password check for p_account from p_client. A device token is trusted only for the
-- account it was issued to, and only while that account's password is the one it was issued under
-- (p_device_pw: a fingerprint of the hash), so changing the password revokes every device.
-- Returns the attempt's id; raises TL429 (DETAIL carries retry_after) when a budget is spent.
CREATE FUNCTION auth_attempt_begin(p_account text, p_client text, p_device text, p_device_user integer,
                                   p_device_pw text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  acct text := lower(left(p_account, 320));
  v_trusted boolean;
  who text;
  attempt bigint;
BEGIN
  v_trusted := p_device IS NOT NULL AND (
    p_device LIKE 'session:%'
    OR EXISTS (SELECT 1 FROM app_user WHERE lower(email) = acct AND id = p_device_user
               AND password_fingerprint(password_hash) = p_device_pw));
  who := CASE WHEN v_trusted THEN p_device ELSE p_client END;
  -- Refused without waiting for any lock, so a flood of refused guesses cannot queue up the owner.
  PERFORM auth_budget_check(acct, who, v_trusted);
  -- A trusted client locks only its own budget; others also the account's and the client's.
  PERFORM pg_advisory_xact_lock(hashtextextended('auth:' || acct || '/' || who, 0));
  IF NOT v_trusted THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('auth-account:' || acct, 0));
    PERFORM pg_advisory_xact_lock(hashtextextended('auth-client:' || who, 0));
  END IF;
  PERFORM auth_budget_check(acct, who, v_trusted);
  INSERT INTO auth_attempt (account, client, trusted) VALUES (acct, who, v_trusted) RETURNING id INTO attempt;
  -- Old attempts are swept a few at a time, as idempotency keys are.
  DELETE FROM auth_attempt WHERE id IN (
    SELECT id FROM auth_attempt WHERE at < now() - auth_window() ORDER BY at LIMIT 10
  );
  RETURN attempt;
END
$$;

-- Raises TL429 with the real wait when a budget that applies to this client is spent.
CREATE FUNCTION auth_budget_check(acct text, who text, trusted_client boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  wait integer;
BEGIN
  wait := auth_budget_wait(ARRAY(
    SELECT at FROM auth_attempt WHERE account = acct AND client = who AND NOT succeeded AND at > now() - auth_window()
  ), 5);
  IF NOT trusted_client THEN
    wait := greatest(wait, auth_budget_wait(ARRAY(
      SELECT at FROM auth_attempt WHERE account = acct AND NOT trusted AND NOT succeeded AND at > now() - auth_window()
    ), 20));
    wait := greatest(wait, auth_budget_wait(ARRAY(
      SELECT at FROM auth_attempt WHERE client = who AND NOT succeeded AND at > now() - auth_window()
    ), 100));
  END IF;
  IF wait > 0 THEN
    RAISE EXCEPTION 'Too many failed password attempts; try again in % seconds.', wait
      USING ERRCODE = 'TL429', HINT = 'too_many_attempts', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
END
$$;

-- The password was right: this attempt and the earlier failures of the same client on the account
-- stop counting (a typo or two is forgiven); other clients' failures keep counting.
CREATE FUNCTION auth_attempt_succeeded(p_attempt bigint) RETURNS void LANGUAGE sql AS $$
  DELETE FROM auth_attempt f USING auth_attempt a
  WHERE a.id = p_attempt AND f.account = a.account AND f.client = a.client AND f.id <> a.id;
  UPDATE auth_attempt SET succeeded = true WHERE id = p_attempt;
$$;

-- Self-registration: a few accounts per client per hour, and only into open positions.
ALTER TABLE position ADD COLUMN open_for_registration boolean NOT NULL DEFAULT false;
UPDATE position SET open_for_registration = true WHERE id = 1;

CREATE TABLE registration_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client text NOT NULL CONSTRAINT registration_attempt_client_length CHECK (char_length(client) <= 80),
  at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX registration_attempt_by_client ON registration_attempt (client, at);

CREATE FUNCTION registration_begin(p_client text, p_position integer, p_per_hour integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  open boolean;
  recent timestamptz[];
  wait integer;
BEGIN
  SELECT open_for_registration INTO open FROM position WHERE id = p_position FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'position_fk does not name a position.' USING ERRCODE = 'TL422', HINT = 'unknown_position';
  END IF;
  IF NOT open THEN
    RAISE EXCEPTION 'This position is not open for self-registration; an administrator assigns it.'
      USING ERRCODE = 'TL403', HINT = 'position_not_open';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('register:' || p_client, 0));
  recent := ARRAY(SELECT at FROM registration_attempt WHERE client = p_client AND at > now() - interval '1 hour'
                  ORDER BY at DESC);
  IF cardinality(recent) >= p_per_hour THEN
    wait := greatest(1, ceil(extract(epoch FROM recent[p_per_hour] + interval '1 hour' - now()))::int);
    RAISE EXCEPTION 'Too many accounts created from here; try again in % seconds.', wait
      USING ERRCODE = 'TL429', HINT = 'too_many_registrations', DETAIL = json_build_object('retry_after', wait)::text;
  END IF;
  INSERT INTO registration_attempt (client) VALUES (p_client);
  DELETE FROM registration_attempt WHERE id IN (
    SELECT id FROM registration_attempt WHERE at < now() - interval '1 hour' ORDER BY at LIMIT 10
  );
END
$$;
