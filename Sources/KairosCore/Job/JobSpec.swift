import Foundation

/// What a user writes to define a job (docs/API.md): the task and its arguments, the schedule,
/// and the execution options. The store adds identity and state to make a ``Job``.
///
/// Decoding validates every field and throws one ``ValidationError`` naming each bad field;
/// unknown fields are rejected. Task arguments are checked later by the task itself.
///
/// ```swift
/// let spec = try JobSpec(key: "nightly-report", task: "http.request",
///                        args: ["url": "https://example.com/report"],
///                        schedule: .cron(try CronSchedule(expression: "0 2 * * *")))
/// ```
public struct JobSpec: Sendable, Hashable {
    public var key: String
    public var name: String
    public var description: String
    public var task: String
    public var args: JSONValue
    public var schedule: Schedule
    /// Higher runs first when workers are saturated.
    public var priority: Int
    /// Concurrent executions of this job, 1–10.
    public var maxInstances: Int
    /// Seconds after which a fire is recorded `missed` instead of run (≥ 1).
    public var misfireGraceTime: Int
    /// Several runnable missed fires collapse into one run.
    public var coalesce: Bool
    public var retry: RetryPolicy
    /// Seconds before a running attempt is cancelled and failed with `timeout`; `nil` for none.
    public var timeout: Double?
    public var enabled: Bool
    public var paused: Bool

    public static let keyPattern = "[a-z0-9][a-z0-9._-]{0,99}"
    public static let priorityRange = -1000...1000

    public init(
        key: String, name: String? = nil, description: String = "", task: String, args: JSONValue = [:],
        schedule: Schedule, priority: Int = 0, maxInstances: Int = 1, misfireGraceTime: Int = 60,
        coalesce: Bool = true, retry: RetryPolicy = .none, timeout: Double? = nil, enabled: Bool = true, paused: Bool = false
    ) throws(ValidationError) {
        self.init(
            unchecked: key, name: name, description: description, task: task, args: args, schedule: schedule, priority: priority,
            maxInstances: maxInstances, misfireGraceTime: misfireGraceTime, coalesce: coalesce, retry: retry, timeout: timeout,
            enabled: enabled, paused: paused)
        try validate()
    }

    private init(
        unchecked key: String, name: String?, description: String, task: String, args: JSONValue, schedule: Schedule, priority: Int,
        maxInstances: Int, misfireGraceTime: Int, coalesce: Bool, retry: RetryPolicy, timeout: Double?, enabled: Bool, paused: Bool
    ) {
        self.key = key
        self.name = name ?? key
        self.description = description
        self.task = task
        self.args = args
        self.schedule = schedule
        self.priority = priority
        self.maxInstances = maxInstances
        self.misfireGraceTime = misfireGraceTime
        self.coalesce = coalesce
        self.retry = retry
        self.timeout = timeout
        self.enabled = enabled
        self.paused = paused
    }

    /// Checks the bounds (README.md, jobs files); every problem is reported.
    public func validate() throws(ValidationError) {
        var issues: [FieldIssue] = []
        if !Self.isValidKey(key) {
            let hint = Self.suggestedKey(for: key).map { "; try \($0)" } ?? ""
            issues.append(FieldIssue(
                field: "key", code: "invalidFormat",
                message: "key '\(key)' must match \(Self.keyPattern): lower-case letters, digits, . _ -\(hint)"))
        }
        if name.count > 200 {
            issues.append(FieldIssue(field: "name", code: "tooLong", message: "name must be at most 200 characters"))
        }
        if description.count > 2000 {
            issues.append(FieldIssue(field: "description", code: "tooLong", message: "description must be at most 2000 characters"))
        }
        if task.isEmpty || task.count > 100 {
            issues.append(FieldIssue(field: "task", code: "required", message: "task must name a registered task"))
        }
        for (field, text) in [("name", name), ("description", description), ("task", task)] where text.unicodeScalars.contains("\u{0}") {
            // SQLite's C strings would cut the text at the NUL, PostgreSQL refuses it.
            issues.append(FieldIssue(field: field, code: "invalidCharacter", message: "\(field) must not contain U+0000 (NUL)"))
        }
        if args.objectValue == nil {
            issues.append(FieldIssue(field: "args", code: "invalidType", message: "args must be a JSON object, got \(args.typeName)"))
        }
        if !Self.priorityRange.contains(priority) {
            issues.append(FieldIssue(field: "priority", code: "outOfRange", message: "priority must be between -1000 and 1000, got \(priority)"))
        }
        if !(1...10).contains(maxInstances) {
            issues.append(FieldIssue(field: "maxInstances", code: "outOfRange", message: "maxInstances must be between 1 and 10, got \(maxInstances)"))
        }
        if !(1...31_622_400).contains(misfireGraceTime) {
            issues.append(FieldIssue(field: "misfireGraceTime", code: "outOfRange", message: "misfireGraceTime must be at least 1 second (at most 366 days), got \(misfireGraceTime)"))
        }
        if let timeout, !(timeout.isFinite && timeout > 0 && timeout <= 7 * 86_400) {
            issues.append(FieldIssue(field: "timeout", code: "outOfRange", message: "timeout must be more than 0 and at most 604800 seconds"))
        }
        do { try retry.validate() } catch { issues += error.nested(under: "retry").issues }
        if !issues.isEmpty { throw ValidationError(issues) }
    }

    public static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...100).contains(bytes.count) else { return false }
        guard isKeyStart(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy(isKeyByte)
    }

    /// `[a-z0-9]`: what a key starts with.
    static func isKeyStart(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }

    /// `[a-z0-9._-]`: what a key holds.
    static func isKeyByte(_ byte: UInt8) -> Bool { isKeyStart(byte) || byte == 0x2E || byte == 0x5F || byte == 0x2D }

    /// A valid key close to an invalid one, for a hint: lower-cased, each run of other
    /// characters made one `-`, trimmed to start with a letter or digit (`Nightly Report!` →
    /// `nightly-report`); `nil` when nothing valid is left.
    public static func suggestedKey(for key: String) -> String? {
        var bytes: [UInt8] = []
        for byte in key.lowercased().utf8 {
            if isKeyByte(byte) {
                bytes.append(byte)
            } else if bytes.last != 0x2D {
                bytes.append(0x2D)
            }
        }
        let trimmed = bytes.drop { !isKeyStart($0) }.prefix(100).reversed().drop { $0 == 0x2D }.reversed()
        let suggestion = String(decoding: Array(trimmed), as: UTF8.self)
        return isValidKey(suggestion) && suggestion != key ? suggestion : nil
    }

    /// The first fire of a job saved at `now`: intervals are anchored at `now` unless they
    /// have a start date; a one-shot whose `runAt` is already past still gets it (the misfire
    /// rules then run it or record it missed).
    public func firstFire(now: Date) -> Date? {
        switch schedule {
        case .date(let date): date.runAt
        default: schedule.anchored(at: now).nextFire(after: now)
        }
    }
}

extension JobSpec: Codable {
    static let knownKeys: Set<String> = [
        "key", "name", "description", "task", "args", "schedule", "priority", "maxInstances",
        "misfireGraceTime", "coalesce", "retry", "timeout", "enabled", "paused",
    ]

    /// Members of `retry` and `schedule` sometimes written at the top level, with where they go.
    static let nestedFields: [String: String] = [
        "maxRetries": "retry.maxRetries", "backoff": "retry.backoff",
        "expression": "schedule.expression", "timezone": "schedule.timezone", "runAt": "schedule.runAt",
    ]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var collected = IssueCollector()
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !Self.knownKeys.contains(key.stringValue) {
            let hint = Self.nestedFields[key.stringValue].map { "; did you mean \($0)?" } ?? ""
            collected.issues.append(FieldIssue(field: key.stringValue, code: "unknownField", message: "\(key.stringValue) is not a field of a job\(hint)"))
        }
        func value<T: Decodable>(_ type: T.Type, _ key: String, typeName: String) -> T? {
            collected.decode(type, AnyKey(stringValue: key)!, in: container, typeName: typeName)
        }
        let key = value(String.self, "key", typeName: "a string")
        let task = value(String.self, "task", typeName: "a string")
        let schedule = value(Schedule.self, "schedule", typeName: "an object")
        for (field, present) in [("key", key != nil), ("task", task != nil), ("schedule", schedule != nil)]
        where !present && !collected.issues.contains(where: { $0.field == field || $0.field.hasPrefix(field + ".") }) {
            collected.issues.append(FieldIssue(field: field, code: "required", message: "\(field) is required"))
        }
        let name = value(String.self, "name", typeName: "a string")
        let description = value(String.self, "description", typeName: "a string") ?? ""
        let args = value(JSONValue.self, "args", typeName: "an object") ?? [:]
        let priority = value(Int.self, "priority", typeName: "an integer") ?? 0
        let maxInstances = value(Int.self, "maxInstances", typeName: "an integer") ?? 1
        let grace = value(Int.self, "misfireGraceTime", typeName: "an integer number of seconds") ?? 60
        let coalesce = value(Bool.self, "coalesce", typeName: "a boolean") ?? true
        let retry = value(RetryPolicy.self, "retry", typeName: "an object") ?? .none
        let timeout = value(Double.self, "timeout", typeName: "a number of seconds")
        let enabled = value(Bool.self, "enabled", typeName: "a boolean") ?? true
        let paused = value(Bool.self, "paused", typeName: "a boolean") ?? false
        guard let key, let task, let schedule else {
            // Still check the other fields, so that every problem is reported at once.
            let placeholder = Schedule.date(DateSchedule(runAt: Date(timeIntervalSince1970: 0)))
            let probe = JobSpec(
                unchecked: key ?? "placeholder", name: name, description: description, task: task ?? "placeholder", args: args,
                schedule: schedule ?? placeholder, priority: priority, maxInstances: maxInstances, misfireGraceTime: grace,
                coalesce: coalesce, retry: retry, timeout: timeout, enabled: enabled, paused: paused)
            do { try probe.validate() } catch { collected.issues += error.issues.filter { issue in !collected.issues.contains { $0.field == issue.field } } }
            throw ValidationError(collected.issues)
        }
        self.init(
            unchecked: key, name: name, description: description, task: task, args: args, schedule: schedule, priority: priority,
            maxInstances: maxInstances, misfireGraceTime: grace, coalesce: coalesce, retry: retry, timeout: timeout,
            enabled: enabled, paused: paused)
        do { try validate() } catch { collected.issues += error.issues }
        try collected.throwIfAny()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        func put<T: Encodable>(_ value: T, _ key: String) throws { try container.encode(value, forKey: AnyKey(stringValue: key)!) }
        try put(key, "key")
        try put(name, "name")
        try put(description, "description")
        try put(task, "task")
        try put(args, "args")
        try put(schedule, "schedule")
        try put(priority, "priority")
        try put(maxInstances, "maxInstances")
        try put(misfireGraceTime, "misfireGraceTime")
        try put(coalesce, "coalesce")
        try put(retry, "retry")
        if let timeout { try put(timeout, "timeout") }
        try put(enabled, "enabled")
        try put(paused, "paused")
    }
}
