extension CronExpression {
    /// A plain-English description, e.g. "At 02:30 on Monday through Friday" or
    /// "Every 5 minutes". Meant for people (dashboard, `kairos cron explain`), not parsing.
    public var humanDescription: String {
        let (second, minute, hour, dom, month, dow) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
        var sentence = timePhrase(second: second, minute: minute, hour: hour)
        let days = dayPhrase(dom: dom, dow: dow)
        if !days.isEmpty { sentence += " " + days }
        if month != "*" && month != "?" {
            sentence += " in " + Self.describeList(month, unit: "month", name: Self.monthName)
        }
        return sentence
    }

    private func timePhrase(second: String, minute: String, hour: String) -> String {
        let seconds = Self.singles(second, max: 59)
        let minutes = Self.singles(minute, max: 59)
        let hours = Self.singles(hour, max: 23)
        let wholeMinute = seconds == [0]
        if let minutes, let hours, let seconds, seconds.count == 1, minutes.count == 1, hours.count <= 4 {
            let times = hours.map { Self.clock($0, minutes[0], wholeMinute ? nil : seconds[0]) }
            return "At " + Self.joined(times)
        }
        var parts: [String] = []
        if hasSeconds && !wholeMinute {
            parts.append(Self.unitPhrase(second, unit: "second", plural: "seconds", max: 59))
        }
        let minutePhrase = Self.unitPhrase(minute, unit: "minute", plural: "minutes", max: 59)
        if !(minute == "*" && !parts.isEmpty) { parts.append(minutePhrase) }
        if hour != "*" {
            if hour.hasPrefix("*/") {
                parts.append("past every " + Self.ordinal(Int(hour.dropFirst(2)) ?? 1) + " hour")
            } else if hour.contains("/") {
                parts.append("past " + Self.describeList(hour, unit: "hour", name: { String($0) }))
            } else {
                parts.append("past hour " + Self.describeList(hour, unit: "hour", name: { String($0) }))
            }
        } else if minute != "*" && (minutes?.count ?? 2) == 1 {
            parts.append("past every hour")
        }
        let text = parts.joined(separator: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    private static func unitPhrase(_ field: String, unit: String, plural: String, max: Int) -> String {
        if field == "*" { return "every \(unit)" }
        if field.hasPrefix("*/"), let step = Int(field.dropFirst(2)) {
            return step == 1 ? "every \(unit)" : "every \(step) \(plural)"
        }
        if let values = singles(field, max: max) {
            return "at \(unit) " + joined(values.map(String.init))
        }
        let list = describeList(field, unit: unit, name: { String($0) })
        return field.contains("/") ? "at " + list : "at every \(unit) from " + list
    }

    private func dayPhrase(dom: String, dow: String) -> String {
        let domRestricted = !(dom.hasPrefix("*") || dom == "?") || dom.hasPrefix("*/")
        let dowRestricted = !(dow.hasPrefix("*") || dow == "?") || dow.hasPrefix("*/")
        let domText = domRestricted ? Self.describeDaysOfMonth(dom) : ""
        let dowText = dowRestricted ? "on " + Self.describeList(dow, unit: "day-of-week", name: Self.weekdayName) : ""
        switch (domRestricted, dowRestricted) {
        case (false, false): return ""
        case (true, false): return domText
        case (false, true): return dowText
        case (true, true):
            // Vixie cron: both restricted and neither begins with '*' means either may match.
            let either = !(dom.hasPrefix("*") || dow.hasPrefix("*"))
            return either ? "\(domText) or \(dowText)" : "\(domText) if it is also \(dowText.dropFirst(3))"
        }
    }

    /// Special days (`L`, `LW`, `nW`) and stepped terms read on their own; plain days and
    /// ranges are grouped behind one "day-of-month".
    private static func describeDaysOfMonth(_ field: String) -> String {
        var phrases: [String] = []
        var plain: [String] = []
        var plainSlot: Int?
        for term in field.split(separator: ",").map(String.init) {
            let upper = term.uppercased()
            if upper == "L" {
                phrases.append("the last day of the month")
            } else if upper == "LW" {
                phrases.append("the last weekday of the month")
            } else if upper.hasSuffix("W"), let day = Int(upper.dropLast()) {
                phrases.append("the weekday nearest day \(day) of the month")
            } else if upper.contains("/") {
                phrases.append(describeList(term, unit: "day-of-month", name: { String($0) }))
            } else {
                if plainSlot == nil {
                    plainSlot = phrases.count
                    phrases.append("")
                }
                plain.append(describeList(term, unit: "day-of-month", name: { String($0) }))
            }
        }
        if let plainSlot { phrases[plainSlot] = "day-of-month " + joined(plain) }
        return "on " + joined(phrases)
    }

    /// Describes each comma-separated term: values, ranges, steps, and the `nL` / `n#k` forms.
    static func describeList(_ field: String, unit: String, name: (Int) -> String) -> String {
        let terms = field.split(separator: ",").map { term -> String in
            let upper = term.uppercased()
            if let hash = upper.firstIndex(of: "#"), let k = Int(upper[upper.index(after: hash)...]) {
                return "the \(ordinalWord(k)) \(describeValue(String(upper[..<hash]), name)) of the month"
            }
            if upper.hasSuffix("L"), upper.count > 1, unit == "day-of-week" {
                return "the last \(describeValue(String(upper.dropLast()), name)) of the month"
            }
            if upper.uppercased().hasSuffix("W") || upper == "L" || upper == "LW" {
                return describeDaysOfMonth(String(term)).replacingPrefix("on ")
            }
            var base = Substring(upper)
            var step: Int?
            if let slash = upper.firstIndex(of: "/") {
                base = upper[..<slash]
                step = Int(upper[upper.index(after: slash)...])
            }
            let stepText = step.map { "every \(ordinal($0)) \(unit)" }
            if base == "*" || base == "?" { return stepText ?? "every \(unit)" }
            if let dash = base.firstIndex(of: "-") {
                let range = "\(describeValue(String(base[..<dash]), name)) through \(describeValue(String(base[base.index(after: dash)...]), name))"
                return stepText.map { "\($0) from \(range)" } ?? range
            }
            if let stepText { return "\(stepText) from \(describeValue(String(base), name))" }
            return describeValue(String(base), name)
        }
        return joined(terms)
    }

    private static func describeValue(_ text: String, _ name: (Int) -> String) -> String {
        if let number = Int(text) { return name(number) }
        if let index = CronParser.monthNames.firstIndex(of: text) { return name(index + 1) }
        if let index = CronParser.weekdayNames.firstIndex(of: text) { return name(index) }
        return text
    }

    /// The values of a field made only of plain numbers (no ranges, steps or names).
    private static func singles(_ field: String, max: Int) -> [Int]? {
        var values: [Int] = []
        for term in field.split(separator: ",") {
            guard let value = Int(term), value >= 0, value <= max else { return nil }
            values.append(value)
        }
        return values.isEmpty ? nil : values
    }

    static func monthName(_ month: Int) -> String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return (1...12).contains(month) ? names[month - 1] : String(month)
    }

    static func weekdayName(_ weekday: Int) -> String {
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        return (0...7).contains(weekday) ? names[weekday % 7] : String(weekday)
    }

    private static func clock(_ hour: Int, _ minute: Int, _ second: Int?) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(hour)):\(two(minute))" + (second.map { ":\(two($0))" } ?? "")
    }

    static func ordinal(_ value: Int) -> String {
        let suffix: String
        switch (value % 10, value % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(value)\(suffix)"
    }

    private static func ordinalWord(_ value: Int) -> String {
        ["first", "second", "third", "fourth", "fifth"][max(0, min(4, value - 1))]
    }

    static func joined(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
