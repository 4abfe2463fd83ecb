// Loads a `npm run db:export` file into an empty, freshly migrated database (`npm run db:import`).
// All in one transaction: a failure anywhere leaves the database as it was.
// - Refused unless the database's applied migrations are exactly the export's (the columns must
//   mean the same) and it holds no data beyond what the migrations seed.
// - The tables' own triggers are switched off for the load (ALTER TABLE … DISABLE TRIGGER, undone
//   before COMMIT, so no other session ever sees them off): the rows are loaded as they were, not
//   re-audited, re-announced to webhooks or re-stamped. Foreign keys stay checked (tables load
//   parents first). DISABLE TRIGGER needs the tables' owner (the role that ran the migrations),
//   not a superuser, so it works on Neon too. Every table is locked until COMMIT: the API waits.
// - Identity sequences continue where the exported ones stood (never below a loaded id), so ids
//   of deleted rows (sync tombstones) are not handed out again.
// - xid8 columns (sync's change markers) are transaction ids of the old server, meaningless here:
//   they are stamped with the import's own transaction, as if every row had just been written.
import type pg from "pg";
import { FORMAT, VERSION } from "./company-export.ts";
import { companySequences, companyTables, quote, SEEDED, type Table } from "./company-tables.ts";

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A database or file the import will not touch; the message says why. */
export class ImportRefused extends Error {}

const BATCH = 500;

interface Header {
  format: string;
  version: number;
  migrations: string[];
  tables: string[];
}

export async function importCompany(pool: pg.Pool, lines: AsyncIterable<string>): Promise<{ rows: number }> {
  const input = lines[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | unknown[] | null> => {
    for (;;) {
      const r = await input.next();
      if (r.done) return null;
      if (r.value.trim() !== "") return JSON.parse(r.value) as Record<string, unknown> | unknown[];
    }
  };
  const header = (await next()) as Header | null;
  if (!header || header.format !== FORMAT || header.version !== VERSION) {
    throw new ImportRefused(`Not a ${FORMAT} file of version ${VERSION}.`);
  }
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL statement_timeout = 0");
    const tables = new Map((await companyTables(client)).map((t) => [t.name, t]));
    // Locks every table (ALTER TABLE takes an exclusive lock), so nothing is written between the
    // check that the database is empty and the load.
    for (const t of tables.keys()) await client.query(`LOCK TABLE ${quote(t)} IN ACCESS EXCLUSIVE MODE`);
    await refuseUnlessReady(client, header);
    const triggers = await userTriggers(client);
    for (const t of triggers) await client.query(`ALTER TABLE ${quote(t.tbl)} DISABLE TRIGGER ${quote(t.name)}`);
    for (const name of SEEDED) if (tables.has(name)) await client.query(`DELETE FROM ${quote(name)}`);

    let total = 0;
    const seen: string[] = [];
    let line = await next();
    while (line && !Array.isArray(line) && typeof line.table === "string") {
      const section = line as { table: string; columns: string[]; rows: number };
      const table = tables.get(section.table);
      const columns = section.columns;
      const expected = table?.columns.map((c) => c.name) ?? [];
      if (!table || JSON.stringify(columns) !== JSON.stringify(expected)) {
        throw new ImportRefused(`Table ${section.table}: the export's columns differ from this database's.`);
      }
      let loaded = 0;
      let batch: unknown[][] = [];
      for (line = await next(); Array.isArray(line); line = await next()) {
        batch.push(line);
        if (batch.length === BATCH) {
          loaded += await insert(client, table, batch);
          batch = [];
        }
      }
      loaded += await insert(client, table, batch);
      if (loaded !== section.rows) {
        throw new ImportRefused(`Table ${section.table}: ${loaded} rows where the export announced ${section.rows}.`);
      }
      total += loaded;
      seen.push(section.table);
    }
    if (!line || Array.isArray(line) || !Array.isArray(line.sequences)) {
      throw new ImportRefused("The file ends early (no sequences line): it was cut short.");
    }
    if (JSON.stringify(seen) !== JSON.stringify(header.tables)) {
      throw new ImportRefused("The file's tables are not the ones its first line lists.");
    }
    await restoreSequences(client, line.sequences as { name: string; last_value: string; is_called: boolean }[]);
    const end = await next();
    if (!end || Array.isArray(end) || end.end !== true || end.rows !== total) {
      throw new ImportRefused("The file ends early (no end line, or fewer rows than it announced): it was cut short.");
    }
    for (const t of triggers) await client.query(`ALTER TABLE ${quote(t.tbl)} ENABLE TRIGGER ${quote(t.name)}`);
    await client.query("COMMIT");
    return { rows: total };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function refuseUnlessReady(client: pg.PoolClient, header: Header): Promise<void> {
  const applied = (
    await client.query<{ version: string }>("SELECT version FROM schema_migrations ORDER BY 1")
  ).rows.map((r) => r.version);
  if (JSON.stringify(applied) !== JSON.stringify(header.migrations)) {
    const missing = header.migrations.filter((m) => !applied.includes(m));
    const extra = applied.filter((m) => !header.migrations.includes(m));
    throw new ImportRefused(
      "This database's migrations differ from the export's " +
        `(missing here: ${missing.join(", ") || "none"}; not in the export: ${extra.join(", ") || "none"}). ` +
        "Import into a database migrated by the same release that exported.",
    );
  }
  const tables = (await companyTables(client)).filter((t) => !SEEDED.has(t.name));
  const { rows } = await client.query<{ name: string }>(
    tables
      .map((t) => `SELECT ${literal(t.name)} AS name WHERE EXISTS (SELECT 1 FROM ${quote(t.name)})`)
      .join(" UNION ALL "),
  );
  if (rows.length > 0) {
    throw new ImportRefused(
      `This database already holds data (${rows.map((r) => r.name).join(", ")}): import only into an empty, ` +
        "freshly migrated database.",
    );
  }
  const exported = [...header.tables].sort();
  const here = (await companyTables(client)).map((t) => t.name).sort();
  if (JSON.stringify(exported) !== JSON.stringify(here)) {
    throw new ImportRefused("The export's tables differ from this database's, though the migrations match.");
  }
}

/** Every trigger a migration made that is switched on (internal ones are the foreign keys' checks). */
async function userTriggers(client: pg.PoolClient): Promise<{ tbl: string; name: string }[]> {
  const { rows } = await client.query<{ tbl: string; name: string }>(`
    SELECT c.relname AS tbl, t.tgname AS name
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgenabled = 'O'
    ORDER BY 1, 2`);
  return rows;
}

/** One statement for a batch: the rows travel as one JSON parameter, each value cast from its text form. */
async function insert(client: pg.PoolClient, table: Table, rows: unknown[][]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = table.columns.map((c, i) => (c.type === "xid8" ? "pg_current_xact_id()" : `(r.v->>${i})::${c.type}`));
  const res = await client.query(
    `INSERT INTO ${quote(table.name)} (${table.columns.map((c) => quote(c.name)).join(", ")}) OVERRIDING SYSTEM VALUE
     SELECT ${values.join(", ")} FROM json_array_elements($1::json) AS r(v)`,
    [JSON.stringify(rows)],
  );
  return res.rowCount ?? 0;
}

async function restoreSequences(
  client: pg.PoolClient,
  exported: { name: string; last_value: string; is_called: boolean }[],
): Promise<void> {
  const byName = new Map(exported.map((s) => [s.name, s]));
  for (const s of await companySequences(client)) {
    const from = byName.get(s.name);
    if (from)
      await client.query("SELECT setval($1::regclass, $2::bigint, $3)", [
        quote(s.name),
        from.last_value,
        from.is_called,
      ]);
    if (!s.owner) continue;
    // Never below a loaded id: the next value handed out is past every row's.
    await client.query(
      `SELECT setval($1::regclass, m) FROM (SELECT max(${quote(s.owner.column)}) AS m FROM ${quote(s.owner.table)}) x
       WHERE m >= (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM ${quote(s.name)})`,
      [quote(s.name)],
    );
  }
}
