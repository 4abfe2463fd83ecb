-- From a review of 0014–0016 (each reproduced first on a scratch database).

-- The currency guard could be raced: a rate inserted but not yet committed was invisible to it, so
-- the currency changed under an amount entered in the old one. The guard now waits for rate
-- writes in flight (SHARE conflicts with their ROW EXCLUSIVE) and then sees them.
CREATE OR REPLACE FUNCTION company_currency_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE rate IN SHARE MODE;
  IF EXISTS (SELECT 1 FROM rate) THEN
    RAISE EXCEPTION 'Rates are entered in %; the currency cannot change.', OLD.currency
      USING ERRCODE = 'TL409', HINT = 'currency_in_use';
  END IF;
  RETURN NEW;
END
$$;

-- The CSV lists a log's tag names separated by ';': a name may not contain one.
ALTER TABLE tag ADD CONSTRAINT tag_name_no_semicolon CHECK (position(';' IN name) = 0);
