// The database as Kysely sees it: one interface per table, matching migrations/.
import type { ColumnType, Generated, GeneratedAlways } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface PositionTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  salary: Generated<number>;
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

export interface LoginFailureTable {
  id: GeneratedAlways<string>;
  email: string;
  client: string;
  at: Generated<Date>;
}

export interface Database {
  position: PositionTable;
  app_user: AppUserTable;
  session: SessionTable;
  login_failure: LoginFailureTable;
}
