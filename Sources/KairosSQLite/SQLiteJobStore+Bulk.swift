import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    /// Creates jobs in one transaction, each exactly as ``createJob(_:now:)`` would (validation,
    /// key check, first fire from the spec), all or none: a transaction per job caps creation
    /// at a few thousand a second, and `kairos bench seed` stores a million.
    ///
    /// Rows go in ``bulkRows`` to a statement: the search index (FTS5) writes out what an
    /// insert added at the end of each statement, so a statement per job made a segment per
    /// job (half the time of a load, in `perf`). A batch also inserts into every index of
    /// `jobs` at random places (ids, names, next fires): the writer's page cache is raised to
    /// 256 MB for the batch and set back after, which keeps a load of a million jobs from
    /// rereading index pages.
    public func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job] {
        let batch = try NewJobBatch(specs, now: now)
        let jobs = batch.jobs
        let rows = try zip(batch.jobs, batch.texts).map { job, texts in try Self.jobValues(job, texts: texts).map { $0?.databaseValue ?? .null } }
        return try await write { [jobs, rows] db in
            try db.execute(sql: "PRAGMA cache_size = -262144")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(Self.writerCacheSize)") }
            let taken = try db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE key = ? AND deleted = 0")
            for job in jobs where try Bool.fetchOne(taken, arguments: [job.spec.key]) == true {
                throw Job.keyConflict(job.spec.key)
            }
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + Self.bulkRows)]
                // The last, shorter chunk of a batch is prepared once: its size varies.
                let sql = Self.insertJobsSQL(rows: chunk.count)
                let statement = try chunk.count == Self.bulkRows ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql)
                try statement.execute(arguments: StatementArguments(chunk.flatMap { $0 }))
                start += chunk.count
            }
            return jobs
        }
    }

    /// Jobs per insert statement in ``createJobs(_:now:)``: 23 columns each, under SQLite's
    /// limit of 32,766 bound values.
    static let bulkRows = 500

    static func insertJobsSQL(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: jobColumnCount).joined(separator: ", ") + ")"
        return "INSERT INTO jobs (\(jobColumns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
