import Foundation
import KairosPostgres
import KairosStoreConformance
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the tests use: `KAIROS_TEST_POSTGRES_URL` (scripts/test starts a
/// throwaway one and sets it). Without it a test fails, never skips.
enum TestServer {
    static let variable = "KAIROS_TEST_POSTGRES_URL"

    static func url(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
            Issue.record(
                "\(variable) is not set: the PostgreSQL tests need a server. Run scripts/test, or scripts/with-postgres swift test --filter KairosPostgresTests",
                sourceLocation: sourceLocation)
            throw MissingServer()
        }
        return url
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String { "\(TestServer.variable) is not set (run scripts/test)" }
    }

    /// At most this many cases hold a database at once: each opens up to two pools on a
    /// 2-core machine that also runs the server.
    static let slots = Slots(4)

    static let logger = Logger(label: "kairos.postgres.tests", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A counting semaphore for async code.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// A new, empty database on the test server for the length of `body` (dropped after).
func withFreshDatabase(_ body: (PostgresStoreConfiguration) async throws -> Void) async throws {
    let admin = try PostgresStoreConfiguration(url: try TestServer.url(), environment: [:])
    let name = "kairos_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    await TestServer.slots.acquire()
    do {
        try await adminQuery(admin, "CREATE DATABASE \(name)")
        var configuration = admin
        configuration.database = String(name)
        configuration.poolSize = 4
        do {
            try await body(configuration)
        } catch {
            try? await adminQuery(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try await adminQuery(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    } catch {
        await TestServer.slots.release()
        throw error
    }
    await TestServer.slots.release()
}

/// A connection of its own to `configuration`'s database, outside any store's pool.
func connect(_ configuration: PostgresStoreConfiguration) async throws -> PostgresConnection {
    try await PostgresConnection.connect(
        on: PostgresClient.defaultEventLoopGroup.next(),
        configuration: PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: .disable),
        id: 1, logger: TestServer.logger
    ).get()
}

/// Runs one statement on its own connection to the server's administrative database.
func adminQuery(_ configuration: PostgresStoreConfiguration, _ sql: String) async throws {
    _ = try await adminInteger(configuration, sql)
}

/// Runs one statement on its own connection to `configuration`'s database and returns the first
/// column of its first row as an integer (nil without rows).
@discardableResult
func adminInteger(_ configuration: PostgresStoreConfiguration, _ sql: String) async throws -> Int? {
    let connection = try await connect(configuration)
    do {
        var value: Int?
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestServer.logger) where value == nil {
            value = try row.decode(Int.self)
        }
        try await connection.close()
        return value
    } catch {
        try? await connection.close()
        throw error
    }
}

/// Handles on `configuration`'s database, each a new ``PostgresJobStore`` (its own
/// `PostgresClient`, as a second process would have), whose clients run in a task group for
/// the length of `body` and stop after it.
func withHandles(_ configuration: PostgresStoreConfiguration, _ body: (StoreHandles) async throws -> Void) async throws {
    let (opened, continuation) = AsyncStream.makeStream(of: PostgresJobStore.self)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            await withDiscardingTaskGroup { clients in
                for await store in opened {
                    clients.addTask { try? await store.run() }
                }
            }
        }
        let handles = StoreHandles {
            let store = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
            continuation.yield(store)
            return store
        }
        do {
            try await body(handles)
        } catch {
            continuation.finish()
            group.cancelAll()
            throw error
        }
        continuation.finish()
        group.cancelAll()
    }
}

/// Runs `body` while another connection holds the rows `lockSQL` selects (`… FOR UPDATE` in an
/// open transaction), as a transaction of another instance would; the lock is released after
/// `body`, or after `releaseAfter` seconds at most so that a statement waiting for it ends.
func withRowsLocked(
    _ configuration: PostgresStoreConfiguration, _ lockSQL: String, releaseAfter: Double = 10, _ body: () async throws -> Void
) async throws {
    let connection = try await connect(configuration)
    _ = try await connection.query("BEGIN", logger: TestServer.logger)
    _ = try await connection.query(PostgresQuery(unsafeSQL: lockSQL), logger: TestServer.logger)
    let release = Task {
        try? await Task.sleep(for: .seconds(releaseAfter))
        try? await connection.close()
    }
    defer { release.cancel() }
    do {
        try await body()
        // The locks go with the answer to ROLLBACK; a close alone returns before the server
        // has ended the transaction, and a statement right after could still find them held
        // (after `releaseAfter` the connection is closed already: no answer to wait for).
        _ = try? await connection.query("ROLLBACK", logger: TestServer.logger)
        try await connection.close()
    } catch {
        try? await connection.close()
        throw error
    }
}
