import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    /// The columns of `jobs`, a job's spec: written when the job is created or changed.
    static let jobSpecColumnNames = [
        "id", "key", "name", "description", "task", "args", "schedule", "priority", "max_instances", "misfire_grace_time",
        "coalesce_fires", "retry", "timeout", "enabled", "paused", "deleted", "system", "created_at", "updated_at", "version",
    ]
    /// The columns of `job_runs` (v5), a job's scheduler state, written by every fire and
    /// completion: a narrow row with four indexes, where the same writes to `jobs` rewrote ten
    /// index entries of a wide row (docs/POSTGRES.md). `job_key`, `job_name`, `enabled`,
    /// `paused` and `deleted` are copies of the spec's, written with it, for the due and
    /// list-order indexes, the filters of a list walking them, and the job counts' triggers.
    static let jobRunColumnNames = [
        "job_id", "job_key", "job_name", "enabled", "paused", "deleted", "next_run_at", "last_run_at", "last_status",
    ]
    /// A job as ``decodeJob(_:offset:)`` reads it: `jobs j` joined with `job_runs r`.
    static let jobSource = "jobs j JOIN job_runs r ON r.job_id = j.id"
    /// The columns of ``jobSource`` in the order ``decodeJob(_:offset:)`` reads them.
    static let jobColumns = (jobSpecColumnNames.map { "j.\($0)" } + ["r.next_run_at", "r.last_run_at", "r.last_status"]).joined(separator: ", ")
    static let jobColumnCount = jobSpecColumnNames.count + 3

    static func placeholders(_ count: Int, from first: Int = 1) -> String {
        (first..<first + count).map { "$\($0)" }.joined(separator: ", ")
    }

    /// Writes every column of `job` to both its rows (insert, or full update by id) and
    /// notifies the other handles' schedulers on commit. A key another live job holds throws
    /// `keyConflict`.
    func saveJob(_ job: Job, insert: Bool, session: Session) async throws {
        let spec = job.spec
        let values = Self.jobBinds(
            job, args: try JSONText.encode(spec.args), schedule: try JSONText.encode(spec.schedule), retry: try JSONText.encode(spec.retry))
        do {
            if insert {
                try await session.execute(Self.insertRows(into: "jobs", Self.jobSpecColumnNames, count: 1), values)
                try await session.execute(Self.insertRows(into: "job_runs", Self.jobRunColumnNames, count: 1), Self.jobRunBinds(job))
            } else {
                try await session.execute("UPDATE jobs SET \(Self.assignments(Self.jobSpecColumnNames)) WHERE id = $1", values)
                try await session.execute("UPDATE job_runs SET \(Self.assignments(Self.jobRunColumnNames)) WHERE job_id = $1", Self.jobRunBinds(job))
            }
        } catch where Self.sqlState(error) == "23505" {
            // Another process took the key between the check and the write.
            throw Job.keyConflict(spec.key, jobId: insert ? nil : job.id)
        }
        try await session.notify(.jobs)
    }

    /// `column = $n` for every column but the first (the row's id, `$1`).
    static func assignments(_ columns: [String]) -> String {
        columns.enumerated().dropFirst().map { "\($0.element) = $\($0.offset + 1)" }.joined(separator: ", ")
    }

    /// The values of ``jobSpecColumnNames`` for `job`, its JSON columns already encoded.
    static func jobBinds(_ job: Job, args: String, schedule: String, retry: String) -> [Bind] {
        let spec = job.spec
        return [
            Bind(job.id), Bind(spec.key), Bind(spec.name), Bind(spec.description), Bind(spec.task),
            Bind(args), Bind(schedule), Bind(spec.priority), Bind(spec.maxInstances),
            Bind(spec.misfireGraceTime), Bind(spec.coalesce), Bind(retry), Bind(spec.timeout), Bind(spec.enabled),
            Bind(spec.paused), Bind(job.deleted), Bind(job.system), Bind(Micros.from(job.createdAt)), Bind(Micros.from(job.updatedAt)),
            Bind(job.version),
        ]
    }

    /// The values of ``jobRunColumnNames`` for `job`.
    static func jobRunBinds(_ job: Job) -> [Bind] {
        [
            Bind(job.id), Bind(job.key), Bind(job.spec.name), Bind(job.spec.enabled), Bind(job.spec.paused), Bind(job.deleted),
            Bind(Micros.optional(job.nextRunAt)),
            Bind(Micros.optional(job.lastRunAt)), Bind(job.lastStatus?.rawValue),
        ]
    }

    /// Decodes a job from ``jobColumns`` starting at column `offset`.
    func decodeJob(_ row: PostgresRandomAccessRow, offset: Int = 0) throws -> Job {
        var cells = RowReader(row, at: offset)
        let id: UUID = try cells.next()
        let key: String = try cells.next()
        let name: String = try cells.next()
        let description: String = try cells.next()
        let task: String = try cells.next()
        let args: String = try cells.next()
        let schedule: String = try cells.next()
        let priority: Int = try cells.next()
        let maxInstances: Int = try cells.next()
        let grace: Int = try cells.next()
        let coalesce: Bool = try cells.next()
        let retry: String = try cells.next()
        let timeout: Double? = try cells.next()
        let enabled: Bool = try cells.next()
        let paused: Bool = try cells.next()
        let deleted: Bool = try cells.next()
        let system: Bool = try cells.next()
        let createdAt: Int64 = try cells.next()
        let updatedAt: Int64 = try cells.next()
        let version: Int = try cells.next()
        let nextRunAt: Int64? = try cells.next()
        let lastRunAt: Int64? = try cells.next()
        let lastStatus: String? = try cells.next()
        let spec = try specs.spec(id: id, version: version, in: "PostgreSQL database \(configuration)") {
            StoredSpec(
                key: key, name: name, description: description, task: task, args: args, schedule: schedule, priority: priority,
                maxInstances: maxInstances, misfireGraceTime: grace, coalesce: coalesce, retry: retry, timeout: timeout, enabled: enabled,
                paused: paused)
        }
        return Job(
            id: id, spec: spec, nextRunAt: Micros.date(nextRunAt), lastRunAt: Micros.date(lastRunAt),
            lastStatus: lastStatus.flatMap(ExecutionStatus.init(rawValue:)), deleted: deleted, createdAt: Micros.date(createdAt),
            updatedAt: Micros.date(updatedAt), version: version, system: system)
    }

    func fetchJob(id: UUID, session: Session) async throws -> Job? {
        try await session.rows("SELECT \(Self.jobColumns) FROM \(Self.jobSource) WHERE j.id = $1", [Bind(id)]).first.map { try decodeJob($0) }
    }

    /// The columns of `executions` in the order ``decodeExecution(_:offset:)`` reads them.
    static let executionColumnNames = [
        "id", "job_id", "job_key", "trigger", "status", "scheduled_at", "run_after", "priority", "attempt", "started_at", "finished_at",
        "duration_ms", "error_reason", "error_message", "result", "instance_id", "lease_expires_at", "created_at", "miss_after", "attempts",
    ]
    static let executionColumns = executionColumnNames.joined(separator: ", ")
    static let executionColumnCount = executionColumnNames.count

    static func executionColumns(alias: String) -> String {
        executionColumnNames.map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// `jsonb_to_recordset` column definitions of ``ExecutionRecord``: a batch of executions is
    /// one parameter (a JSON array), so that a scheduling pass inserts all its fires in one
    /// statement.
    static let executionRecordType = """
        id uuid, job_id uuid, job_key text, trigger text, status text, scheduled_at bigint, run_after bigint, priority integer, \
        attempt integer, started_at bigint, finished_at bigint, duration_ms bigint, error_reason text, error_message text, result text, \
        instance_id text, lease_expires_at bigint, created_at bigint, miss_after bigint, attempts text
        """

    /// Inserts executions, skipping any whose scheduled fire already has one; returns the ids inserted.
    @discardableResult
    func insertExecutions(_ executions: [Execution], session: Session) async throws -> Set<UUID> {
        guard !executions.isEmpty else { return [] }
        let records = try RecordsEncoder.encode(try executions.map(ExecutionRecord.init))
        let rows = try await session.rows(
            """
            INSERT INTO executions (\(Self.executionColumns))
            SELECT \(Self.executionColumns) FROM jsonb_to_recordset($1::jsonb) AS x(\(Self.executionRecordType))
            ON CONFLICT DO NOTHING RETURNING id
            """, [Bind(records)])
        return Set(try rows.map { try $0[0].decode(UUID.self) })
    }

    func decodeExecution(_ row: PostgresRandomAccessRow, offset: Int = 0) throws -> Execution {
        var cells = RowReader(row, at: offset)
        let id: UUID = try cells.next()
        let jobId: UUID = try cells.next()
        let jobKey: String = try cells.next()
        let triggerText: String = try cells.next()
        let statusText: String = try cells.next()
        guard let trigger = ExecutionTrigger(rawValue: triggerText), let status = ExecutionStatus(rawValue: statusText) else {
            throw StoreError(
                .unavailable, "the PostgreSQL database \(configuration) holds an execution that cannot be read (status '\(statusText)', trigger '\(triggerText)')")
        }
        let scheduledAt: Int64 = try cells.next()
        let runAfter: Int64 = try cells.next()
        let priority: Int = try cells.next()
        let attempt: Int = try cells.next()
        let startedAt: Int64? = try cells.next()
        let finishedAt: Int64? = try cells.next()
        let durationMs: Int? = try cells.next()
        let reason: String? = try cells.next()
        let message: String? = try cells.next()
        let result: String? = try cells.next()
        let instanceId: String? = try cells.next()
        let leaseExpiresAt: Int64? = try cells.next()
        let createdAt: Int64 = try cells.next()
        let missAfter: Int64? = try cells.next()
        let attempts: String? = try cells.next()
        return Execution(
            id: id, jobId: jobId, jobKey: jobKey, trigger: trigger, status: status, scheduledAt: Micros.date(scheduledAt),
            runAfter: Micros.date(runAfter), priority: priority, attempt: attempt, startedAt: Micros.date(startedAt),
            finishedAt: Micros.date(finishedAt), durationMs: durationMs, error: reason.map { ExecutionError(reason: $0, message: message ?? "") },
            result: result, instanceId: instanceId, leaseExpiresAt: Micros.date(leaseExpiresAt), missAfter: Micros.date(missAfter),
            createdAt: Micros.date(createdAt), earlierAttempts: try AttemptsColumn.decode(attempts, executionId: id, in: "PostgreSQL database \(configuration)"))
    }

    func fetchExecution(id: UUID, session: Session) async throws -> Execution? {
        try await session.rows("SELECT \(Self.executionColumns) FROM executions WHERE id = $1", [Bind(id)]).first.map { try decodeExecution($0) }
    }
}

/// One execution as a JSON object of its columns (``PostgresJobStore/executionRecordType``).
struct ExecutionRecord: Encodable {
    var id: UUID
    var jobId: UUID
    var jobKey: String
    var trigger: String
    var status: String
    var scheduledAt: Int64
    var runAfter: Int64
    var priority: Int
    var attempt: Int
    var startedAt: Int64?
    var finishedAt: Int64?
    var durationMs: Int?
    var errorReason: String?
    var errorMessage: String?
    var result: String?
    var instanceId: String?
    var leaseExpiresAt: Int64?
    var createdAt: Int64
    var missAfter: Int64?
    var attempts: String?

    init(_ e: Execution) throws {
        id = e.id
        jobId = e.jobId
        jobKey = e.jobKey
        trigger = e.trigger.rawValue
        status = e.status.rawValue
        scheduledAt = Micros.from(e.scheduledAt)
        runAfter = Micros.from(e.runAfter)
        priority = e.priority
        attempt = e.attempt
        startedAt = Micros.optional(e.startedAt)
        finishedAt = Micros.optional(e.finishedAt)
        durationMs = e.durationMs
        errorReason = e.error?.reason
        errorMessage = e.error?.message
        result = e.result
        instanceId = e.instanceId
        leaseExpiresAt = Micros.optional(e.leaseExpiresAt)
        createdAt = Micros.from(e.createdAt)
        missAfter = Micros.optional(e.missAfter)
        attempts = try AttemptsColumn.encode(e.earlierAttempts)
    }
}
