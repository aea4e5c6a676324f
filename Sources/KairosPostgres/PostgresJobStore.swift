import Foundation
import KairosCore
import KairosStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The shared job store: one PostgreSQL database that any number of Kairos processes use at
/// once, through PostgresNIO's `PostgresClient` (docs/POSTGRES.md).
///
/// ```swift
/// let store = try await PostgresJobStore.open(try PostgresStoreConfiguration(url: "postgres://kairos@127.0.0.1/kairos"))
/// // run it: ServiceGroup(services: [store, …]) or `try await store.run()` in a task
/// ```
///
/// ``open(_:logger:)`` migrates over one connection of its own; the store's client then only
/// serves requests while ``run()`` runs (the store is a `Service`). Every write is one
/// transaction; claims lock rows with `FOR UPDATE SKIP LOCKED`, so that handles in other
/// processes take disjoint work. Writes that give other instances work notify them
/// (``changes()``); the database's clock is every instance's (``databaseTime()``). Failures
/// throw ``StoreError``.
public final class PostgresJobStore: JobStore, Service, Sendable {
    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    let logger: Logger
    /// The migrations applied while this handle opened the database.
    let migrationsApplied: [String]
    /// Decoded specs by job id and version (``StoredSpecs``).
    let specs = StoredSpecs()
    /// Who reads ``changes()``.
    let changeSubscribers = ChangeSubscribers()
    /// Jobs' last runs not written yet (``LastRunWrites``): waiting for the pass that plans the
    /// job's next fire, or whose row a scheduling pass held when their batch completed.
    let lastRunWrites = Locked(LastRunWrites())
    /// How often a transaction that lost a deadlock or a serialization check is run again.
    static let transactionAttempts = 8
    /// The statements in flight (``StatementWatch``).
    let statements = StatementWatch()
    /// How often statements left unanswered by a closed connection are failed.
    static let statementSweepInterval: Duration = .milliseconds(250)
    /// Whether ``run()`` has started, and the requests that wait for it.
    private let running = Locked<(started: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    /// PostgreSQL is shared: other processes may use the same database.
    public var isExclusive: Bool { false }

    private init(configuration: PostgresStoreConfiguration, client: PostgresClient, logger: Logger, migrationsApplied: [String]) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.migrationsApplied = migrationsApplied
    }

    /// Connects once (so that a wrong address or password fails here, with the server's
    /// reason), applies the pending migrations under an advisory lock and returns the store.
    /// Throws `unavailable` when the database cannot be reached or its schema is newer than
    /// this binary knows.
    public static func open(_ configuration: PostgresStoreConfiguration, logger: Logger = Logger(label: "kairos.postgres")) async throws -> PostgresJobStore {
        let applied = try await migrateOnce(configuration, logger: logger)
        let client: PostgresClient
        do {
            client = PostgresClient(configuration: try configuration.clientConfiguration(), backgroundLogger: logger)
        } catch {
            throw StoreError(.unavailable, "cannot use TLS for the PostgreSQL database \(configuration): \(error)")
        }
        return PostgresJobStore(configuration: configuration, client: client, logger: logger, migrationsApplied: applied)
    }

    /// Runs the connection pool and the connection that listens for other handles' changes
    /// (``changes()``) until the task is cancelled or a graceful shutdown: requests are served
    /// only meanwhile. A graceful shutdown first writes the jobs' last runs still waiting
    /// (``LastRunWrites``), then stops the pool.
    public func run() async throws {
        let waiting = running.withLock { state in
            state.started = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for request in waiting { request.resume() }
        // `PostgresClient.run()` stops at a graceful shutdown's signal, which child tasks
        // inherit: the pool runs detached from it, awaited here, and is cancelled after the
        // last write, or with this task; statements are watched until then.
        let client = client
        let pool = Task.detached { await client.run() }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await pool.value }
                group.addTask { await cancelWhenGracefulShutdown { await self.listenForChanges() } }
                group.addTask {
                    while (try? await Task.sleep(for: Self.statementSweepInterval)) != nil {
                        let failed = self.statements.sweep()
                        if failed > 0 { self.logger.warning("statements failed: their connection closed without answering", metadata: ["count": "\(failed)"]) }
                    }
                }
                if (try? await gracefulShutdown()) != nil { await self.writeWaitingLastRuns() }
                pool.cancel()
                group.cancelAll()
            }
        } onCancel: {
            pool.cancel()
        }
    }

    /// Waits until ``run()`` has started: a request made before (a command's first query
    /// racing the service's start) waits for the pool instead of finding it idle.
    private func untilRunning() async {
        guard !running.withLock({ $0.started }) else { return }
        await withCheckedContinuation { request in
            let started = running.withLock { state in
                if !state.started { state.waiting.append(request) }
                return state.started
            }
            if started { request.resume() }
        }
    }

    /// Migrations run when the store opens (``open(_:logger:)``); this returns those applied then.
    public func migrate() async throws -> [String] { migrationsApplied }

    public func appliedMigrations() async throws -> [String] {
        try await read { session in
            try await session.rows("SELECT id FROM kairos_migrations ORDER BY position").map { try $0[0].decode(String.self) }
        }
    }

    // MARK: Sessions

    /// Runs `body` in one transaction (READ COMMITTED), again when PostgreSQL aborted it for a
    /// deadlock or a failed serialization (bounded), mapping failures to ``StoreError``.
    func write<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        await untilRunning()
        for attempt in 1...Self.transactionAttempts {
            do {
                return try await client.withConnection { connection in
                    let session = Session(connection: connection, logger: logger, statements: statements)
                    try await session.execute("BEGIN")
                    do {
                        let value = try await body(session)
                        try await session.execute("COMMIT")
                        return value
                    } catch {
                        try? await session.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < Self.transactionAttempts {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            } catch {
                throw mapped(error)
            }
        }
        preconditionFailure("unreachable: the last attempt returns or throws")
    }

    /// Runs `body` on one connection, outside a transaction (each statement is atomic).
    func read<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        await untilRunning()
        do {
            return try await client.withConnection { connection in try await body(Session(connection: connection, logger: logger, statements: statements)) }
        } catch {
            throw mapped(error)
        }
    }

    /// SQLSTATE of a failure the server reported.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Deadlocks (40P01) and serialization failures (40001) abort a transaction that can run again.
    static func isRetryable(_ error: PSQLError) -> Bool {
        ["40P01", "40001"].contains(sqlState(error) ?? "")
    }

    /// A failure as the store reports it: store and validation errors as they are, the
    /// database's as `unavailable` with its reason (never the password).
    func mapped(_ error: any Error) -> any Error {
        if error is StoreError || error is KairosCore.ValidationError || error is CancellationError { return error }
        return StoreError(.unavailable, "the PostgreSQL database \(configuration) failed: \(Self.describe(error))")
    }

    /// The server's message and SQLSTATE, or what went wrong with the connection.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let message = info[.message] ?? "an error"
                return "\(message)\(info[.detail].map { " (\($0))" } ?? "") [SQLSTATE \(info[.sqlState] ?? "?")]"
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// One connection lent to a read or a transaction.
struct Session {
    let connection: PostgresConnection
    let logger: Logger
    /// Where statements wait for their answers (``StatementWatch``); `nil` while migrating,
    /// before the store runs.
    var statements: StatementWatch?

    /// The rows of `sql` with `values` bound to `$1`, `$2` ….
    ///
    /// A connection the server closed (a restart, 57P01) is refused here, and a statement it
    /// closes under fails with ``ConnectionClosed``: PostgresNIO 1.33 never answers some of
    /// these, so a `ROLLBACK` after the failure or a `COMMIT` just after the close would wait
    /// forever (``StatementWatch``).
    func rows(_ sql: String, _ values: [Bind] = []) async throws -> [PostgresRandomAccessRow] {
        guard !connection.isClosed else { throw ConnectionClosed() }
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { value.append(&bindings) }
        let (connection, logger, query) = (connection, logger, PostgresQuery(unsafeSQL: sql, binds: bindings))
        let statement: @Sendable () async throws -> [PostgresRandomAccessRow] = {
            try await connection.query(query, logger: logger).collect().map(PostgresRandomAccessRow.init)
        }
        guard let statements else { return try await statement() }
        return try await statements.rows(on: connection, statement)
    }

    /// Runs `sql`, discarding any rows.
    func execute(_ sql: String, _ values: [Bind] = []) async throws {
        _ = try await rows(sql, values)
    }
}

/// A value bound to a statement's parameter (`nil`: NULL).
struct Bind: Sendable {
    let append: @Sendable (inout PostgresBindings) -> Void

    init<T: PostgresDynamicTypeEncodable & Sendable>(_ value: T?) {
        append = { bindings in bindings.append(value) }
    }
}

/// Reads a row's cells in order.
struct RowReader {
    let row: PostgresRandomAccessRow
    var index: Int

    init(_ row: PostgresRandomAccessRow, at index: Int = 0) {
        self.row = row
        self.index = index
    }

    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        defer { index += 1 }
        return try row[index].decode(T.self)
    }
}
