import Foundation
import GRDB
import KairosCore
import KairosStore

/// The embedded job store: one SQLite file in WAL mode, accessed through a GRDB
/// `DatabasePool` (one writer, concurrent readers). Schema migrations run when it opens.
///
/// ```swift
/// let store = try SQLiteJobStore(path: "/var/lib/kairos/kairos.db")
/// let job = try await store.createJob(spec, now: .now)
/// ```
///
/// Every failure to open (missing directory, not a database, read-only, corrupt, a schema
/// newer than this binary) throws ``StoreError`` with code `unavailable` naming the path.
public final class SQLiteJobStore: JobStore, Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// Decoded specs by job id and version (``StoredSpecs``).
    let specs = StoredSpecs()
    /// Page cache sizes (`PRAGMA cache_size`, negative: KiB) of the writer and of each reader.
    static let writerCacheSize = -65536
    static let readerCacheSize = -8192
    /// Read-only connections for point reads on the caller's thread (``pointRead(_:)``).
    let pointReaders: Locked<[DatabaseQueue]>
    /// The migrations applied while this handle opened the database.
    let migrationsApplied: [String]

    /// Whether this handle holds the database's ``ServingLock``.
    public var isExclusive: Bool { servingLock != nil }
    let servingLock: ServingLock?

    /// Opens (creating and migrating) the database at `path`. With `exclusive`, as a serving
    /// process does, it also takes the file's serving lock, and fails with `unavailable` when
    /// another process serves the same file.
    public init(path: String, exclusive: Bool = false) throws {
        self.path = path
        guard !path.isEmpty, path != ":memory:" else {
            throw StoreError(.unavailable, "cannot open the SQLite database at '\(path)': give the path of a database file")
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(.unavailable, "cannot open the SQLite database at '\(path)': the directory '\(directory)' does not exist")
        }
        if FileManager.default.fileExists(atPath: path) {
            if !FileManager.default.isWritableFile(atPath: path) {
                throw StoreError(.unavailable, "cannot open the SQLite database at '\(path)': the file is read-only (Kairos needs to write to it)")
            }
        } else if !FileManager.default.isWritableFile(atPath: directory) {
            throw StoreError(.unavailable, "cannot create the SQLite database at '\(path)': the directory '\(directory)' is read-only")
        }
        servingLock = exclusive ? try ServingLock(databasePath: path) : nil
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL makes NORMAL durable against crashes of the process (a power loss may lose
            // the last commits, never corrupt the file); the writer's larger page cache keeps
            // the pages of a burst of thousands of fires in memory until commit. Readers (up to
            // five) read a page of a list or a point at a time: 8 MB each bounds the memory a
            // large database can take (docs/PERFORMANCE.md, a million jobs).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? Self.readerCacheSize : Self.writerCacheSize)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let pool: DatabasePool
        let migrationsApplied: [String]
        do {
            pool = try Self.openPool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite database at '\(path)': \(Self.describe(error))")
        }
        do {
            let migrator = Self.migrator
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
                let unknown = applied.subtracting(migrator.migrations).sorted()
                throw StoreError(
                    .unavailable,
                    "cannot open the SQLite database at '\(path)': its schema is newer than this version of Kairos knows (unknown migrations: \(unknown.joined(separator: ", "))); upgrade Kairos")
            }
            migrationsApplied = try Self.migrate(pool, with: migrator)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite database at '\(path)': \(Self.describe(error))")
        }
        self.pool = pool
        self.migrationsApplied = migrationsApplied
        var readerConfiguration = Configuration()
        readerConfiguration.readonly = true
        readerConfiguration.busyMode = .timeout(10)
        var readers: [DatabaseQueue] = []
        for _ in 0..<4 {
            guard let reader = try? DatabaseQueue(path: path, configuration: readerConfiguration) else { break }
            readers.append(reader)
        }
        self.pointReaders = Locked(readers)
    }

    /// Opens the pool, retrying while another handle holds the file locked. Switching a fresh
    /// file to WAL (the pool's first statement) fails at once with `SQLITE_BUSY`, without
    /// waiting for the busy timeout, while another handle switches or migrates it; the lock is
    /// held for milliseconds, so trying again a little later is enough (bounded: about 10 s, the
    /// same patience as the busy timeout).
    static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempts = 1
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempts < 400 {
                attempts += 1
                usleep(UInt32.random(in: 5_000...45_000))
            }
        }
    }

    /// Applies the pending migrations. Each migration commits with its identifier, so when
    /// another process migrates the same file at the same moment, a migration that fails here
    /// because the other one just applied it is not an error: look again at what is applied and
    /// go on from there (bounded). Returns the migrations that were applied meanwhile.
    static func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator) throws -> [String] {
        let before = try pool.read { db in try migrator.appliedIdentifiers(db) }
        guard before != Set(migrator.migrations) else { return [] }
        // A migration that builds an index sorts every row of its table: on disk, not in
        // memory (temp_store), and with a smaller page cache, or upgrading a million jobs would
        // take 200 MB for a moment (docs/PERFORMANCE.md).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = FILE; PRAGMA cache_size = -16384") }
        defer {
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA temp_store = MEMORY; PRAGMA cache_size = \(writerCacheSize); PRAGMA shrink_memory")
            }
        }
        var seen = before
        for attempt in 1...10 {
            do {
                try migrator.migrate(pool)
                break
            } catch {
                let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
                guard attempt < 10, applied != seen else { throw error }
                seen = applied
            }
        }
        let after = try pool.read { db in try migrator.appliedMigrations(db) }
        return after.filter { !before.contains($0) }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return "the file is not a SQLite database (\(error.message ?? "file is not a database"))"
            case .SQLITE_CORRUPT: return "the database file is corrupt (\(error.message ?? "malformed"))"
            case .SQLITE_READONLY: return "the database is read-only (\(error.message ?? "readonly"))"
            case .SQLITE_CANTOPEN: return "the file cannot be opened (\(error.message ?? "unable to open"))"
            case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied (\(error.message ?? ""))"
            case .SQLITE_IOERR: return "an I/O error occurred (\(error.message ?? ""))"
            case .SQLITE_FULL: return "the disk is full"
            default: return error.message ?? "\(error)"
            }
        }
        return "\(error)"
    }

    /// A point read (one row by key) on the caller's thread with a free read-only connection of
    /// its own, or through the pool when none is free: for a lookup of a few microseconds the
    /// hop to GRDB's reader queue and back costs more than the query (docs/PERFORMANCE.md).
    /// Never waits for a connection on the caller's thread.
    func pointRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let reader = pointReaders.withLock({ $0.popLast() }) else { return try await read(body) }
        defer { pointReaders.withLock { $0.append(reader) } }
        do {
            return try Self.readNow(reader, body)
        } catch let error as DatabaseError {
            throw mapped(error)
        }
    }

    /// The read itself: outside a transaction, because a point read is one SELECT (atomic on
    /// its own) and BEGIN/COMMIT cost a third of it; the connection is read-only.
    private static func readNow<T>(_ reader: DatabaseQueue, _ body: (Database) throws -> T) throws -> T {
        try reader.inDatabase(body)
    }

    /// Runs `body` in one write transaction, mapping low-level failures to `StoreError`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw mapped(error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw mapped(error)
        }
    }

    func mapped(_ error: DatabaseError) -> StoreError {
        StoreError(.unavailable, "the SQLite database at '\(path)' failed: \(Self.describe(error))")
    }

    /// Migrations run when the store opens (``init(path:)``); this returns those applied then.
    public func migrate() async throws -> [String] { migrationsApplied }

    public func appliedMigrations() async throws -> [String] {
        let migrator = Self.migrator
        return try await read { db in try migrator.appliedMigrations(db) }
    }
}
