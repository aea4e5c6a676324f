import Foundation
import KairosCore

extension TaskRegistry {
    /// The issues of a job body that did not decode, completed with those of its task and
    /// arguments: decoding stops before the task checks them, yet docs/API.md promises every
    /// invalid field at once (API bodies and jobs files alike). Nothing is added when the body
    /// already has an issue on `task` or `args` (a wrong type says enough).
    public func completing(_ issues: [FieldIssue], ofJobBody body: JSONValue) -> [FieldIssue] {
        let named = issues.contains { $0.field == "task" || $0.field == "args" || $0.field.hasPrefix("args.") }
        guard !named, let taskName = body["task"]?.stringValue else { return issues }
        guard let task = task(named: taskName) else {
            return issues + [FieldIssue(
                field: "task", code: "unknownTask",
                message: "unknown task '\(taskName)'; registered tasks: \(names.joined(separator: ", "))")]
        }
        do { try task.validate(args: body["args"] ?? [:]) } catch { return issues + error.nested(under: "args").issues }
        return issues
    }
}
