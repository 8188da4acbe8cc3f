-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject_type" TEXT,
    "subject_id" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "prev_hash" TEXT,
    "hash" TEXT,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_subject_type_subject_id_idx" ON "audit_events"("subject_type", "subject_id");


-- The chain: each row's hash covers the previous row's hash and this row's fields. The
-- trigger takes a transaction-level advisory lock and only then draws the row's id, so ids
-- follow the order in which appends hold the lock (and commit): the chain stays linear even
-- when many transactions append at once. The payload is a JSON array, so no field's content
-- can be shifted into another without changing the hash.
-- The migration runner splits scripts at every semicolon, so the PL/pgSQL bodies below are
-- escape strings that spell their semicolons as \073.
CREATE FUNCTION audit_event_payload(prev TEXT, e audit_events) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$ SELECT convert_to(json_build_array(prev, e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), e.actor, e.action, e.subject_type, e.subject_id, e.details)::text, 'UTF8') $$;

CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM pg_advisory_xact_lock(7212460113)\073
  NEW.id := nextval(pg_get_serial_sequence(\'audit_events\', \'id\'))\073
  SELECT hash INTO NEW.prev_hash FROM audit_events ORDER BY id DESC LIMIT 1\073
  NEW.hash := encode(sha256(audit_event_payload(NEW.prev_hash, NEW)), \'hex\')\073
  RETURN NEW\073
END
';

CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION \'audit_events is append-only: % refused\', TG_OP\073
END
';

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
