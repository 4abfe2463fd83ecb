-- Clients, tasks and tags, and what is billable: the structure money is counted on.
CREATE TABLE client (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CONSTRAINT client_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  is_archived boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX client_name_key ON client (lower(name));

ALTER TABLE project
  ADD COLUMN client_fk integer CONSTRAINT project_client_fk_fkey REFERENCES client (id) ON DELETE RESTRICT,
  ADD COLUMN billable boolean NOT NULL DEFAULT true;
CREATE INDEX project_client ON project (client_fk);

CREATE TABLE task (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_fk integer NOT NULL CONSTRAINT task_project_fk_fkey REFERENCES project (id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT task_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  is_archived boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  -- The target of the logs' (task, project) key: a log's task is always of the log's project.
  CONSTRAINT task_of_project UNIQUE (id, project_fk)
);
CREATE UNIQUE INDEX task_name_key ON task (project_fk, lower(name));

CREATE TABLE tag (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CONSTRAINT tag_name_length CHECK (char_length(name) BETWEEN 1 AND 50),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tag_name_key ON tag (lower(name));

-- A log's task (of its own project: the database refuses another project's), its tags (kept on the
-- row, so locks, the audit trail, sync and webhooks cover them like any other field), and whether
-- it is billable (null: as its project says).
ALTER TABLE timelog
  ADD COLUMN task_fk integer,
  ADD COLUMN tag_ids integer[] NOT NULL DEFAULT '{}' CONSTRAINT timelog_tags_limit CHECK (cardinality(tag_ids) <= 20),
  ADD COLUMN billable boolean,
  ADD CONSTRAINT timelog_task_of_project FOREIGN KEY (task_fk, project_fk) REFERENCES task (id, project_fk);
CREATE INDEX timelog_task ON timelog (task_fk) WHERE task_fk IS NOT NULL;
CREATE INDEX timelog_tags ON timelog USING gin (tag_ids) WHERE tag_ids <> '{}';

-- Tags must exist (an array cannot have a foreign key): checked under a key-share lock on the tags,
-- so a tag cannot be deleted between the check and the commit; stored sorted and once each.
-- A new task must not be archived (an existing one may stay on its logs).
CREATE FUNCTION timelog_tags_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  found integer;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.tag_ids IS DISTINCT FROM OLD.tag_ids THEN
    NEW.tag_ids := ARRAY(SELECT DISTINCT x FROM unnest(NEW.tag_ids) x WHERE x IS NOT NULL ORDER BY x);
    SELECT count(*) INTO found FROM (SELECT 1 FROM tag WHERE id = ANY (NEW.tag_ids) FOR KEY SHARE) t;
    IF found <> cardinality(NEW.tag_ids) THEN
      RAISE EXCEPTION 'tags names a tag that does not exist.' USING ERRCODE = 'TL422', HINT = 'unknown_tag';
    END IF;
  END IF;
  IF NEW.task_fk IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.task_fk IS DISTINCT FROM OLD.task_fk)
     AND EXISTS (SELECT 1 FROM task WHERE id = NEW.task_fk AND is_archived) THEN
    RAISE EXCEPTION 'The task is archived.' USING ERRCODE = 'TL422', HINT = 'task_archived';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER timelog_tags_tasks BEFORE INSERT OR UPDATE OF tag_ids, task_fk ON timelog
FOR EACH ROW EXECUTE FUNCTION timelog_tags_tasks();

-- A tag on any log cannot be deleted (the logs would change silently, locked weeks included).
CREATE FUNCTION tag_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM timelog WHERE tag_ids @> ARRAY[OLD.id] AND tag_ids <> '{}') THEN
    RAISE EXCEPTION 'Tag % is on time logs.', OLD.id USING ERRCODE = 'TL409', HINT = 'tag_in_use';
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER tag_in_use BEFORE DELETE ON tag FOR EACH ROW EXECUTE FUNCTION tag_in_use();

CREATE OR REPLACE FUNCTION timelog_json(t timelog) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', t.id, 'user_fk', t.user_fk, 'project_fk', t.project_fk, 'task_fk', t.task_fk,
    'start_time', api_time(t.start_time), 'end_time', api_time(t.end_time), 'note', t.note,
    'tags', to_jsonb(t.tag_ids), 'billable', t.billable,
    'created_at', api_time(t.created_at), 'updated_at', api_time(t.updated_at), 'locked', timelog_locked(t))
$$;

CREATE OR REPLACE FUNCTION project_json(p project) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'secret_name', p.secret_name, 'started_at', api_time(p.started_at),
    'description', p.description, 'is_archived', p.is_archived, 'client_fk', p.client_fk, 'billable', p.billable)
$$;

CREATE FUNCTION client_json(c client) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', c.id, 'name', c.name, 'is_archived', c.is_archived, 'created_at', api_time(c.created_at))
$$;

CREATE FUNCTION task_json(t task) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', t.id, 'project_fk', t.project_fk, 'name', t.name, 'is_archived', t.is_archived,
    'created_at', api_time(t.created_at))
$$;

CREATE FUNCTION tag_json(t tag) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', t.id, 'name', t.name, 'created_at', api_time(t.created_at))
$$;
