import Foundation
import KairosCore
import KairosStore
import Testing

/// Opens handles on one fresh, empty database: each call a new handle (a new connection pool,
/// as a second process would have), all on the same data. A driver without separate handles
/// (memory) returns the same store each time.
public struct StoreHandles: Sendable {
    public let open: @Sendable () async throws -> any JobStore

    public init(open: @escaping @Sendable () async throws -> any JobStore) {
        self.open = open
    }
}

/// One check of the ``JobStore`` contract, run by every driver's tests against a fresh, empty
/// database:
///
/// ```swift
/// @Test(arguments: StoreConformance.cases)
/// func conformance(_ check: StoreConformanceCase) async throws {
///     let path = …   // a new file
///     try await check.run(StoreHandles { try SQLiteJobStore(path: path) })
/// }
/// ```
///
/// Most cases use one handle; the race cases open two and run them against each other (two
/// schedulers claiming the same fires, a reaper racing a completion …). Cases drive time
/// through explicit `now:` dates; none sleeps.
public struct StoreConformanceCase: Sendable, CustomTestStringConvertible {
    public var name: String
    public var run: @Sendable (StoreHandles) async throws -> Void

    /// A case on one handle.
    public init(_ name: String, run: @escaping @Sendable (any JobStore) async throws -> Void) {
        self.name = name
        self.run = { handles in try await run(try await handles.open()) }
    }

    /// A case that opens as many handles as it needs.
    public init(_ name: String, handles run: @escaping @Sendable (StoreHandles) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var testDescription: String { name }
}

/// The conformance suite of the store protocols (docs/STORE.md).
public enum StoreConformance {
    public static let cases: [StoreConformanceCase] =
        jobCases + batchCases + jobListCases + schedulingCases + queueCases + instanceCases + historyCases + apiKeyCases + webSessionCases + waitingCases + raceCases
}
