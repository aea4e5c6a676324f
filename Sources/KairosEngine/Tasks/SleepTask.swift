import Foundation
import KairosCore

/// `system.sleep`: waits `seconds` (0–86400), for smoke tests, benchmarks and timeout drills.
/// The wait is a `Task.sleep`, so a timeout or shutdown cancels it at once.
///
/// ```json
/// {"task": "system.sleep", "args": {"seconds": 2.5}}
/// ```
public struct SleepTask: KairosTask {
    public let name = "system.sleep"

    public init() {}

    static func parse(_ args: JSONValue) throws(ValidationError) -> Double {
        var check = ArgumentChecker(args, known: ["seconds"])
        let seconds = check.number("seconds", required: true, in: 0...86_400, unit: " seconds")
        try check.finish()
        return seconds ?? 0
    }

    public func validate(args: JSONValue) throws(ValidationError) {
        _ = try Self.parse(args)
    }

    public func run(args: JSONValue, context: TaskContext) async throws -> String? {
        let seconds: Double
        do { seconds = try Self.parse(args) } catch { throw invalidArguments(error, task: name) }
        try await Task.sleep(for: .seconds(seconds))
        return "slept \(ArgumentChecker.format(seconds))s"
    }
}

extension SleepTask {
    public var summary: String { "Waits the given number of seconds (for tests and demos); honours cancellation." }

    public var argumentSchema: JSONValue {
        [
            "type": "object", "required": ["seconds"], "additionalProperties": false,
            "properties": ["seconds": ["type": "number", "minimum": 0, "maximum": 86_400]],
        ]
    }
}
