import Foundation

/// A store whose database has a clock that every process using it agrees on (the PostgreSQL
/// driver). Engines on several hosts set their clocks to it, so that local clock skew does not
/// fire jobs early or reap live leases. Single-process stores do not adopt it.
public protocol StoreClockSource: Sendable {
    /// The database's current time (`clock_timestamp()`), read in one round trip.
    func databaseTime() async throws -> Date
}
