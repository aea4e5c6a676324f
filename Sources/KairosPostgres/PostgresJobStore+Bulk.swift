import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    /// Creates jobs in one transaction, ``bulkRows`` to an insert statement, each exactly as
    /// ``createJob(_:now:)`` would, all or none. A key another process takes meanwhile fails
    /// the batch with `keyConflict` naming it (the live-key index refuses the insert).
    public func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job] {
        let batch = try NewJobBatch(specs, now: now)
        let jobs = batch.jobs
        let rows = zip(batch.jobs, batch.texts).map { job, texts in
            Self.jobBinds(job, args: texts.args, schedule: texts.schedule, retry: texts.retry)
        }
        let runs = batch.jobs.map(Self.jobRunBinds)
        guard !jobs.isEmpty else { return [] }
        return try await write { [jobs, rows, runs] session in
            let taken = try await session.rows(
                "SELECT key FROM jobs WHERE key = ANY($1) AND NOT deleted ORDER BY key LIMIT 1", [Bind(jobs.map(\.key))])
            if let row = taken.first { throw Job.keyConflict(try row[0].decode(String.self)) }
            var start = 0
            while start < rows.count {
                let end = min(rows.count, start + Self.bulkRows)
                do {
                    try await session.execute(Self.insertRows(into: "jobs", Self.jobSpecColumnNames, count: end - start), Array(rows[start..<end].joined()))
                } catch where Self.sqlState(error) == "23505" {
                    throw Job.keyConflict(Self.conflictingKey(error) ?? jobs[start].key)
                }
                try await session.execute(Self.insertRows(into: "job_runs", Self.jobRunColumnNames, count: end - start), Array(runs[start..<end].joined()))
                start = end
            }
            return jobs
        }
    }

    /// Jobs per insert statement in ``createJobs(_:now:)``: 20 parameters each in `jobs`, 9 in
    /// `job_runs`, under PostgreSQL's limit of 65,535 per statement.
    static let bulkRows = 1_000

    /// `INSERT INTO table (columns) VALUES ($1, …), …` for `count` rows.
    static func insertRows(into table: String, _ columns: [String], count: Int) -> String {
        let values = (0..<count).map { "(" + placeholders(columns.count, from: 1 + $0 * columns.count) + ")" }
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + values.joined(separator: ", ")
    }

    /// The key named by a unique violation's detail, `Key (key)=(…) already exists.`
    static func conflictingKey(_ error: any Error) -> String? {
        guard let detail = (error as? PSQLError)?.serverInfo?[.detail],
            let open = detail.range(of: ")=("), let close = detail.range(of: ") already exists", options: .backwards),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(detail[open.upperBound..<close.lowerBound])
    }
}
