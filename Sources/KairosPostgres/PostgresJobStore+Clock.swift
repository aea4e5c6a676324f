import Foundation
import KairosStore
import PostgresNIO

/// The database's clock decides for every instance (docs/POSTGRES.md, "Time").
extension PostgresJobStore: StoreClockSource {
    public func databaseTime() async throws -> Date {
        try await read { session in
            let micros = try await session.rows("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")[0][0].decode(Int64.self)
            return Micros.date(micros)
        }
    }
}
