-- The CSV export's lines are written by PostgreSQL, so the worker streams text it never has to
-- parse and re-encode (src/reports/csv-queries.ts).

-- An RFC 4180 text cell. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
-- is neutralised with a leading apostrophe; quotes, commas and line breaks are quoted.
CREATE FUNCTION csv_text(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s IS NULL THEN ''
              WHEN s ~ '[",\r\n]' THEN '"' || replace(s, '"', '""') || '"'
              ELSE s END
  FROM (SELECT CASE WHEN v ~ '^[-=+@\t\r]' THEN '''' || v ELSE v END AS s) x
$$;

-- An offset in seconds as ISO 8601: +02:00, -03:30.
CREATE FUNCTION csv_offset(seconds integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN seconds < 0 THEN '-' ELSE '+' END
         || to_char(abs(seconds) / 3600, 'FM00') || ':' || to_char(abs(seconds) % 3600 / 60, 'FM00')
$$;

-- A local time in a zone with its offset, to the millisecond: 2026-03-29T03:00:00.000+02:00.
CREATE FUNCTION csv_time(t timestamptz, tz text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS.MS')
         || csv_offset(extract(epoch FROM (t AT TIME ZONE tz) - (t AT TIME ZONE 'UTC'))::integer)
$$;

-- Milliseconds as seconds without trailing zeros (3600, 3600.5, 0.001), and as h:mm.
CREATE FUNCTION csv_seconds(ms bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT trim_scale(ms / 1000.0)::text
$$;
CREATE FUNCTION csv_hm(ms bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ms / 3600000) || ':' || to_char(ms / 60000 % 60, 'FM00')
$$;
