/// One field of a cron expression, named as in error messages.
public enum CronField: String, Sendable, Hashable, CaseIterable, Codable {
    case second
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"

    /// Smallest and largest value a plain number may take in this field.
    var bounds: ClosedRange<Int> {
        switch self {
        case .second, .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }
}

/// Why a cron expression was rejected. Every error names the field and the offending token
/// where there is one, so that a user can fix the expression from the message alone.
///
/// ```swift
/// do { _ = try CronExpression("61 * * * *") }
/// catch { print(error) }   // minute field: '61' is out of range 0-59
/// ```
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable classification of the problem.
    public enum Code: String, Sendable, Hashable, Codable {
        case empty
        case tooLong
        case fieldCount
        case yearFieldUnsupported
        case unknownMacro
        case invalidToken
        case outOfRange
        case reversedRange
        case invalidStep
        case neverFires
    }

    public var code: Code
    /// The field the problem is in, if it is in one field.
    public var field: CronField?
    /// The offending part of the input, if there is one.
    public var token: String?
    /// What is wrong, in words, without the field prefix.
    public var reason: String

    public init(_ code: Code, field: CronField? = nil, token: String? = nil, reason: String) {
        self.code = code
        self.field = field
        self.token = token
        self.reason = reason
    }

    public var description: String {
        if let field { return "\(field.rawValue) field: \(reason)" }
        return reason
    }
}
