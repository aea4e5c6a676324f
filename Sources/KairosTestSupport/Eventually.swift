import Foundation

/// Polls `condition` until it holds or `seconds` pass; returns whether it held. For tests of
/// real clocks and processes: every wait is bounded, and a failed wait is an expectation that
/// fails, not a hang.
///
/// ```swift
/// #expect(try await eventually(within: 5) { try await store.job(key: "tick")?.lastStatus == .succeeded })
/// ```
public func eventually(
    within seconds: Double = 5, every interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
