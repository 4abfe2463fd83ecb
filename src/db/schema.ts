// The database as Kysely sees it: one interface per table, matching migrations/.
export type Database = {};
