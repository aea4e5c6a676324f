/// One invalid field of a submitted value, named by its JSON path (e.g. `schedule.timezone`).
public struct FieldIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Dotted JSON path of the field, e.g. `retry.backoff.multiplier`.
    public var field: String
    /// Stable, machine-readable kind of problem, e.g. `outOfRange`.
    public var code: String
    /// What is wrong, for people.
    public var message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A value that failed validation, with every problem found (not only the first), so that
/// an API client can fix all fields at once. The HTTP layer maps it to a 422 problem body.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [FieldIssue]

    public init(_ issues: [FieldIssue]) { self.issues = issues }

    public init(field: String, code: String, message: String) {
        self.issues = [FieldIssue(field: field, code: code, message: message)]
    }

    public var description: String { issues.map(\.description).joined(separator: "; ") }

    /// Prefixes every field path, for nesting (`backoff.initial` → `retry.backoff.initial`).
    public func nested(under parent: String) -> ValidationError {
        ValidationError(issues.map { FieldIssue(field: "\(parent).\($0.field)", code: $0.code, message: $0.message) })
    }
}
