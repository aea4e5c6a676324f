import Foundation

/// When a job fires: a cron expression in a time zone, a fixed interval, or one instant.
///
/// Encoded as in the API (docs/API.md):
/// `{"type": "cron", "expression": "0 2 * * *", "timezone": "UTC"}`,
/// `{"type": "interval", "minutes": 5}`, `{"type": "date", "runAt": "2026-12-24T18:00:00Z"}`.
/// Decoding validates and throws ``ValidationError`` naming each bad field.
///
/// ```swift
/// let schedule = Schedule.cron(try CronSchedule(expression: "30 2 * * *", timeZone: "Europe/London"))
/// let next = schedule.nextFire(after: .now)
/// ```
public enum Schedule: Sendable, Hashable {
    case cron(CronSchedule)
    case interval(IntervalSchedule)
    case date(DateSchedule)

    /// The first nominal fire time strictly after `instant`, or `nil` when the schedule is
    /// finished. Jitter is not included: see ``fireTime(nominal:jobKey:)``.
    public func nextFire(after instant: Date) -> Date? {
        switch self {
        case .cron(let cron): cron.nextFire(after: instant)
        case .interval(let interval): interval.nextFire(after: instant)
        case .date(let date): date.runAt > instant ? date.runAt : nil
        }
    }

    /// The maximum jitter in seconds (0 for none).
    public var jitter: Int {
        switch self {
        case .cron(let cron): cron.jitter ?? 0
        case .interval(let interval): interval.jitter ?? 0
        case .date: 0
        }
    }

    /// When a nominal fire actually becomes runnable: the fire plus its deterministic jitter.
    /// The nominal time stays the fire's identity (one execution per job and nominal time).
    public func fireTime(nominal: Date, jobKey: String) -> Date {
        nominal.addingTimeInterval(Jitter.delay(key: jobKey, fire: nominal, maximumSeconds: jitter))
    }

    /// Fills in a missing interval anchor (docs/STORE.md: an interval is anchored at its start
    /// date, by default the job's creation time).
    public func anchored(at creation: Date) -> Schedule {
        guard case .interval(var interval) = self, interval.startDate == nil else { return self }
        interval.startDate = Date(timeIntervalSince1970: creation.timeIntervalSince1970.rounded(.down))
        return .interval(interval)
    }
}

/// A cron expression evaluated in an IANA time zone, optionally bounded and jittered.
public struct CronSchedule: Sendable, Hashable {
    public var expression: CronExpression
    public var timeZone: ZoneRules
    public var startDate: Date?
    public var endDate: Date?
    /// Maximum random delay in seconds added to each fire (deterministic per job and fire).
    public var jitter: Int?

    /// - Throws: ``ValidationError`` naming `expression`, `timezone`, `endDate` or `jitter`.
    public init(expression: String, timeZone: String = "UTC", startDate: Date? = nil, endDate: Date? = nil, jitter: Int? = nil) throws(ValidationError) {
        var issues: [FieldIssue] = []
        var parsed: CronExpression?
        do { parsed = try CronExpression(expression) } catch {
            issues.append(FieldIssue(field: "expression", code: error.code.rawValue, message: error.description))
        }
        var zone: ZoneRules?
        do { zone = try ZoneRules.named(timeZone) } catch {
            issues.append(FieldIssue(field: "timezone", code: "unknownTimeZone", message: error.description))
        }
        issues += ScheduleChecks.bounds(startDate: startDate, endDate: endDate, jitter: jitter)
        guard issues.isEmpty, let parsed, let zone else { throw ValidationError(issues) }
        self.expression = parsed
        self.timeZone = zone
        self.startDate = startDate
        self.endDate = endDate
        self.jitter = jitter
    }

    public func nextFire(after instant: Date) -> Date? {
        var after = instant
        if let startDate, startDate > instant {
            // Fires at or after the start date: search from just before it.
            after = Date(timeIntervalSince1970: startDate.timeIntervalSince1970.rounded(.up) - 1)
        }
        guard let next = expression.nextFire(after: after, in: timeZone) else { return nil }
        if let endDate, next > endDate { return nil }
        return next
    }

    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.expression == rhs.expression && lhs.timeZone.identifier == rhs.timeZone.identifier
            && lhs.startDate == rhs.startDate && lhs.endDate == rhs.endDate && lhs.jitter == rhs.jitter
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(expression)
        hasher.combine(timeZone.identifier)
        hasher.combine(startDate)
        hasher.combine(endDate)
        hasher.combine(jitter)
    }
}

/// Every N weeks/days/hours/minutes/seconds (any combination, total > 0), anchored at
/// `startDate`: fires are `startDate + k × period` for k = 0, 1, 2, …
public struct IntervalSchedule: Sendable, Hashable {
    public var weeks: Int
    public var days: Int
    public var hours: Int
    public var minutes: Int
    public var seconds: Int
    /// The anchor and first fire. `nil` until the job is created (then its creation time);
    /// an unanchored interval is aligned to 1970-01-01T00:00:00Z.
    public var startDate: Date?
    public var endDate: Date?
    public var jitter: Int?

    /// The longest interval accepted: 10 years.
    public static let maximumPeriod: Int64 = 10 * 366 * 86_400

    /// - Throws: ``ValidationError`` naming each negative unit, a zero or too long total, or a
    ///   bad `endDate` / `jitter`.
    public init(weeks: Int = 0, days: Int = 0, hours: Int = 0, minutes: Int = 0, seconds: Int = 0, startDate: Date? = nil, endDate: Date? = nil, jitter: Int? = nil) throws(ValidationError) {
        var issues: [FieldIssue] = []
        let units = [("weeks", weeks), ("days", days), ("hours", hours), ("minutes", minutes), ("seconds", seconds)]
        for (name, value) in units where value < 0 || value > 1_000_000_000 {
            issues.append(FieldIssue(field: name, code: "outOfRange", message: "\(name) must be between 0 and 1000000000, got \(value)"))
        }
        if issues.isEmpty {
            let total = Int64(weeks) * 604_800 + Int64(days) * 86_400 + Int64(hours) * 3600 + Int64(minutes) * 60 + Int64(seconds)
            if total <= 0 {
                issues.append(FieldIssue(field: "seconds", code: "emptyInterval", message: "the interval must be longer than zero: give at least one of weeks, days, hours, minutes, seconds"))
            } else if total > Self.maximumPeriod {
                issues.append(FieldIssue(field: "days", code: "outOfRange", message: "the interval must not be longer than 10 years"))
            }
        }
        issues += ScheduleChecks.bounds(startDate: startDate, endDate: endDate, jitter: jitter)
        guard issues.isEmpty else { throw ValidationError(issues) }
        (self.weeks, self.days, self.hours, self.minutes, self.seconds) = (weeks, days, hours, minutes, seconds)
        self.startDate = startDate
        self.endDate = endDate
        self.jitter = jitter
    }

    /// The period in seconds.
    public var period: Int64 {
        Int64(weeks) * 604_800 + Int64(days) * 86_400 + Int64(hours) * 3600 + Int64(minutes) * 60 + Int64(seconds)
    }

    public func nextFire(after instant: Date) -> Date? {
        let anchor = startDate?.timeIntervalSince1970 ?? 0
        let t = instant.timeIntervalSince1970
        guard t.isFinite else { return nil }
        let step = Double(period)
        let next: Double
        if t < anchor {
            next = anchor
        } else {
            next = anchor + ((t - anchor) / step).rounded(.down) * step + step
        }
        let fire = Date(timeIntervalSince1970: next)
        if let endDate, fire > endDate { return nil }
        return fire
    }
}

/// One fire at `runAt`. After it the job has no next fire and is shown as finished.
public struct DateSchedule: Sendable, Hashable {
    public var runAt: Date
    public init(runAt: Date) { self.runAt = runAt }
}

enum ScheduleChecks {
    static let maximumJitter = 86_400

    static func bounds(startDate: Date?, endDate: Date?, jitter: Int?) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if let startDate, let endDate, endDate < startDate {
            issues.append(FieldIssue(field: "endDate", code: "beforeStart", message: "endDate must not be before startDate"))
        }
        if let jitter, jitter < 0 || jitter > maximumJitter {
            issues.append(FieldIssue(field: "jitter", code: "outOfRange", message: "jitter must be between 0 and \(maximumJitter) seconds, got \(jitter)"))
        }
        return issues
    }
}
