import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    /// Creates jobs in one transaction, each exactly as ``createJob(_:now:)`` would (validation,
    /// key check, first fire from the spec), all or none: a transaction per job caps creation
    /// at a few thousand a second, and `kairos bench seed` stores a million.
    ///
    /// A batch inserts into every index of `jobs` at random places (ids, names, next fires): the
    /// writer's page cache is raised to 256 MB for the batch and set back after, which keeps a
    /// load of a million jobs from rereading index pages.
    public func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job] {
        try await write { db in
            try db.execute(sql: "PRAGMA cache_size = -262144")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(Self.writerCacheSize)") }
            return try specs.map { try self.insertJob($0, system: false, now: now, db: db) }
        }
    }
}
