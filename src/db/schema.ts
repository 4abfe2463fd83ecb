// The database as Kysely sees it: one interface per table, matching migrations/.
import type { ColumnType, Generated, GeneratedAlways } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type JsonValue = string | number | boolean | { [key: string]: JsonValue } | JsonValue[];

export interface PositionTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  salary: Generated<number>;
  open_for_registration: Generated<boolean>;
}

export interface AppUserTable {
  id: GeneratedAlways<number>;
  email: string;
  username: string;
  position_fk: number;
  registered_at: ColumnType<Date, never, never>;
  is_active: Generated<boolean>;
  is_superuser: Generated<boolean>;
  is_verified: Generated<boolean>;
  password_hash: string;
}

export interface SessionTable {
  id: Generated<string>;
  user_fk: number;
  created_at: ColumnType<Date, never, never>;
  expires_at: Timestamp;
  refresh_generation: Generated<number>;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface CompanySettingsTable {
  id: Generated<boolean>;
  timelog_earliest: Timestamp;
  timelog_max_seconds: number;
}

export interface Database {
  position: PositionTable;
  app_user: AppUserTable;
  session: SessionTable;
  company_settings: CompanySettingsTable;
  project: ProjectTable;
  timelog: TimelogTable;
  timelog_tombstone: TimelogTombstoneTable;
  idempotency_key: IdempotencyKeyTable;
}

export interface ProjectTable {
  id: Generated<number>;
  secret_name: string;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  description: string | null;
  is_archived: Generated<boolean>;
}

export interface TimelogTable {
  id: GeneratedAlways<number>;
  user_fk: number;
  project_fk: number;
  start_time: Timestamp;
  end_time: Timestamp | null;
  note: string | null;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, never>;
  changed_xid: ColumnType<string, never, never>;
}

export interface TimelogTombstoneTable {
  id: number;
  user_fk: number;
  deleted_at: ColumnType<Date, never, never>;
  changed_xid: ColumnType<string, never, never>;
}

export interface IdempotencyKeyTable {
  user_fk: number;
  key: string;
  request_hash: string;
  response: JsonValue | null;
  created_at: ColumnType<Date, never, never>;
}
