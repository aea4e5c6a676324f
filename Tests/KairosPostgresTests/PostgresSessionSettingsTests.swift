import Foundation
import PostgresNIO
import Testing

@testable import KairosPostgres

@Suite("PostgreSQL session settings")
struct PostgresSessionSettingsTests {
    @Test("every session of the store's pool runs with jit off, whatever the server's default")
    func sessionsWithoutJIT() async throws {
        try await withFreshDatabase { configuration in
            let client = PostgresClient(configuration: try configuration.clientConfiguration(), backgroundLogger: TestServer.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                var settings: [String] = []
                for try await (value) in try await client.query("SHOW jit", logger: TestServer.logger).decode(String.self) {
                    settings.append(value)
                }
                #expect(settings == ["off"])
                var serverDefault: [String] = []
                for try await (value) in try await client.query("SELECT boot_val FROM pg_settings WHERE name = 'jit'", logger: TestServer.logger)
                    .decode(String.self)
                {
                    serverDefault.append(value)
                }
                #expect(serverDefault == ["on"], "the server's own default is on: the session setting is what turns it off")
                group.cancelAll()
            }
        }
    }
}
