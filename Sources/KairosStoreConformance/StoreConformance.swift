import Foundation
import KairosCore
import KairosStore
import Testing

/// One check of the ``JobStore`` contract, run by every driver's tests against a fresh, empty
/// store:
///
/// ```swift
/// @Test(arguments: StoreConformance.cases)
/// func conformance(_ check: StoreConformanceCase) async throws {
///     try await check.run(try makeEmptyStore())
/// }
/// ```
///
/// Cases drive time through explicit `now:` dates; none sleeps.
public struct StoreConformanceCase: Sendable, CustomTestStringConvertible {
    public var name: String
    public var run: @Sendable (any JobStore) async throws -> Void

    public init(_ name: String, run: @escaping @Sendable (any JobStore) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var testDescription: String { name }
}

/// The conformance suite of the store protocols (SPEC §4 and §6).
public enum StoreConformance {
    public static let cases: [StoreConformanceCase] = jobCases + jobListCases + schedulingCases + queueCases + instanceCases + historyCases + apiKeyCases
}
