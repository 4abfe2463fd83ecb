// The tables a company's data lives in, read from the catalog (never a hand-kept list, so a table
// added by a later migration is exported without anyone remembering to), in an order where every
// table comes after the tables its foreign keys point at: rows load with the keys checked.
import type pg from "pg";

export interface Table {
  name: string;
  /** Stored columns in their table order (generated columns are recomputed, never loaded). */
  columns: Column[];
  /** The primary key's columns: the order rows are written in, so two exports of one database match. */
  key: string[];
}

export interface Column {
  name: string;
  /** As format_type prints it, e.g. `timestamp with time zone`, `text[]`: the import casts to it. */
  type: string;
}

/** Tables the migrations themselves fill (the default position, the one settings row, the default absence types). */
export const SEEDED = new Set(["position", "company_settings", "absence_type"]);

/** Migration bookkeeping, exported apart as the schema version. */
const NOT_DATA = new Set(["schema_migrations"]);

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function companyTables(db: pg.Pool | pg.PoolClient): Promise<Table[]> {
  const { rows } = await db.query<{ name: string; columns: Column[]; key: string[] | null; refs: string[] }>(`
    SELECT c.relname AS name,
      (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod))
                       ORDER BY a.attnum)
       FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attgenerated = '') AS columns,
      (SELECT json_agg(a.attname ORDER BY k.ord)
       FROM pg_constraint p, unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
       JOIN pg_attribute a ON a.attnum = k.attnum
       WHERE p.conrelid = c.oid AND p.contype = 'p' AND a.attrelid = c.oid) AS key,
      (SELECT coalesce(json_agg(DISTINCT r.relname), '[]')
       FROM pg_constraint f JOIN pg_class r ON r.oid = f.confrelid
       WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid) AS refs
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`);
  const parse = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
  const pending = new Map(
    rows
      .filter((r) => !NOT_DATA.has(r.name))
      .map((r) => [
        r.name,
        { table: { name: r.name, columns: parse(r.columns), key: parse(r.key) ?? [] }, refs: parse(r.refs) },
      ]),
  );
  // Kahn's algorithm, alphabetical among the ready ones so the order is stable.
  const ordered: Table[] = [];
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((p) => p.refs.every((r) => !pending.has(r)));
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${[...pending.keys()].join(", ")}`);
    for (const p of ready) {
      ordered.push(p.table);
      pending.delete(p.table.name);
    }
  }
  return ordered;
}

export interface Sequence {
  name: string;
  /** The identity or serial column it numbers, when it numbers one. */
  owner: { table: string; column: string } | null;
}

export async function companySequences(db: pg.Pool | pg.PoolClient): Promise<Sequence[]> {
  const { rows } = await db.query<{ name: string; tbl: string | null; col: string | null }>(`
    SELECT s.relname AS name, t.relname AS tbl, a.attname AS col
    FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
    LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class t ON t.oid = d.refobjid
    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE n.nspname = 'public' AND s.relkind = 'S'
    ORDER BY s.relname`);
  return rows.map((r) => ({ name: r.name, owner: r.tbl && r.col ? { table: r.tbl, column: r.col } : null }));
}
