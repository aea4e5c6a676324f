import Foundation

/// A wait that did not end in time; its description says what was awaited and what was seen.
public struct WaitTimeout: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Runs `operation` and throws ``WaitTimeout`` if it has not returned after `seconds` of real
/// time (the operation is then cancelled). The bound only guards against a hang: a passing wait
/// returns when its operation does, so it is generous — CPU-bound suites running beside can
/// starve the cooperative pool for seconds. `operation` must end when cancelled.
public func withDeadline<T: Sendable>(
    _ seconds: Double, _ what: @escaping @Sendable () -> String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else {
            throw WaitTimeout("waited \(seconds) s for \(what())")
        }
        return value
    }
}
