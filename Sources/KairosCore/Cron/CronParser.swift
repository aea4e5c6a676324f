/// Turns the text of a cron expression into bit masks, rejecting anything it does not
/// understand with a ``CronError`` that names the field and token.
struct CronParser {
    struct Parsed {
        var source: String
        var fields: [String]
        var hasSeconds: Bool
        var isFixedTime: Bool
        var seconds: UInt64 = 0
        var minutes: UInt64 = 0
        var hours: UInt64 = 0
        var months: UInt64 = 0
        var days = DayRule()
    }

    static let maximumLength = 512

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    let text: String

    mutating func parse() throws(CronError) -> Parsed {
        let source = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard !source.isEmpty else { throw CronError(.empty, reason: "the expression is empty") }
        guard source.utf8.count <= Self.maximumLength else {
            throw CronError(.tooLong, reason: "the expression is longer than \(Self.maximumLength) characters")
        }

        var parts = source.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = parts.first, first.lowercased() == "@every" {
            throw CronError(.unknownMacro, token: first, reason: Self.everyHint(source, duration: parts.dropFirst().joined()))
        }
        if parts.count == 1, parts[0].hasPrefix("@") {
            guard let expansion = Self.macros[parts[0].lowercased()] else {
                throw CronError(
                    .unknownMacro, token: parts[0],
                    reason: "unknown macro '\(parts[0])': expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
            }
            parts = expansion.split(separator: " ").map(String.init)
        }
        if let stray = parts.first(where: { !$0.unicodeScalars.allSatisfy(\.isASCII) || $0.contains(where: \.isWhitespace) }) {
            throw CronError(.invalidToken, token: stray, reason: "'\(stray)' contains characters that are not allowed in a cron expression")
        }
        switch parts.count {
        case 5, 6: break
        case 7:
            throw CronError(
                .yearFieldUnsupported, token: parts[6],
                reason: "7-field expressions (with a year field, here '\(parts[6])') are not supported; use 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds)")
        default:
            throw CronError(
                .fieldCount,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds), found \(parts.count)")
        }

        let hasSeconds = parts.count == 6
        let fields = hasSeconds ? parts : ["0"] + parts
        var parsed = Parsed(
            source: source, fields: fields, hasSeconds: hasSeconds,
            isFixedTime: !hasSeconds && !fields[1].hasPrefix("*") && !fields[2].hasPrefix("*"))

        parsed.seconds = try Self.plainField(fields[0], .second)
        parsed.minutes = try Self.plainField(fields[1], .minute)
        parsed.hours = try Self.plainField(fields[2], .hour)
        parsed.months = try Self.plainField(fields[4], .month)
        try Self.dayOfMonth(fields[3], into: &parsed.days)
        try Self.dayOfWeek(fields[5], into: &parsed.days)
        parsed.days.finish()
        return parsed
    }

    /// `@every 5m` (robfig/cron, Go durations) is an interval, not a cron expression: the
    /// message shows the interval schedule to use, with the duration's units when they parse
    /// (`w`, `d`, `h`, `m`, `s`).
    static func everyHint(_ source: String, duration: String) -> String {
        let units: [(suffix: Character, name: String)] = [("w", "weeks"), ("d", "days"), ("h", "hours"), ("m", "minutes"), ("s", "seconds")]
        var amounts = [Int](repeating: 0, count: units.count)
        var digits = ""
        var parsed = !duration.isEmpty
        for character in duration.lowercased() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units.firstIndex(where: { $0.suffix == character }), let amount = Int(digits), amount <= 1_000_000_000 {
                amounts[unit] += amount
                digits = ""
            } else {
                parsed = false
                break
            }
        }
        if !digits.isEmpty || !amounts.contains(where: { $0 > 0 }) { parsed = false }
        let members = parsed ? units.indices.filter { amounts[$0] > 0 }.map { "\"\(units[$0].name)\":\(amounts[$0])" } : ["\"minutes\":5"]
        let schedule = "{\"type\":\"interval\",\(members.joined(separator: ","))}"
        return "'\(source)' is not cron: a fixed interval is an interval schedule, \(parsed ? "" : "such as ")\(schedule)"
    }

    // MARK: Fields

    /// Seconds, minutes, hours and months: only numbers (or month names), `*`, lists, ranges
    /// and steps.
    static func plainField(_ text: String, _ field: CronField) throws(CronError) -> UInt64 {
        var mask: UInt64 = 0
        for term in try terms(text, field) {
            mask |= try rangeTerm(term, field)
        }
        return mask
    }

    static func dayOfMonth(_ text: String, into rule: inout DayRule) throws(CronError) {
        let field = CronField.dayOfMonth
        rule.domUnrestricted = text.hasPrefix("*") || text == "?"
        if text == "?" {
            rule.domDays = rangeMask(1, 31, step: 1)
            return
        }
        for term in try terms(text, field) {
            let upper = term.uppercased()
            if upper == "L" {
                rule.domLast = true
            } else if upper == "LW" {
                rule.domLastWeekday = true
            } else if upper.hasSuffix("W") {
                let day = try number(String(term.dropLast()), field, whole: term)
                rule.domNearestWeekday |= 1 << UInt64(day)
            } else {
                rule.domDays |= try rangeTerm(term, field)
            }
        }
    }

    static func dayOfWeek(_ text: String, into rule: inout DayRule) throws(CronError) {
        let field = CronField.dayOfWeek
        rule.dowUnrestricted = text.hasPrefix("*") || text == "?"
        if text == "?" {
            rule.dowDays = rangeMask(0, 6, step: 1)
            return
        }
        for term in try terms(text, field) {
            let upper = term.uppercased()
            if let hash = upper.firstIndex(of: "#") {
                let weekday = try value(String(upper[..<hash]), field, whole: term) % 7
                let nthText = String(upper[upper.index(after: hash)...])
                guard let nth = Int(nthText), nthText.allSatisfy(\.isASCII), (1...5).contains(nth) else {
                    throw CronError(
                        .outOfRange, field: field, token: term,
                        reason: "'\(term)': the occurrence after '#' must be 1 to 5")
                }
                rule.dowNth |= 1 << UInt64(weekday * 5 + nth - 1)
            } else if upper == "L" {
                throw CronError(
                    .invalidToken, field: field, token: term,
                    reason: "'L' alone is not supported here; write nL for the last weekday n of the month, e.g. 5L for the last Friday")
            } else if upper.hasSuffix("L") {
                let weekday = try value(String(upper.dropLast()), field, whole: term) % 7
                rule.dowLast |= 1 << UInt64(weekday)
            } else {
                let mask = try rangeTerm(term, field)
                // 7 is Sunday, like 0.
                rule.dowDays |= (mask & 0x7F) | (mask >> 7 & 1)
            }
        }
    }

    // MARK: Terms

    /// Splits a field into its comma-separated terms, rejecting empty ones.
    static func terms(_ text: String, _ field: CronField) throws(CronError) -> [String] {
        let terms = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if terms.contains(where: \.isEmpty) {
            throw CronError(.invalidToken, field: field, token: text, reason: "'\(text)' has an empty list element")
        }
        return terms
    }

    /// `*`, `?` (day fields only), `a`, `a-b`, each with an optional `/step`; `a/step` means
    /// from `a` to the end of the field's range.
    static func rangeTerm(_ term: String, _ field: CronField) throws(CronError) -> UInt64 {
        let bounds = field.bounds
        var base = Substring(term)
        var step = 1
        if let slash = term.firstIndex(of: "/") {
            base = term[..<slash]
            let stepText = String(term[term.index(after: slash)...])
            guard !stepText.isEmpty, stepText.utf8.count <= 4, stepText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(stepText)
            else {
                throw CronError(.invalidStep, field: field, token: term, reason: "'\(term)': the step after '/' must be a positive number")
            }
            guard value > 0 else {
                throw CronError(.invalidStep, field: field, token: term, reason: "'\(term)': the step must be at least 1")
            }
            step = value
        }
        let low: Int
        let high: Int
        if base == "*" || (base == "?" && (field == .dayOfMonth || field == .dayOfWeek)) {
            low = bounds.lowerBound
            high = bounds.upperBound
        } else if let dash = base.firstIndex(of: "-") {
            let startText = String(base[..<dash])
            let endText = String(base[base.index(after: dash)...])
            low = try value(startText, field, whole: term)
            high = try value(endText, field, whole: term)
            guard low <= high else {
                throw CronError(
                    .reversedRange, field: field, token: term,
                    reason: "'\(term)' is a reversed range: its start must not be after its end")
            }
        } else {
            low = try value(String(base), field, whole: term)
            high = term.contains("/") ? bounds.upperBound : low
        }
        return rangeMask(low, high, step: step)
    }

    static func rangeMask(_ low: Int, _ high: Int, step: Int) -> UInt64 {
        var mask: UInt64 = 0
        var value = low
        while value <= high {
            mask |= 1 << UInt64(value)
            value += step
        }
        return mask
    }

    /// A number or (month and day-of-week fields) a three-letter name, within the field's range.
    static func value(_ text: String, _ field: CronField, whole term: String) throws(CronError) -> Int {
        let upper = text.uppercased()
        if field == .month, let index = monthNames.firstIndex(of: upper) { return index + 1 }
        if field == .dayOfWeek, let index = weekdayNames.firstIndex(of: upper) { return index }
        return try number(text, field, whole: term)
    }

    static func number(_ text: String, _ field: CronField, whole term: String) throws(CronError) -> Int {
        let bounds = field.bounds
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            let expected: String
            switch field {
            case .month: expected = "a number 1-12 or a month name JAN-DEC"
            case .dayOfWeek: expected = "a number 0-7 or a weekday name SUN-SAT"
            default: expected = "a number \(bounds.lowerBound)-\(bounds.upperBound)"
            }
            let shown = text.isEmpty ? term : text
            throw CronError(.invalidToken, field: field, token: term, reason: "'\(shown)' is not valid here: expected \(expected)")
        }
        guard text.utf8.count <= 4, let value = Int(text), bounds.contains(value) else {
            throw CronError(
                .outOfRange, field: field, token: term,
                reason: "'\(text)' is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
        }
        return value
    }
}
