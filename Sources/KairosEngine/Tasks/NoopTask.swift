import Foundation
import KairosCore

/// `system.noop`: does nothing and returns `ok`; for smoke tests and benchmarks. Takes no arguments.
public struct NoopTask: KairosTask {
    public let name = "system.noop"

    public init() {}

    public func validate(args: JSONValue) throws(ValidationError) {
        try ArgumentChecker(args, known: []).finish()
    }

    public func run(args: JSONValue, context: TaskContext) async throws -> String? {
        "ok"
    }
}

extension NoopTask {
    public var summary: String { "Does nothing and succeeds (for benchmarks and smoke tests)." }

    public var argumentSchema: JSONValue { ["type": "object", "additionalProperties": false, "properties": [:]] }
}
