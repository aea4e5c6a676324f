import Foundation

/// ISO 8601 timestamps with the UTC offset of a zone, formatted and parsed without
/// `DateFormatter` (which is slow and needs the system zone database).
///
/// ```swift
/// let zone = try ZoneRules.named("America/New_York")
/// Timestamp.format(date, in: zone)                              // "2026-03-08T03:00:00-04:00"
/// try Timestamp.parse("2026-03-07T12:00", defaultZone: zone)    // local time in New York
/// ```
public enum Timestamp {
    /// `YYYY-MM-DDThh:mm:ss±hh:mm` (fractional seconds dropped), with the offset in force in
    /// `zone` at that instant.
    public static func format(_ date: Date, in zone: ZoneRules = .utc) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return format(seconds: seconds, in: zone)
    }

    /// Like ``format(_:in:)`` but keeps fractional seconds (to the microsecond) when there are
    /// any: `2026-03-08T03:00:00.25-04:00`. Used where an instant is stored, so it reads back equal:
    /// the whole count of microseconds is rounded, as the stores round it (rounding only the
    /// fraction could print an instant 1 µs off what a later read of it prints).
    public static func formatPrecise(_ date: Date, in zone: ZoneRules = .utc) -> String {
        let total = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = (total / 1_000_000).rounded(.down)
        let micros = Int(total - seconds * 1_000_000)
        guard micros > 0 else { return format(seconds: Int64(seconds), in: zone) }
        var text = format(seconds: Int64(seconds), in: zone)
        var fraction = pad(micros, 6)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let offsetStart = text.index(text.startIndex, offsetBy: 19)
        text.insert(contentsOf: "." + fraction, at: offsetStart)
        return text
    }

    /// Formats whole seconds since 1970.
    public static func format(seconds: Int64, in zone: ZoneRules = .utc) -> String {
        let offset = zone.offset(at: seconds)
        let local = seconds + offset
        let day = CivilDate.floorDiv(local, 86_400)
        let secondOfDay = Int(local - day * 86_400)
        let (year, month, dayOfMonth) = CivilDate.civil(days: day)
        var text = year >= 0 && year <= 9999 ? pad(Int(year), 4) : String(year)
        text += "-" + pad(month, 2) + "-" + pad(dayOfMonth, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        let magnitude = Int(abs(offset))
        text += (offset < 0 ? "-" : "+") + pad(magnitude / 3600, 2) + ":" + pad(magnitude / 60 % 60, 2)
        if magnitude % 60 != 0 { text += ":" + pad(magnitude % 60, 2) }
        return text
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDThh:mm`, `YYYY-MM-DDThh:mm:ss[.fraction]`, each
    /// optionally followed by `Z` or an offset `±hh:mm`, `±hhmm` or `±hh` (a space may stand for
    /// `T`). Without an offset the time is local time in `defaultZone`; a local time that occurs
    /// twice means the earlier instant, one inside a gap the instant at the end of the gap.
    /// - Throws: ``TimestampError`` describing what does not fit the format.
    public static func parse(_ text: String, defaultZone: ZoneRules = .utc) throws(TimestampError) -> Date {
        var scanner = Scanner(bytes: Array(text.utf8), text: text)
        let year = try scanner.digits(4, "year")
        try scanner.expect(UInt8(ascii: "-"), "'-' after the year")
        let month = try scanner.digits(2, "month")
        try scanner.expect(UInt8(ascii: "-"), "'-' after the month")
        let day = try scanner.digits(2, "day")
        guard (1...12).contains(month) else { throw scanner.error("month \(month) is not 1-12") }
        guard day >= 1 && day <= CivilDate.daysInMonth(year: Int64(year), month: month) else {
            throw scanner.error("day \(day) does not exist in \(year)-\(pad(month, 2))")
        }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if let separator = scanner.peek(), separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") {
            scanner.index += 1
            hour = try scanner.digits(2, "hour")
            try scanner.expect(UInt8(ascii: ":"), "':' after the hour")
            minute = try scanner.digits(2, "minute")
            if scanner.peek() == UInt8(ascii: ":") {
                scanner.index += 1
                second = try scanner.digits(2, "second")
                if scanner.peek() == UInt8(ascii: ".") || scanner.peek() == UInt8(ascii: ",") {
                    scanner.index += 1
                    var scale = 0.1
                    var count = 0
                    while let byte = scanner.peek(), byte >= 0x30 && byte <= 0x39 {
                        fraction += Double(byte - 0x30) * scale
                        scale /= 10
                        count += 1
                        scanner.index += 1
                    }
                    guard count > 0 else { throw scanner.error("expected digits after the decimal point") }
                }
            }
            guard hour <= 23 else { throw scanner.error("hour \(hour) is not 0-23") }
            guard minute <= 59 else { throw scanner.error("minute \(minute) is not 0-59") }
            guard second <= 59 else { throw scanner.error("second \(second) is not 0-59") }
        }
        let local = CivilDate.days(year: Int64(year), month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        var instant: Int64
        if let byte = scanner.peek() {
            if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
                scanner.index += 1
                instant = local
            } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                scanner.index += 1
                let offsetHours = try scanner.digits(2, "offset hours")
                var offsetMinutes = 0
                if scanner.peek() == UInt8(ascii: ":") {
                    scanner.index += 1
                    offsetMinutes = try scanner.digits(2, "offset minutes")
                } else if scanner.peek() != nil {
                    offsetMinutes = try scanner.digits(2, "offset minutes")
                }
                guard offsetHours <= 18, offsetMinutes <= 59 else { throw scanner.error("offset out of range") }
                let offset = Int64(offsetHours * 3600 + offsetMinutes * 60) * (byte == UInt8(ascii: "-") ? -1 : 1)
                instant = local - offset
            } else {
                throw scanner.error("unexpected '\(Character(Unicode.Scalar(byte)))'")
            }
        } else {
            switch defaultZone.resolve(local: local) {
            case .exists(let value): instant = value
            case .gap(let value, _): instant = value
            }
        }
        guard scanner.peek() == nil else { throw scanner.error("unexpected text after the timestamp") }
        return Date(timeIntervalSince1970: Double(instant) + fraction)
    }

    private struct Scanner {
        let bytes: [UInt8]
        let text: String
        var index = 0

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        func error(_ reason: String) -> TimestampError { TimestampError(text: text, reason: reason) }

        mutating func digits(_ count: Int, _ what: String) throws(TimestampError) -> Int {
            var value = 0
            for _ in 0..<count {
                guard let byte = peek(), byte >= 0x30 && byte <= 0x39 else { throw error("expected \(count) digits for the \(what)") }
                value = value * 10 + Int(byte - 0x30)
                index += 1
            }
            return value
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(TimestampError) {
            guard peek() == byte else { throw error("expected \(what)") }
            index += 1
        }
    }
}

/// A timestamp that is not ISO 8601 as ``Timestamp/parse(_:defaultZone:)`` accepts it.
public struct TimestampError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String {
        "invalid timestamp '\(text)': \(reason) (expected ISO 8601, e.g. 2026-03-08T02:30:00-05:00)"
    }
}
