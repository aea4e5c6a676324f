import Foundation
import GRDB
import KairosCore
import KairosStore

/// A job's JSON columns as stored.
extension SQLiteJobStore {
    /// The columns of `jobs` in the order ``jobRow(_:)`` and ``decodeJob(_:)`` use.
    static let jobColumns = """
        id, key, name, description, task, args, schedule, priority, max_instances, misfire_grace_time, \
        coalesce, retry, timeout, enabled, paused, deleted, system, next_run_at, last_run_at, last_status, \
        created_at, updated_at, version
        """

    /// The same columns qualified with a table alias, for joins.
    static func jobColumns(alias: String) -> String {
        jobColumns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
    }

    static let jobColumnCount = 23

    static let insertJobSQL = "INSERT INTO jobs (\(jobColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// The values of ``jobColumns`` for `job`. `texts`: its JSON columns as stored, when the
    /// caller has them already (a batch of jobs mostly shares a few of each).
    static func jobValues(_ job: Job, texts: JobTexts? = nil) throws -> [(any DatabaseValueConvertible)?] {
        let spec = job.spec
        let texts = try texts ?? JobTexts(args: JSONText.encode(spec.args), schedule: JSONText.encode(spec.schedule), retry: JSONText.encode(spec.retry))
        return [
            job.id, spec.key, spec.name, spec.description, spec.task,
            texts.args, texts.schedule, spec.priority, spec.maxInstances,
            spec.misfireGraceTime, spec.coalesce, texts.retry, spec.timeout, spec.enabled, spec.paused,
            job.deleted, job.system, Micros.optional(job.nextRunAt), Micros.optional(job.lastRunAt), job.lastStatus?.rawValue,
            Micros.from(job.createdAt), Micros.from(job.updatedAt), job.version,
        ]
    }

    /// Writes every column of `job` (insert or full update by id).
    func saveJob(_ job: Job, insert: Bool, db: Database) throws {
        let spec = job.spec
        let values = try Self.jobValues(job)
        do {
            if insert {
                try db.cachedStatement(sql: Self.insertJobSQL).execute(arguments: StatementArguments(values))
            } else {
                let assignments = Self.jobColumns.split(separator: ",").dropFirst()
                    .map { "\($0.trimmingCharacters(in: .whitespaces)) = ?" }.joined(separator: ", ")
                try db.cachedStatement(sql: "UPDATE jobs SET \(assignments) WHERE id = ?")
                    .execute(arguments: StatementArguments(Array(values.dropFirst()) + [job.id]))
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            // Another process took the key between the check and the write.
            throw StoreError(.keyConflict, "a job with key '\(spec.key)' already exists", jobId: job.id, jobKey: spec.key)
        }
        // The spec cache is filled by reads only: this write may still roll back.
    }

    /// Decodes a job from a row holding ``jobColumns`` starting at column `offset`.
    func decodeJob(_ row: some ColumnValues, offset: Int = 0) throws -> Job {
        guard let id = UUID.fromDatabaseValue(row.databaseValue(at: offset + 0)) else {
            throw StoreError(.unavailable, "the SQLite database at '\(path)' holds a job with a malformed id")
        }
        let version: Int = row[column: offset + 22]
        let spec = try specs.spec(id: id, version: version, in: "SQLite database at '\(path)'") {
            StoredSpec(
                key: row[column: offset + 1], name: row[column: offset + 2], description: row[column: offset + 3], task: row[column: offset + 4],
                args: row[column: offset + 5], schedule: row[column: offset + 6], priority: row[column: offset + 7],
                maxInstances: row[column: offset + 8], misfireGraceTime: row[column: offset + 9], coalesce: row[column: offset + 10],
                retry: row[column: offset + 11], timeout: row[column: offset + 12], enabled: row[column: offset + 13], paused: row[column: offset + 14])
        }
        let lastStatus: String? = row[column: offset + 19]
        return Job(
            id: id, spec: spec, nextRunAt: Micros.date(row[column: offset + 17] as Int64?), lastRunAt: Micros.date(row[column: offset + 18] as Int64?),
            lastStatus: lastStatus.flatMap(ExecutionStatus.init(rawValue:)), deleted: row[column: offset + 15],
            createdAt: Micros.date(row[column: offset + 20] as Int64), updatedAt: Micros.date(row[column: offset + 21] as Int64),
            version: version, system: row[column: offset + 16])
    }

    /// Point reads' SQL, built once (they run on the API's hot path).
    static let jobByIdSQL = "SELECT \(jobColumns) FROM jobs WHERE id = ?"
    static let liveJobByKeySQL = "SELECT \(jobColumns) FROM jobs WHERE key = ? AND deleted = 0"
    static let executionByIdSQL = "SELECT \(executionColumns) FROM executions WHERE id = ?"

    func fetchJob(id: UUID, db: Database) throws -> Job? {
        try db.fetchFirst(Self.jobByIdSQL, arguments: [id]) { try decodeJob($0) }
    }

    /// The columns of `executions` in the order ``decodeExecution(_:)`` uses.
    static let executionColumns = """
        id, job_id, job_key, trigger, status, scheduled_at, run_after, priority, attempt, started_at, finished_at, \
        duration_ms, error_reason, error_message, result, instance_id, lease_expires_at, created_at, miss_after, attempts
        """

    static func executionColumns(alias: String) -> String {
        executionColumns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
    }

    static let executionColumnCount = 20

    /// `?, ?, …` for every column of `executions`.
    static let executionPlaceholders = Array(repeating: "?", count: executionColumnCount).joined(separator: ", ")

    static let insertExecutionSQL = "INSERT INTO executions (\(executionColumns)) VALUES (\(executionPlaceholders))"

    static func executionArguments(_ e: Execution) throws -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            e.id, e.jobId, e.jobKey, e.trigger.rawValue, e.status.rawValue, Micros.from(e.scheduledAt),
            Micros.from(e.runAfter), e.priority, e.attempt, Micros.optional(e.startedAt), Micros.optional(e.finishedAt), e.durationMs,
            e.error?.reason, e.error?.message, e.result, e.instanceId, Micros.optional(e.leaseExpiresAt), Micros.from(e.createdAt),
            Micros.optional(e.missAfter), try AttemptsColumn.encode(e.earlierAttempts),
        ]
        return StatementArguments(values)
    }

    func decodeExecution(_ row: some ColumnValues, offset: Int = 0) throws -> Execution {
        let triggerText: String = row[column: offset + 3]
        let statusText: String = row[column: offset + 4]
        guard let id = UUID.fromDatabaseValue(row.databaseValue(at: offset + 0)), let jobId = UUID.fromDatabaseValue(row.databaseValue(at: offset + 1)),
            let trigger = ExecutionTrigger(rawValue: triggerText), let status = ExecutionStatus(rawValue: statusText)
        else {
            throw StoreError(.unavailable, "the SQLite database at '\(path)' holds an execution that cannot be read (status '\(statusText)', trigger '\(triggerText)')")
        }
        let reason: String? = row[column: offset + 12]
        let message: String? = row[column: offset + 13]
        return Execution(
            id: id, jobId: jobId, jobKey: row[column: offset + 2], trigger: trigger, status: status,
            scheduledAt: Micros.date(row[column: offset + 5] as Int64), runAfter: Micros.date(row[column: offset + 6] as Int64),
            priority: row[column: offset + 7], attempt: row[column: offset + 8], startedAt: Micros.date(row[column: offset + 9] as Int64?),
            finishedAt: Micros.date(row[column: offset + 10] as Int64?), durationMs: row[column: offset + 11],
            error: reason.map { ExecutionError(reason: $0, message: message ?? "") }, result: row[column: offset + 14],
            instanceId: row[column: offset + 15], leaseExpiresAt: Micros.date(row[column: offset + 16] as Int64?),
            missAfter: Micros.date(row[column: offset + 18] as Int64?), createdAt: Micros.date(row[column: offset + 17] as Int64),
            earlierAttempts: try AttemptsColumn.decode(row[column: offset + 19], executionId: id, in: "SQLite database at '\(path)'"))
    }

    func fetchExecution(id: UUID, db: Database) throws -> Execution? {
        try db.fetchFirst(Self.executionByIdSQL, arguments: [id]) { try decodeExecution($0) }
    }
}
