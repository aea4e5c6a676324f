/// A parsed crontab expression: which local wall-clock times it matches.
///
/// Accepts 5 fields (minute hour day-of-month month day-of-week) or 6 (a leading seconds
/// field), lists, ranges, steps, month and weekday names, `?`, `L`, `LW`, `nW`, `nL`, `n#k`
/// and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and
/// `@hourly`. Matching follows Debian/Vixie cron, including its daylight-saving behaviour
/// (see ``nextFire(after:in:)`` and docs/CRON.md, daylight saving).
///
/// The expression is independent of any time zone; the zone is supplied when fire times are
/// computed.
///
/// ```swift
/// let cron = try CronExpression("30 9 * * MON-FRI")
/// let zone = try ZoneRules.named("America/New_York")
/// let next = cron.nextFire(after: .now, in: zone)
/// ```
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given, with surrounding whitespace removed.
    public let source: String
    /// The fields after macro expansion, seconds first (`"0"` when the input had 5 fields).
    public let fields: [String]
    /// Whether the input had a seconds field.
    public let hasSeconds: Bool
    /// A *fixed-time* expression (5 fields, or a macro other than `@hourly`, whose minute and
    /// hour fields do not begin with `*`) fires once on a daylight-saving gap or overlap;
    /// every other expression is a *wildcard* expression (README.md, cron expressions).
    public let isFixedTime: Bool

    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let months: UInt64
    let days: DayRule

    public var description: String { source }

    /// Parses and validates an expression.
    /// - Throws: ``CronError`` naming the field and token at fault, or `neverFires` when no
    ///   date can ever match (such as `0 0 30 2 *`).
    public init(_ text: String) throws(CronError) {
        var parser = CronParser(text: text)
        let parsed = try parser.parse()
        self.source = parsed.source
        self.fields = parsed.fields
        self.hasSeconds = parsed.hasSeconds
        self.isFixedTime = parsed.isFixedTime
        self.seconds = parsed.seconds
        self.minutes = parsed.minutes
        self.hours = parsed.hours
        self.months = parsed.months
        self.days = parsed.days
        // The Gregorian calendar repeats every 400 years, so a search that spans a whole cycle
        // from any start either finds a match or proves that none exists.
        if nextLocalMatch(from: CivilDate.days(year: 2000, month: 1, day: 1) * 86_400) == nil {
            throw CronError(
                .neverFires, token: source,
                reason: "'\(source)' can never fire: no date satisfies its day-of-month, month and day-of-week fields together")
        }
    }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// The day-of-month and day-of-week fields, compiled for a quick "which days of this month
/// match" computation.
struct DayRule: Sendable, Hashable {
    /// Plain day-of-month values, bits 1…31.
    var domDays: UInt64 = 0
    /// `L`: the last day of the month.
    var domLast = false
    /// `LW`: the last weekday (Monday–Friday) of the month.
    var domLastWeekday = false
    /// `nW`: the weekday nearest to day n, bits 1…31.
    var domNearestWeekday: UInt64 = 0
    /// The day-of-month field begins with `*` or is `?`.
    var domUnrestricted = false

    /// Plain weekdays, bits 0 (Sunday) … 6 (Saturday).
    var dowDays: UInt64 = 0
    /// `nL`: the last such weekday of the month, bits 0…6.
    var dowLast: UInt64 = 0
    /// `n#k`: bit `weekday * 5 + (k - 1)`.
    var dowNth: UInt64 = 0
    /// The day-of-week field begins with `*` or is `?`.
    var dowUnrestricted = false

    /// For each weekday of the 1st of a month, the days 1…31 that fall on a plain weekday.
    var dowByFirstWeekday: SIMD8<UInt64> = .zero

    mutating func finish() {
        for first in 0..<7 {
            var mask: UInt64 = 0
            for day in 1...31 where dowDays & (1 << UInt64((first + day - 1) % 7)) != 0 {
                mask |= 1 << UInt64(day)
            }
            dowByFirstWeekday[first] = mask
        }
    }

    /// The days (bits 1…31) of `year-month` that match.
    @inline(__always)
    func mask(year: Int64, month: Int) -> UInt64 {
        let length = CivilDate.daysInMonth(year: year, month: month)
        let firstWeekday = CivilDate.weekday(days: CivilDate.days(year: year, month: month, day: 1))
        let valid: UInt64 = ((1 << UInt64(length + 1)) - 1) & ~1

        var dom = domDays
        if domLast { dom |= 1 << UInt64(length) }
        if domLastWeekday || domNearestWeekday != 0 {
            let lastWeekday = (firstWeekday + length - 1) % 7
            if domLastWeekday {
                let day = lastWeekday == 0 ? length - 2 : lastWeekday == 6 ? length - 1 : length
                dom |= 1 << UInt64(day)
            }
            var nearest = domNearestWeekday & valid
            while nearest != 0 {
                let day = nearest.trailingZeroBitCount
                nearest &= nearest - 1
                let weekday = (firstWeekday + day - 1) % 7
                let target: Int
                switch weekday {
                case 6: target = day == 1 ? 3 : day - 1
                case 0: target = day == length ? day - 2 : day + 1
                default: target = day
                }
                dom |= 1 << UInt64(target)
            }
        }

        var dow = dowByFirstWeekday[firstWeekday]
        if dowLast != 0 || dowNth != 0 {
            for weekday in 0..<7 {
                let firstOccurrence = 1 + (weekday - firstWeekday + 7) % 7
                if dowLast & (1 << UInt64(weekday)) != 0 {
                    dow |= 1 << UInt64(firstOccurrence + 7 * ((length - firstOccurrence) / 7))
                }
                let nth = (dowNth >> UInt64(weekday * 5)) & 0b11111
                if nth != 0 {
                    for k in 0..<5 where nth & (1 << UInt64(k)) != 0 {
                        let day = firstOccurrence + 7 * k
                        if day <= length { dow |= 1 << UInt64(day) }
                    }
                }
            }
        }

        let days = (domUnrestricted || dowUnrestricted) ? (dom & dow) : (dom | dow)
        return days & valid
    }
}
