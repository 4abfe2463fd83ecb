-- Money: one company currency, an effective-dated rate card, and the one rounding rule.
ALTER TABLE company_settings
  ADD COLUMN currency text NOT NULL DEFAULT 'EUR' CONSTRAINT company_currency CHECK (currency ~ '^[A-Z]{3}$');

-- Amounts are minor units of the company currency per hour. A billable rate is a project's, or a
-- (project, user) override; a cost rate is a position's, or a user's override. effective_from is a
-- day in the company's zone: a log is priced by the rate in effect on the day it starts there.
CREATE TABLE rate (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CONSTRAINT rate_kind CHECK (kind IN ('billable', 'cost')),
  amount bigint NOT NULL CONSTRAINT rate_amount CHECK (amount BETWEEN 0 AND 100000000000),
  effective_from date NOT NULL CONSTRAINT rate_effective_from CHECK (effective_from BETWEEN '1900-01-01' AND '9999-12-31'),
  project_fk integer CONSTRAINT rate_project_fk_fkey REFERENCES project (id) ON DELETE CASCADE,
  user_fk integer CONSTRAINT rate_user_fk_fkey REFERENCES app_user (id) ON DELETE CASCADE,
  position_fk integer CONSTRAINT rate_position_fk_fkey REFERENCES position (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT rate_target CHECK (
    (kind = 'billable' AND project_fk IS NOT NULL AND position_fk IS NULL)
    OR (kind = 'cost' AND project_fk IS NULL AND (user_fk IS NULL) <> (position_fk IS NULL))),
  CONSTRAINT rate_once UNIQUE NULLS NOT DISTINCT (kind, project_fk, user_fk, position_fk, effective_from)
);
CREATE INDEX rate_billable ON rate (project_fk, user_fk, effective_from) WHERE kind = 'billable';
CREATE INDEX rate_cost_user ON rate (user_fk, effective_from) WHERE kind = 'cost';
CREATE INDEX rate_cost_position ON rate (position_fk, effective_from) WHERE kind = 'cost';

-- Round half to even, exactly (numeric): amount = rate × milliseconds / 3,600,000.
CREATE FUNCTION money_for(p_rate bigint, p_ms numeric) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (q + CASE WHEN 2 * r > 3600000 OR (2 * r = 3600000 AND q % 2 = 1) THEN 1 ELSE 0 END)::bigint
  FROM (SELECT floor(p_rate * p_ms / 3600000) AS q) f,
       LATERAL (SELECT p_rate * p_ms - f.q * 3600000 AS r) m
$$;

CREATE FUNCTION rate_json(r rate) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', r.id, 'kind', r.kind, 'amount', r.amount,
    'currency', (SELECT currency FROM company_settings), 'effective_from', r.effective_from::text,
    'project_fk', r.project_fk, 'user_fk', r.user_fk, 'position_fk', r.position_fk, 'created_at', api_time(r.created_at))
$$;

-- Amounts are in the company currency: it cannot change once rates are entered in it.
CREATE FUNCTION company_currency_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM rate) THEN
    RAISE EXCEPTION 'Rates are entered in %; the currency cannot change.', OLD.currency
      USING ERRCODE = 'TL409', HINT = 'currency_in_use';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER company_currency_fixed BEFORE UPDATE OF currency ON company_settings
FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency) EXECUTE FUNCTION company_currency_fixed();
