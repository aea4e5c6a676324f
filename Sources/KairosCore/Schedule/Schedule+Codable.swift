import Foundation

extension Schedule: Codable {
    enum CodingKeys: String, CodingKey {
        case type, expression, timezone, startDate, endDate, jitter
        case weeks, days, hours, minutes, seconds, runAt
    }

    static let knownKeys: [String: Set<String>] = [
        "cron": ["type", "expression", "timezone", "startDate", "endDate", "jitter"],
        "interval": ["type", "weeks", "days", "hours", "minutes", "seconds", "startDate", "endDate", "jitter"],
        "date": ["type", "runAt"],
    ]

    /// Decodes and validates. Every problem becomes a ``FieldIssue`` in one
    /// ``ValidationError`` (wrong types, unknown fields, bad expression, unknown zone …), so
    /// the caller learns about all bad fields at once.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var issues: [FieldIssue] = []
        func value<T: Decodable>(_ type: T.Type, _ key: String) -> T? {
            guard let codingKey = AnyKey(stringValue: key), container.contains(codingKey) else { return nil }
            if (try? container.decodeNil(forKey: codingKey)) == true { return nil }
            do { return try container.decode(T.self, forKey: codingKey) } catch {
                issues.append(FieldIssue(field: key, code: "invalidType", message: "\(key) must be \(Self.typeName(T.self))"))
                return nil
            }
        }
        func date(_ key: String) -> Date? {
            guard let text = value(String.self, key) else { return nil }
            do { return try Timestamp.parse(text) } catch {
                issues.append(FieldIssue(field: key, code: "invalidTimestamp", message: error.description))
                return nil
            }
        }

        guard let type = value(String.self, "type") else {
            let present = container.contains(AnyKey(stringValue: "type")!)
            throw ValidationError(
                issues.isEmpty || !present
                    ? [FieldIssue(field: "type", code: "required", message: "type is required: one of cron, interval, date")] : issues)
        }
        guard let known = Self.knownKeys[type] else {
            throw ValidationError(field: "type", code: "invalidValue", message: "unknown schedule type '\(type)': expected cron, interval or date")
        }
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            issues.append(FieldIssue(field: key.stringValue, code: "unknownField", message: "\(key.stringValue) is not a field of a \(type) schedule"))
        }

        switch type {
        case "cron":
            let expression = value(String.self, "expression")
            let timezone = value(String.self, "timezone") ?? "UTC"
            let start = date("startDate"), end = date("endDate")
            let jitter = value(Int.self, "jitter")
            if expression == nil && !issues.contains(where: { $0.field == "expression" }) {
                issues.append(FieldIssue(field: "expression", code: "required", message: "expression is required for a cron schedule"))
            }
            guard issues.isEmpty, let expression else { throw ValidationError(issues) }
            self = .cron(try CronSchedule(expression: expression, timeZone: timezone, startDate: start, endDate: end, jitter: jitter))
        case "interval":
            let units = ["weeks", "days", "hours", "minutes", "seconds"].map { value(Int.self, $0) ?? 0 }
            let start = date("startDate"), end = date("endDate")
            let jitter = value(Int.self, "jitter")
            guard issues.isEmpty else { throw ValidationError(issues) }
            self = .interval(
                try IntervalSchedule(
                    weeks: units[0], days: units[1], hours: units[2], minutes: units[3], seconds: units[4],
                    startDate: start, endDate: end, jitter: jitter))
        default:
            let runAt = date("runAt")
            if runAt == nil && !issues.contains(where: { $0.field == "runAt" }) {
                issues.append(FieldIssue(field: "runAt", code: "required", message: "runAt is required for a date schedule"))
            }
            guard issues.isEmpty, let runAt else { throw ValidationError(issues) }
            self = .date(DateSchedule(runAt: runAt))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func encodeDate(_ date: Date?, _ key: CodingKeys) throws {
            if let date { try container.encode(Timestamp.formatPrecise(date), forKey: key) }
        }
        switch self {
        case .cron(let cron):
            try container.encode("cron", forKey: .type)
            try container.encode(cron.expression.source, forKey: .expression)
            try container.encode(cron.timeZone.identifier, forKey: .timezone)
            try encodeDate(cron.startDate, .startDate)
            try encodeDate(cron.endDate, .endDate)
            try container.encodeIfPresent(cron.jitter, forKey: .jitter)
        case .interval(let interval):
            try container.encode("interval", forKey: .type)
            for (key, value) in [(CodingKeys.weeks, interval.weeks), (.days, interval.days), (.hours, interval.hours), (.minutes, interval.minutes), (.seconds, interval.seconds)] where value != 0 {
                try container.encode(value, forKey: key)
            }
            try encodeDate(interval.startDate, .startDate)
            try encodeDate(interval.endDate, .endDate)
            try container.encodeIfPresent(interval.jitter, forKey: .jitter)
        case .date(let date):
            try container.encode("date", forKey: .type)
            try encodeDate(date.runAt, .runAt)
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        default: "of type \(type)"
        }
    }
}

/// A coding key for any string, to find keys the schema does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
