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

        return migrator
    }()
}
