// A company's whole database as JSON Lines, for leaving Neon or moving between servers
// (`npm run db:export`). One line each:
//   {"format":"timelog-export","version":1,"migrations":[…],"tables":[…],"exported_at":…}
//   {"table":"app_user","columns":[…],"rows":N}  then N lines, each one row as an array of the
//                                                 columns' text forms (PostgreSQL's own output, null for NULL)
//   {"sequences":[{"name":…,"last_value":…,"is_called":…}]}
//   {"end":true,"rows":total}                    (a file without it was cut short)
// Everything is read in one REPEATABLE READ transaction: one snapshot, so the rows agree with each
// other (an audit event and the row it describes) even while the API keeps writing. Rows are
// fetched through a cursor, a page at a time: memory stays flat however large the company.
import type pg from "pg";
import { companySequences, companyTables, quote } from "./company-tables.ts";

export const FORMAT = "timelog-export";
export const VERSION = 1;
const PAGE = 1000;

export type Write = (line: string) => Promise<void>;

export async function exportCompany(pool: pg.Pool, write: Write): Promise<{ tables: number; rows: number }> {
  const client = await pool.connect();
  let total = 0;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("SET LOCAL statement_timeout = 0");
    const migrations = (await client.query<{ version: string }>("SELECT version FROM schema_migrations ORDER BY 1"))
      .rows;
    const tables = await companyTables(client);
    await write(
      JSON.stringify({
        format: FORMAT,
        version: VERSION,
        migrations: migrations.map((m) => m.version),
        tables: tables.map((t) => t.name),
        exported_at: new Date().toISOString(),
      }),
    );
    for (const table of tables) {
      const name = quote(table.name);
      const count = (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${name}`)).rows[0]?.n;
      await write(
        JSON.stringify({ table: table.name, columns: table.columns.map((c) => c.name), rows: Number(count) }),
      );
      const values = table.columns.map((c) => `${quote(c.name)}::text`).join(", ");
      const order = table.key.length ? `ORDER BY ${table.key.map(quote).join(", ")}` : "";
      await client.query(`DECLARE rows NO SCROLL CURSOR FOR
        SELECT array_to_json(ARRAY[${values}]::text[])::text AS line FROM ${name} ${order}`);
      for (;;) {
        const page = await client.query<{ line: string }>(`FETCH ${PAGE} FROM rows`);
        for (const row of page.rows) await write(row.line);
        total += page.rows.length;
        if (page.rows.length < PAGE) break;
      }
      await client.query("CLOSE rows");
    }
    const sequences = [];
    for (const s of await companySequences(client)) {
      const { rows } = await client.query<{ last_value: string; is_called: boolean | string }>(
        `SELECT last_value::text, is_called FROM ${quote(s.name)}`,
      );
      const row = rows[0];
      if (!row) continue;
      sequences.push({ name: s.name, last_value: row.last_value, is_called: String(row.is_called)[0] === "t" });
    }
    await write(JSON.stringify({ sequences }));
    await write(JSON.stringify({ end: true, rows: total }));
    await client.query("COMMIT");
    return { tables: tables.length, rows: total };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
