import Foundation
import KairosStore
import Logging
import PostgresNIO

extension PostgresJobStore {
    /// One schema migration: an identifier `v<N>-<what>` and its statements, run in one transaction.
    struct Migration: Sendable {
        let id: String
        let statements: [String]
    }

    /// The advisory lock (`pg_advisory_lock`) held while a process migrates: two processes that
    /// start together on an empty database apply the migrations one after the other, and the
    /// second finds nothing left to do.
    static let migrationLock: Int64 = 0x4B61_6972_6F73_4D31  // "KairosM1"

    /// The schema migrations, append-only: never edit a released migration, add a new one.
    /// `appliedMigrations()` lists them oldest first (table `kairos_migrations`).
    static let migrations: [Migration] = [
        Migration(
            id: "v1-jobs-executions-instances-api-keys",
            statements: [
                // Instants are BIGINT microseconds since 1970 UTC, as the SQLite driver stores them (the
                // store protocol passes every `now`); text that is sorted or compared byte by byte is
                // COLLATE "C", whatever the database's locale.
                """
                    CREATE TABLE jobs (
                        id uuid PRIMARY KEY,
                        key text COLLATE "C" NOT NULL,
                        name text COLLATE "C" NOT NULL,
                        description text NOT NULL,
                        task text COLLATE "C" NOT NULL,
                        args text NOT NULL,
                        schedule text NOT NULL,
                        priority integer NOT NULL,
                        max_instances integer NOT NULL,
                        misfire_grace_time integer NOT NULL,
                        coalesce_fires boolean NOT NULL,
                        retry text NOT NULL,
                        timeout double precision,
                        enabled boolean NOT NULL,
                        paused boolean NOT NULL,
                        deleted boolean NOT NULL DEFAULT false,
                        system boolean NOT NULL DEFAULT false,
                        next_run_at bigint,
                        last_run_at bigint,
                        last_status text,
                        created_at bigint NOT NULL,
                        updated_at bigint NOT NULL,
                        version integer NOT NULL
                    )
                    """,
                // One live job per key; a deleted job's key can be reused.
                """
                    CREATE UNIQUE INDEX jobs_key_live ON jobs (key) WHERE NOT deleted
                    """,
                // Due jobs: the scheduler's claims, earliestNextRun, upcomingJobs, the active filter.
                """
                    CREATE INDEX jobs_due ON jobs (next_run_at, key)
                        WHERE enabled AND NOT paused AND NOT deleted AND next_run_at IS NOT NULL
                    """,
                // One index per list order (key breaks ties): a page seeks from its cursor.
                """
                    CREATE INDEX jobs_by_name ON jobs (name, key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX jobs_by_priority ON jobs (priority, key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX jobs_by_created_at ON jobs (created_at, key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX jobs_by_next_run ON jobs ((COALESCE(next_run_at, 9223372036854775807)), key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX jobs_by_last_run ON jobs ((COALESCE(last_run_at, -9223372036854775808)), key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX jobs_by_task ON jobs (task, key) WHERE NOT deleted
                    """,
                // lastJob(key:): the history of a deleted job's key.
                """
                    CREATE INDEX jobs_deleted_by_key ON jobs (key, updated_at, id) WHERE deleted
                    """,
                // Live jobs per state, kept in the transaction of every write to jobs: by triggers
                // on inserts, deletes and spec changes (which write enabled, paused and deleted), and
                // by claimDueFires for the one change a fire makes (active to finished).
                """
                    CREATE TABLE job_counts (state text PRIMARY KEY, jobs bigint NOT NULL)
                    """,
                """
                    INSERT INTO job_counts (state, jobs) VALUES ('active', 0), ('paused', 0), ('disabled', 0), ('finished', 0)
                    """,
                """
                    CREATE FUNCTION kairos_job_state(enabled boolean, paused boolean, deleted boolean, next_run_at bigint) RETURNS text
                        IMMUTABLE LANGUAGE sql AS $$
                        SELECT CASE WHEN deleted THEN NULL WHEN NOT enabled THEN 'disabled' WHEN paused THEN 'paused'
                            WHEN next_run_at IS NULL THEN 'finished' ELSE 'active' END
                        $$
                    """,
                """
                    CREATE FUNCTION kairos_jobs_count() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE
                            old_state text;
                            new_state text;
                        BEGIN
                            IF TG_OP <> 'INSERT' THEN old_state := kairos_job_state(OLD.enabled, OLD.paused, OLD.deleted, OLD.next_run_at); END IF;
                            IF TG_OP <> 'DELETE' THEN new_state := kairos_job_state(NEW.enabled, NEW.paused, NEW.deleted, NEW.next_run_at); END IF;
                            IF old_state IS DISTINCT FROM new_state THEN
                                IF old_state IS NOT NULL THEN UPDATE job_counts SET jobs = jobs - 1 WHERE state = old_state; END IF;
                                IF new_state IS NOT NULL THEN UPDATE job_counts SET jobs = jobs + 1 WHERE state = new_state; END IF;
                            END IF;
                            RETURN NULL;
                        END
                        $$
                    """,
                """
                    CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION kairos_jobs_count()
                    """,
                """
                    CREATE TRIGGER jobs_count_update AFTER UPDATE OF enabled, paused, deleted ON jobs FOR EACH ROW EXECUTE FUNCTION kairos_jobs_count()
                    """,
                """
                    CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION kairos_jobs_count()
                    """,
                """
                    CREATE TABLE executions (
                        id uuid PRIMARY KEY,
                        job_id uuid NOT NULL REFERENCES jobs (id),
                        job_key text COLLATE "C" NOT NULL,
                        trigger text NOT NULL,
                        status text NOT NULL,
                        scheduled_at bigint NOT NULL,
                        run_after bigint NOT NULL,
                        priority integer NOT NULL,
                        attempt integer NOT NULL,
                        started_at bigint,
                        finished_at bigint,
                        duration_ms bigint,
                        error_reason text,
                        error_message text,
                        result text,
                        instance_id text,
                        lease_expires_at bigint,
                        created_at bigint NOT NULL,
                        miss_after bigint,
                        attempts text
                    )
                    """,
                // Exactly once: at most one execution per job and scheduled fire.
                """
                    CREATE UNIQUE INDEX executions_fire ON executions (job_id, scheduled_at) WHERE trigger = 'scheduled'
                    """,
                // Claims walk the queue in priority order; earliest queued and queue depth by run_after.
                """
                    CREATE INDEX executions_queue_order ON executions (priority DESC, run_after, scheduled_at) WHERE status = 'queued'
                    """,
                """
                    CREATE INDEX executions_queued ON executions (run_after) WHERE status = 'queued'
                    """,
                // Queued work without a grace deadline (retries, manual runs): local claims wait for it.
                """
                    CREATE INDEX executions_queued_unbounded ON executions (run_after) WHERE status = 'queued' AND miss_after IS NULL
                    """,
                // Waiting fires by deadline (the scheduler's sweep) and by job (coalescing).
                """
                    CREATE INDEX executions_waiting ON executions (miss_after) WHERE status = 'queued' AND miss_after IS NOT NULL
                    """,
                """
                    CREATE INDEX executions_waiting_by_job ON executions (job_id, scheduled_at) WHERE status = 'queued' AND miss_after IS NOT NULL
                    """,
                // maxInstances: running executions per job.
                """
                    CREATE INDEX executions_running_by_job ON executions (job_id) WHERE status = 'running'
                    """,
                // History, per job and global, newest first.
                """
                    CREATE INDEX executions_history_job ON executions (job_id, scheduled_at DESC, id DESC)
                    """,
                """
                    CREATE INDEX executions_history ON executions (scheduled_at DESC, id DESC)
                    """,
                // Leases: the reaper by expiry, heartbeats by instance.
                """
                    CREATE INDEX executions_lease ON executions (lease_expires_at) WHERE lease_expires_at IS NOT NULL
                    """,
                """
                    CREATE INDEX executions_leased_by_instance ON executions (instance_id) WHERE lease_expires_at IS NOT NULL
                    """,
                // Retention: final executions by finish time.
                """
                    CREATE INDEX executions_finished ON executions (finished_at) WHERE finished_at IS NOT NULL
                    """,
                """
                    CREATE TABLE instances (
                        id text PRIMARY KEY,
                        hostname text NOT NULL,
                        pid bigint NOT NULL,
                        roles text NOT NULL,
                        version text NOT NULL,
                        started_at bigint NOT NULL,
                        heartbeat_at bigint NOT NULL,
                        stopped_at bigint
                    )
                    """,
                // API keys, stored hashed (the secret is never written).
                """
                    CREATE TABLE api_keys (
                        id uuid PRIMARY KEY,
                        name text NOT NULL,
                        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                        prefix text NOT NULL,
                        hash text NOT NULL UNIQUE,
                        created_at bigint NOT NULL,
                        revoked_at bigint
                    )
                    """,
            ]),
        Migration(
            id: "v2-web-sessions",
            statements: [
                // Dashboard sessions (WebSessionStore): hashes only, never a secret.
                """
                    CREATE TABLE web_sessions (
                        hash text PRIMARY KEY,
                        key_hash text NOT NULL,
                        created_at bigint NOT NULL,
                        last_seen_at bigint NOT NULL
                    )
                    """,
                "CREATE INDEX web_sessions_by_created_at ON web_sessions (created_at)",
                "CREATE INDEX web_sessions_by_last_seen_at ON web_sessions (last_seen_at)",
            ]),
        Migration(
            id: "v3-job-counts-per-statement",
            statements: [
                // v1 counted inserted and deleted jobs row by row: each row updated the same
                // `job_counts` row again, and within one transaction every update walks the
                // versions the earlier ones left, so an insert of n jobs cost O(n²) (10,000 jobs:
                // over a second). Now once per statement, from the statement's transition table.
                """
                    CREATE FUNCTION kairos_jobs_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF TG_OP = 'INSERT' THEN
                                UPDATE job_counts c SET jobs = c.jobs + n.jobs
                                FROM (SELECT kairos_job_state(enabled, paused, deleted, next_run_at) AS state, count(*) AS jobs
                                      FROM inserted_jobs GROUP BY 1) n
                                WHERE c.state = n.state;
                            ELSE
                                UPDATE job_counts c SET jobs = c.jobs - n.jobs
                                FROM (SELECT kairos_job_state(enabled, paused, deleted, next_run_at) AS state, count(*) AS jobs
                                      FROM deleted_jobs GROUP BY 1) n
                                WHERE c.state = n.state;
                            END IF;
                            RETURN NULL;
                        END
                        $$
                    """,
                "DROP TRIGGER jobs_count_insert ON jobs",
                "DROP TRIGGER jobs_count_delete ON jobs",
                """
                    CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS inserted_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                    """,
                """
                    CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS deleted_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                    """,
            ]),
        Migration(
            id: "v4-job-slots",
            statements: [
                // `maxInstances` across processes without a lock per job: a running execution holds
                // one numbered slot of its job, below the job's maxInstances, and the primary key
                // lets one claim only have a slot (`INSERT … ON CONFLICT DO NOTHING`). It replaces
                // the claim locks (`pg_advisory_xact_lock` per job), which every scheduling pass and
                // worker claim took for a whole transaction (docs/PERFORMANCE.md, 2026-12-07).
                """
                    CREATE TABLE job_slots (
                        job_id uuid NOT NULL,
                        slot integer NOT NULL,
                        execution_id uuid NOT NULL UNIQUE,
                        PRIMARY KEY (job_id, slot)
                    )
                    """,
                """
                    INSERT INTO job_slots (job_id, slot, execution_id)
                    SELECT job_id, row_number() OVER (PARTITION BY job_id ORDER BY id) - 1, id FROM executions WHERE status = 'running'
                    """,
                // An execution that stops running frees its slot, whatever statement moved it
                // (completion, retry, release, cancel, reaper, job change, retention). A row
                // trigger whose WHEN is checked before any function runs: claims and lease renewals
                // pay nothing; a statement trigger that read its transition tables cost 4 ms a
                // statement, every claim included (5 µs a row here; docs/PERFORMANCE.md).
                """
                    CREATE FUNCTION kairos_free_job_slot() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            DELETE FROM job_slots WHERE execution_id = OLD.id;
                            RETURN NULL;
                        END
                        $$
                    """,
                """
                    CREATE TRIGGER executions_free_slot_update AFTER UPDATE OF status ON executions
                    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION kairos_free_job_slot()
                    """,
                """
                    CREATE TRIGGER executions_free_slot_delete AFTER DELETE ON executions
                    FOR EACH ROW WHEN (OLD.status = 'running') EXECUTE FUNCTION kairos_free_job_slot()
                    """,
                // Claims walk the queue in pages, each after the last row of the one before: the
                // order needs the id to be total, and the index the id to stop after a page (the
                // fires of one instant share priority, run_after and scheduled_at by thousands).
                """
                    CREATE INDEX executions_claim_order ON executions (priority DESC, run_after, scheduled_at, id) WHERE status = 'queued'
                    """,
                "DROP INDEX executions_queue_order",
            ]),
        Migration(
            id: "v5-job-runs",
            statements: [
                // The scheduler's state of a job moves to a narrow table of its own. Every fire
                // wrote `next_run_at` and every completion `last_run_at` of the wide `jobs` row,
                // whose ten indexes (the list orders) all took a new entry each time, as an
                // indexed column changed (no HOT update): the top cost of a fire at 3,000–5,000
                // fires/s (docs/PERFORMANCE.md, 2026-12-07). `job_runs` has four indexes;
                // `job_key`, `job_name`, `enabled`, `paused` and `deleted` are copies of the spec's,
                // written with it, for its due and list-order indexes, the searches and filters of
                // the lists in those orders, and the job counts.
                """
                    CREATE TABLE job_runs (
                        job_id uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
                        job_key text COLLATE "C" NOT NULL,
                        job_name text COLLATE "C" NOT NULL,
                        enabled boolean NOT NULL,
                        paused boolean NOT NULL,
                        deleted boolean NOT NULL,
                        next_run_at bigint,
                        last_run_at bigint,
                        last_status text
                    )
                    """,
                """
                    INSERT INTO job_runs (job_id, job_key, job_name, enabled, paused, deleted, next_run_at, last_run_at, last_status)
                    SELECT id, key, name, enabled, paused, deleted, next_run_at, last_run_at, last_status FROM jobs
                    """,
                // The job counts follow the state, which is now `job_runs`' (same functions: the
                // columns they read have the same names). The rows copied above are counted already.
                "DROP TRIGGER jobs_count_insert ON jobs",
                "DROP TRIGGER jobs_count_update ON jobs",
                "DROP TRIGGER jobs_count_delete ON jobs",
                """
                    CREATE TRIGGER job_runs_count_insert AFTER INSERT ON job_runs REFERENCING NEW TABLE AS inserted_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                    """,
                """
                    CREATE TRIGGER job_runs_count_update AFTER UPDATE OF enabled, paused, deleted ON job_runs
                    FOR EACH ROW EXECUTE FUNCTION kairos_jobs_count()
                    """,
                """
                    CREATE TRIGGER job_runs_count_delete AFTER DELETE ON job_runs REFERENCING OLD TABLE AS deleted_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                    """,
                // Drops jobs_due, jobs_by_next_run and jobs_by_last_run with the columns.
                "ALTER TABLE jobs DROP COLUMN next_run_at, DROP COLUMN last_run_at, DROP COLUMN last_status",
                """
                    CREATE INDEX job_runs_due ON job_runs (next_run_at, job_key)
                        WHERE enabled AND NOT paused AND NOT deleted AND next_run_at IS NOT NULL
                    """,
                """
                    CREATE INDEX job_runs_by_next_run ON job_runs ((COALESCE(next_run_at, 9223372036854775807)), job_key) WHERE NOT deleted
                    """,
                """
                    CREATE INDEX job_runs_by_last_run ON job_runs ((COALESCE(last_run_at, -9223372036854775808)), job_key) WHERE NOT deleted
                    """,
                // Read by the running counts of v1–v3's claims, which the slots replaced (v4); every
                // claimed execution still wrote an entry.
                "DROP INDEX executions_running_by_job",
            ]),
        Migration(
            id: "v6-job-slot-rows-kept",
            statements: [
                // A slot's row stays once its job has used it: taking the slot sets its
                // execution, freeing it clears it. Inserted and deleted for every run (v4), the
                // table and both its indexes filled with dead rows between vacuums (100,000 for
                // 5,000 jobs at 1 s within 20 s), and every read of a job's slots walked them. An
                // update of the unindexed `execution_id` is a HOT update, on the same page (half
                // of each left free), which PostgreSQL prunes as it reads it (docs/POSTGRES.md).
                "ALTER TABLE job_slots DROP CONSTRAINT job_slots_execution_id_key",
                "ALTER TABLE job_slots ALTER COLUMN execution_id DROP NOT NULL",
                "ALTER TABLE job_slots SET (fillfactor = 50)",
                """
                    CREATE OR REPLACE FUNCTION kairos_free_job_slot() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            UPDATE job_slots SET execution_id = NULL WHERE job_id = OLD.job_id AND execution_id = OLD.id;
                            RETURN NULL;
                        END
                        $$
                    """,
                // A statement that frees the slots of the rows it moves itself (a batch of
                // outcomes, in one join) says so for its transaction, and the row trigger stands
                // aside: its plpgsql call cost 33 µs a row, a third of the batch.
                "DROP TRIGGER executions_free_slot_update ON executions",
                """
                    CREATE TRIGGER executions_free_slot_update AFTER UPDATE OF status ON executions
                    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running'
                      AND current_setting('kairos.slots_freed_by', true) IS DISTINCT FROM 'statement')
                    EXECUTE FUNCTION kairos_free_job_slot()
                    """,
            ]),
        Migration(
            id: "v7-executions-fewer-writes",
            statements: [
                // Each new execution ran the foreign key's check, a trigger that locks the job's
                // row `FOR KEY SHARE` (a write to the `jobs` page, and WAL); jobs are never
                // deleted (a deleted job is a flag), and every insert comes from a job the same
                // transaction read.
                "ALTER TABLE executions DROP CONSTRAINT executions_job_id_fkey",
                // The leased rows are the running ones, a few thousand at most: the reaper reads
                // them all through `executions_leased_by_instance` as quickly, and a claim no
                // longer writes a second lease index entry.
                "DROP INDEX executions_lease",
            ]),
    ]

    /// Applies the pending migrations over one connection of its own, holding the migration
    /// lock; each migration commits with its identifier. Returns those it applied.
    static func migrateOnce(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws -> [String] {
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try configuration.connectionConfiguration()
        } catch {
            throw StoreError(.unavailable, "cannot use TLS for the PostgreSQL database \(configuration): \(error)")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.next(), configuration: connectionConfiguration, id: 0, logger: logger
            ).get()
        } catch {
            throw StoreError(.unavailable, "cannot connect to the PostgreSQL database \(configuration): \(describe(error))")
        }
        do {
            let applied = try await migrate(Session(connection: connection, logger: logger), configuration: configuration)
            try? await connection.close()
            return applied
        } catch {
            try? await connection.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(.unavailable, "cannot migrate the PostgreSQL database \(configuration): \(describe(error))")
        }
    }

    private static func migrate(_ session: Session, configuration: PostgresStoreConfiguration) async throws -> [String] {
        try await session.execute("SELECT pg_advisory_lock($1)", [Bind(migrationLock)])
        do {
            try await session.execute(
                "CREATE TABLE IF NOT EXISTS kairos_migrations (id text PRIMARY KEY, position integer NOT NULL UNIQUE, applied_at timestamptz NOT NULL DEFAULT now())")
            let applied = try await session.rows("SELECT id FROM kairos_migrations ORDER BY position").map { try $0[0].decode(String.self) }
            let known = Set(migrations.map(\.id))
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw StoreError(
                    .unavailable,
                    "cannot open the PostgreSQL database \(configuration): its schema is newer than this version of Kairos knows (unknown migrations: \(unknown.joined(separator: ", "))); upgrade Kairos")
            }
            var done: [String] = []
            for (position, migration) in migrations.enumerated() where !applied.contains(migration.id) {
                try await session.execute("BEGIN")
                do {
                    for statement in migration.statements { try await session.execute(statement) }
                    try await session.execute("INSERT INTO kairos_migrations (id, position) VALUES ($1, $2)", [Bind(migration.id), Bind(position + 1)])
                    try await session.execute("COMMIT")
                } catch {
                    try? await session.execute("ROLLBACK")
                    throw error
                }
                done.append(migration.id)
            }
            try await session.execute("SELECT pg_advisory_unlock($1)", [Bind(migrationLock)])
            return done
        } catch {
            try? await session.execute("SELECT pg_advisory_unlock($1)", [Bind(migrationLock)])
            throw error
        }
    }
}
