import GRDB

extension SQLiteJobStore {
    /// The schema migrations, append-only: never edit a released migration, add a new one.
    /// Identifiers are `v<N>-<what>`; `appliedMigrations()` lists them oldest first.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-jobs-executions-instances") { db in
            // Instants are INTEGER microseconds since 1970 (UTC); ids are 16-byte UUID blobs.
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id BLOB PRIMARY KEY NOT NULL,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    task TEXT NOT NULL,
                    args TEXT NOT NULL,               -- JSON object
                    schedule TEXT NOT NULL,           -- JSON, intervals anchored
                    priority INTEGER NOT NULL,
                    max_instances INTEGER NOT NULL,
                    misfire_grace_time INTEGER NOT NULL,
                    coalesce INTEGER NOT NULL,
                    retry TEXT NOT NULL,              -- JSON
                    timeout REAL,
                    enabled INTEGER NOT NULL,
                    paused INTEGER NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    system INTEGER NOT NULL DEFAULT 0,
                    next_run_at INTEGER,
                    last_run_at INTEGER,
                    last_status TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    version INTEGER NOT NULL
                );
                -- One live job per key; a deleted job's key can be reused.
                CREATE UNIQUE INDEX jobs_key_live ON jobs(key) WHERE deleted = 0;
                -- Due jobs: the scheduler's claim scans this in next_run_at order.
                CREATE INDEX jobs_due ON jobs(next_run_at)
                    WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL;

                CREATE TABLE executions (
                    id BLOB PRIMARY KEY NOT NULL,
                    job_id BLOB NOT NULL REFERENCES jobs(id),
                    job_key TEXT NOT NULL,
                    trigger TEXT NOT NULL,            -- scheduled | manual
                    status TEXT NOT NULL,             -- queued | running | succeeded | failed | cancelled | missed
                    scheduled_at INTEGER NOT NULL,
                    run_after INTEGER NOT NULL,
                    priority INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    duration_ms INTEGER,
                    error_reason TEXT,
                    error_message TEXT,
                    result TEXT,
                    instance_id TEXT,
                    lease_expires_at INTEGER,
                    created_at INTEGER NOT NULL
                );
                -- Exactly once: at most one execution per job and scheduled fire.
                CREATE UNIQUE INDEX executions_fire ON executions(job_id, scheduled_at) WHERE trigger = 'scheduled';
                -- Claims (runnable queued executions, then sorted by priority), earliest queued, queue depth.
                CREATE INDEX executions_queued ON executions(status, run_after) WHERE status = 'queued';
                -- maxInstances: running executions per job.
                CREATE INDEX executions_running_by_job ON executions(job_id) WHERE status = 'running';
                -- History, per job and global, newest first.
                CREATE INDEX executions_history_job ON executions(job_id, scheduled_at DESC, id DESC);
                CREATE INDEX executions_history ON executions(scheduled_at DESC, id DESC);
                -- Leases: the reaper scans expired ones; heartbeats renew an instance's (the leased
                -- set is the running set, bounded by the workers' concurrency).
                CREATE INDEX executions_lease ON executions(lease_expires_at) WHERE lease_expires_at IS NOT NULL;
                -- Retention: final executions by finish time.
                CREATE INDEX executions_finished ON executions(finished_at) WHERE finished_at IS NOT NULL;

                CREATE TABLE instances (
                    id TEXT PRIMARY KEY NOT NULL,
                    hostname TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    roles TEXT NOT NULL,              -- comma-separated
                    version TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    heartbeat_at INTEGER NOT NULL,
                    stopped_at INTEGER
                );
                """)
        }
        migrator.registerMigration("v2-executions-queue-order") { db in
            // Claims read queued executions in priority order: walk an index in that order
            // instead of sorting every runnable queued row on each claim (measured: a backlog
            // of 90,000 queued rows made each claim sort all of them).
            try db.execute(sql: """
                CREATE INDEX executions_queue_order ON executions(priority DESC, run_after, scheduled_at) WHERE status = 'queued';
                """)
        }

        migrator.registerMigration("v3-executions-fire-by-time") { db in
            // The exactly-once index, ordered by fire time first: a burst of fires at one
            // instant then lands in one region of the index instead of one page per job. On
            // a large table the job-first order dirtied every page of the index on each burst,
            // and writing those pages back became the limit (docs/PERFORMANCE.md).
            try db.execute(sql: """
                CREATE UNIQUE INDEX executions_fire_by_time ON executions(scheduled_at, job_id) WHERE trigger = 'scheduled';
                DROP INDEX executions_fire;
                """)
        }

        migrator.registerMigration("v4-api-keys") { db in
            // API keys, stored hashed: the secret itself is never written, only its SHA-256
            // (lower-case hex, unique: the lookup when a request authenticates) and a short
            // prefix for lists. A revoked key keeps its row (revoked_at set once).
            try db.execute(sql: """
                CREATE TABLE api_keys (
                    id BLOB PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                    prefix TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                """)
        }

        migrator.registerMigration("v5-executions-miss-after") { db in
            // A scheduled fire waiting in the queue past its misfire grace is recorded missed,
            // not run late: its deadline, the waiting set by deadline (the scheduler's sweep)
            // and by job (coalescing a job's waiting fires). Fires already waiting get theirs.
            try db.execute(sql: """
                ALTER TABLE executions ADD COLUMN miss_after INTEGER;
                UPDATE executions SET miss_after = run_after + 1000000 * (SELECT misfire_grace_time FROM jobs WHERE jobs.id = executions.job_id)
                    WHERE status IN ('queued', 'running') AND trigger = 'scheduled' AND attempt = 1;
                CREATE INDEX executions_waiting ON executions(miss_after) WHERE status = 'queued' AND miss_after IS NOT NULL;
                CREATE INDEX executions_waiting_by_job ON executions(job_id, scheduled_at) WHERE status = 'queued' AND miss_after IS NOT NULL;
                """)
        }

        migrator.registerMigration("v6-jobs-list-indexes-counts-search") { db in
            // A million jobs (docs/PERFORMANCE.md): every list order walks an index of live jobs
            // (key breaks ties, so a keyset cursor seeks into it, in either direction) instead of
            // sorting every row; filters have indexes of their own for when they select few jobs.
            // Missing run times sort last (next) or first (last): virtual columns hold the value
            // sorted by, because SQLite seeks an index by a row value (`(a, key) > (?, ?)`) on
            // columns only, not on expressions. The order indexes end with enabled, paused and
            // system (which only change with the spec, never with a fire), so that a walk tests
            // those filters in the index instead of reading the row of every job it skips.
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN next_run_order INTEGER GENERATED ALWAYS AS (IFNULL(next_run_at, 9223372036854775807)) VIRTUAL;
                ALTER TABLE jobs ADD COLUMN last_run_order INTEGER GENERATED ALWAYS AS (IFNULL(last_run_at, -9223372036854775808)) VIRTUAL;
                CREATE INDEX jobs_by_key ON jobs(key, enabled, paused, system, deleted) WHERE deleted = 0;
                CREATE INDEX jobs_by_name ON jobs(name, key, enabled, paused, system, deleted) WHERE deleted = 0;
                CREATE INDEX jobs_by_priority ON jobs(priority, key, enabled, paused, system, deleted) WHERE deleted = 0;
                CREATE INDEX jobs_by_created_at ON jobs(created_at, key, enabled, paused, system, deleted) WHERE deleted = 0;
                -- The nextRunAt order of jobs that do not fire (paused, disabled, finished); the
                -- list merges it with jobs_due_by_key, so that a fire moves no entry of it.
                CREATE INDEX jobs_idle_by_next_run_order ON jobs(next_run_order, key, enabled, paused, system, deleted)
                    WHERE deleted = 0 AND NOT (enabled = 1 AND paused = 0 AND next_run_at IS NOT NULL);
                CREATE INDEX jobs_by_last_run_order ON jobs(last_run_order, key, enabled, paused, system, deleted) WHERE deleted = 0;
                -- Filters (also ending with deleted, which SQLite otherwise reads from the row).
                -- Neither holds next_run_at: a fire, which moves it, does not touch them.
                CREATE INDEX jobs_by_task ON jobs(task, deleted) WHERE deleted = 0;
                CREATE INDEX jobs_by_state ON jobs(enabled, paused, deleted) WHERE deleted = 0;
                CREATE INDEX jobs_finished ON jobs(enabled, paused, deleted) WHERE deleted = 0 AND next_run_at IS NULL;
                -- Due jobs with key as tiebreak: the scheduler's claims, /scheduler/status's next
                -- fires (soonest first, ties by key) and the active state filter walk it.
                CREATE INDEX jobs_due_by_key ON jobs(next_run_at, key, enabled, paused, deleted)
                    WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL;
                DROP INDEX jobs_due;

                -- Live jobs per state (active, paused, disabled, finished), kept in the
                -- transaction of every write to jobs, so that status and metrics read four rows
                -- instead of counting a million: by triggers on inserts, deletes and spec changes
                -- (which write enabled, paused and deleted), and by claimDueFires for the one
                -- change a fire makes (active to finished when a job has no next fire): a
                -- trigger on next_run_at would run for every fire.
                CREATE TABLE job_counts (state TEXT PRIMARY KEY NOT NULL, jobs INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO job_counts (state, jobs) VALUES ('active', 0), ('paused', 0), ('disabled', 0), ('finished', 0);
                UPDATE job_counts SET jobs = (
                    SELECT COUNT(*) FROM jobs WHERE deleted = 0 AND job_counts.state = CASE
                        WHEN enabled = 0 THEN 'disabled' WHEN paused = 1 THEN 'paused' WHEN next_run_at IS NULL THEN 'finished' ELSE 'active' END);
                CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs WHEN NEW.deleted = 0 BEGIN
                    UPDATE job_counts SET jobs = jobs + 1 WHERE state = CASE
                        WHEN NEW.enabled = 0 THEN 'disabled' WHEN NEW.paused = 1 THEN 'paused' WHEN NEW.next_run_at IS NULL THEN 'finished' ELSE 'active' END;
                END;
                CREATE TRIGGER jobs_count_update AFTER UPDATE OF enabled, paused, deleted ON jobs
                WHEN (CASE WHEN OLD.deleted = 1 THEN NULL WHEN OLD.enabled = 0 THEN 'disabled' WHEN OLD.paused = 1 THEN 'paused'
                        WHEN OLD.next_run_at IS NULL THEN 'finished' ELSE 'active' END)
                    IS NOT (CASE WHEN NEW.deleted = 1 THEN NULL WHEN NEW.enabled = 0 THEN 'disabled' WHEN NEW.paused = 1 THEN 'paused'
                        WHEN NEW.next_run_at IS NULL THEN 'finished' ELSE 'active' END)
                BEGIN
                    UPDATE job_counts SET jobs = jobs - 1 WHERE state = CASE WHEN OLD.deleted = 1 THEN NULL
                        WHEN OLD.enabled = 0 THEN 'disabled' WHEN OLD.paused = 1 THEN 'paused' WHEN OLD.next_run_at IS NULL THEN 'finished' ELSE 'active' END;
                    UPDATE job_counts SET jobs = jobs + 1 WHERE state = CASE WHEN NEW.deleted = 1 THEN NULL
                        WHEN NEW.enabled = 0 THEN 'disabled' WHEN NEW.paused = 1 THEN 'paused' WHEN NEW.next_run_at IS NULL THEN 'finished' ELSE 'active' END;
                END;
                CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs WHEN OLD.deleted = 0 BEGIN
                    UPDATE job_counts SET jobs = jobs - 1 WHERE state = CASE
                        WHEN OLD.enabled = 0 THEN 'disabled' WHEN OLD.paused = 1 THEN 'paused' WHEN OLD.next_run_at IS NULL THEN 'finished' ELSE 'active' END;
                END;

                -- Search (q: key or name contains the text): a trigram index of live jobs' keys and
                -- names (contentless, no positions: it only yields candidate rowids, which the list
                -- checks again with the exact ASCII case-insensitive test).
                CREATE VIRTUAL TABLE jobs_search USING fts5(key, name, content = '', tokenize = 'trigram', detail = none, columnsize = 0);
                INSERT INTO jobs_search (rowid, key, name) SELECT rowid, key, name FROM jobs WHERE deleted = 0;
                CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs WHEN NEW.deleted = 0 BEGIN
                    INSERT INTO jobs_search (rowid, key, name) VALUES (NEW.rowid, NEW.key, NEW.name);
                END;
                CREATE TRIGGER jobs_search_update AFTER UPDATE OF key, name, deleted ON jobs
                WHEN OLD.key IS NOT NEW.key OR OLD.name IS NOT NEW.name OR OLD.deleted IS NOT NEW.deleted BEGIN
                    INSERT INTO jobs_search (jobs_search, rowid, key, name) SELECT 'delete', OLD.rowid, OLD.key, OLD.name WHERE OLD.deleted = 0;
                    INSERT INTO jobs_search (rowid, key, name) SELECT NEW.rowid, NEW.key, NEW.name WHERE NEW.deleted = 0;
                END;
                CREATE TRIGGER jobs_search_delete AFTER DELETE ON jobs WHEN OLD.deleted = 0 BEGIN
                    INSERT INTO jobs_search (jobs_search, rowid, key, name) VALUES ('delete', OLD.rowid, OLD.key, OLD.name);
                END;
                """)
        }

        migrator.registerMigration("v7-executions-queued-unbounded") { db in
            // Queued work without a grace deadline (retries, manual runs): while any is runnable,
            // new fires go through the queue instead of to the scheduler's own workers.
            try db.execute(sql: """
                CREATE INDEX executions_queued_unbounded ON executions(run_after) WHERE status = 'queued' AND miss_after IS NULL;
                """)
        }

        migrator.registerMigration("v8-jobs-not-runnable-no-next-fire") { db in
            // A paused or disabled recurring job stores no next fire (Job.storedNextFire): clear
            // the ones stored before. One-shots keep theirs (it says whether they fired).
            try db.execute(sql: """
                UPDATE jobs SET next_run_at = NULL
                WHERE (enabled = 0 OR paused = 1) AND next_run_at IS NOT NULL AND json_extract(schedule, '$.type') IS NOT 'date';
                """)
        }

        migrator.registerMigration("v9-executions-attempts") { db in
            // The attempts before the latest, as a JSON array (AttemptsColumn); NULL while none.
            try db.execute(sql: "ALTER TABLE executions ADD COLUMN attempts TEXT")
        }

        migrator.registerMigration("v10-jobs-deleted-by-key") { db in
            // lastJob(key:): the history of a deleted job's key, without a scan of every job.
            try db.execute(sql: "CREATE INDEX jobs_deleted_by_key ON jobs(key, updated_at, id) WHERE deleted = 1")
        }

        migrator.registerMigration("v11-web-sessions") { db in
            // Dashboard sessions (WebSessionStore): hashes only, never a secret.
            try db.execute(
                sql: """
                    CREATE TABLE web_sessions (
                        hash TEXT PRIMARY KEY NOT NULL,
                        key_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX web_sessions_by_created_at ON web_sessions(created_at);
                    CREATE INDEX web_sessions_by_last_seen_at ON web_sessions(last_seen_at);
                    """)
        }

        return migrator
    }()
}
