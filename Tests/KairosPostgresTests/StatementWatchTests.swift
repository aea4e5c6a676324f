import Foundation
@testable import KairosPostgres
import PostgresNIO
import Testing

/// A statement its connection never answers must not hold its caller forever (docs/POSTGRES.md,
/// "Failures": PostgresNIO 1.33 leaves some statements unanswered when a restart closes their
/// connection, and that stalled every instance).
@Suite("PostgreSQL statements in flight")
struct StatementWatchTests {
    /// A connection of its own on the test server.
    static func connect() async throws -> PostgresConnection {
        let configuration = try PostgresStoreConfiguration(url: try TestServer.url(), environment: [:])
        return try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.next(), configuration: try configuration.connectionConfiguration(),
            id: 7, logger: TestServer.logger
        ).get()
    }

    @Test("a statement left unanswered fails with 'connection closed' at the first sweep after its connection closes, not before")
    func unansweredStatementFailsOnceItsConnectionCloses() async throws {
        let watch = StatementWatch()
        let connection = try await Self.connect()
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Stands for PostgresNIO's unanswered statement: it never returns in the test's time.
                let outcome = await Result(catching: { try await watch.rows(on: connection) { try await Task.sleep(for: .seconds(120)); return [] } })
                #expect(throws: ConnectionClosed.self) { try outcome.get() }
            }
            #expect(try await eventually(within: 5) { watch.count == 1 })
            #expect(watch.sweep() == 0, "an open connection's statement is left alone")
            try await connection.close()
            #expect(watch.sweep() == 1)
            try await group.waitForAll()
        }
        #expect(Date().timeIntervalSince(started) < 30, "the caller got its answer long before the statement ended")
        #expect(watch.count == 0)
    }

    @Test("answered statements return their rows and leave nothing behind; a closed connection is refused before sending")
    func answeredStatementsAndClosedConnections() async throws {
        let watch = StatementWatch()
        let connection = try await Self.connect()
        let session = Session(connection: connection, logger: TestServer.logger, statements: watch)
        let rows = try await session.rows("SELECT generate_series(1, 3)")
        #expect(try rows.map { try $0[0].decode(Int.self) } == [1, 2, 3])
        #expect(watch.count == 0)
        try await connection.close()
        await #expect(throws: ConnectionClosed.self) { try await session.execute("ROLLBACK") }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
