import Foundation
import GRDB
import KairosStore

/// WAL checkpoints off the writer's path.
///
/// SQLite appends every commit to the write-ahead log, and by default the committing
/// connection copies the log back into the database file (a checkpoint, with two `fsync`s)
/// whenever it passes 1,000 pages. Here that connection is the store's only writer, so under
/// load a share of every commit was spent checkpointing while no other write could run
/// (commits took a quarter of the writer's time in `kairos bench dispatch --overload`, mostly
/// this copy; docs/PERFORMANCE.md).
///
/// While ``runMaintenance()`` runs, the writer does not checkpoint; a connection of its own
/// does, every ``checkpointInterval``, in passive mode (it never blocks the writer or a
/// reader). The log only starts again from its beginning when a write transaction begins with
/// all of it copied, which a busy writer, starting its next transaction right after each
/// commit, never sees: so once the log passes ``restartBytes`` the writer checkpoints what the
/// other connection left (the last commits, a small copy), and its next commit writes the log
/// from the start. Should the log still pass ``walLimit`` (a reader holding an old snapshot
/// for long), the writer checkpoints and truncates it, waiting for readers. When the
/// maintenance stops, the writer checkpoints on its own again (every 1,000 pages).
extension SQLiteJobStore: StoreMaintenance {
    static let checkpointInterval: Duration = .milliseconds(50)
    /// Bytes of log past which the writer finishes the checkpoint (and the log restarts).
    static let restartBytes = 8 << 20
    /// Bytes of log past which the writer checkpoints and truncates it, waiting for readers.
    static let walLimit = 256 << 20
    /// The writer's own checkpoint threshold, in pages (SQLite's default).
    static let writerAutoCheckpoint = 1_000

    /// Cancelled at any point, it returns without an error, the writer checkpointing again.
    public func runMaintenance() async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "kairos.checkpoints"
        let checkpointer: DatabaseQueue
        do {
            checkpointer = try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw mapped(error)
        }
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            let pageSize = try await checkpointer.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096 }
            while !Task.isCancelled {
                let frames = try await checkpointer.writeWithoutTransaction { db in try Self.checkpoint(db, .passive) }
                if frames * pageSize > Self.walLimit {
                    _ = try await pool.writeWithoutTransaction { db in try Self.checkpoint(db, .truncate) }
                } else if frames * pageSize > Self.restartBytes {
                    _ = try await pool.writeWithoutTransaction { db in try Self.checkpoint(db, .passive) }
                }
                try await Task.sleep(for: Self.checkpointInterval)
            }
        } catch where Task.isCancelled {
        } catch {
            try? restoreWriterCheckpoints()
            throw (error as? DatabaseError).map(mapped) ?? error
        }
        try restoreWriterCheckpoints()
    }

    /// Checkpoints on `db`. Busy (another checkpoint runs, or a reader holds the log's start
    /// for a truncation) is not a failure: the next round tries again.
    /// Returns the log's length in frames (0 when unknown).
    @discardableResult
    static func checkpoint(_ db: Database, _ mode: Database.CheckpointMode) throws -> Int {
        do {
            return max(0, try db.checkpoint(mode).walFrameCount)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return 0
        }
    }

    /// The writer checkpoints on its own again. Synchronous (it waits for the writer's current
    /// transaction): the task is cancelled by then, and the asynchronous access would refuse.
    private func restoreWriterCheckpoints() throws {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.writerAutoCheckpoint)") }
        } catch let error as DatabaseError {
            throw mapped(error)
        }
    }
}
