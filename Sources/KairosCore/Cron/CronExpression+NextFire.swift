import Foundation

extension CronExpression {
    /// The first fire time strictly after `instant` in `zone`, or `nil` if there is none
    /// before the end of the zone table's range.
    ///
    /// Daylight saving follows docs/CRON.md: a *fixed-time* expression fires once when its wall
    /// time falls in a gap (at the first instant after the gap) or occurs twice (at the earlier
    /// instant); a *wildcard* expression fires at every real instant whose wall time matches.
    public func nextFire(after instant: Date, in zone: ZoneRules) -> Date? {
        guard let seconds = Self.epochSeconds(instant), let next = nextFire(afterSecond: seconds, in: zone) else {
            return nil
        }
        return Date(timeIntervalSince1970: Double(next))
    }

    /// Up to `count` successive fire times strictly after `instant`.
    public func nextFires(after instant: Date, in zone: ZoneRules, count: Int) -> [Date] {
        guard var cursor = Self.epochSeconds(instant) else { return [] }
        var result: [Date] = []
        result.reserveCapacity(max(0, min(count, 10_000)))
        for _ in 0..<max(0, count) {
            guard let next = nextFire(afterSecond: cursor, in: zone) else { break }
            result.append(Date(timeIntervalSince1970: Double(next)))
            cursor = next
        }
        return result
    }

    /// Whole seconds since 1970 (rounded down) of a date within ±100,000 years, else `nil`.
    static func epochSeconds(_ date: Date) -> Int64? {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, abs(interval) < 3.0e12 else { return nil }
        return Int64(interval.rounded(.down))
    }

    /// ``nextFire(after:in:)`` on whole seconds since 1970: the first fire `> instant`.
    public func nextFire(afterSecond instant: Int64, in zone: ZoneRules) -> Int64? {
        // Far outside the zone table (beyond about year 2600, or before year -32000) there is
        // nothing meaningful to compute, and the arithmetic stays clear of overflow.
        guard instant < ZoneRules.tableEnd + 400 * 366 * 86_400, instant > -(1 << 40) else { return nil }
        var p = zone.period(containing: instant)
        if zone.starts.count == 1 {
            return nextLocalMatch(from: instant + 1 + zone.offsets[0]).map { $0 - zone.offsets[0] }
        }
        if isFixedTime {
            // Walk matching wall times in order; each maps to one instant (the earlier one in an
            // overlap, the end of the gap in a gap). The mapping never goes backwards, so the
            // first instant after `instant` is the answer. Only matches inside an overlap can
            // map to `instant` or before, so the loop runs a handful of times at most.
            var low = instant + 1 + zone.offsets[p]
            for _ in 0..<100_000 {
                guard let local = nextLocalMatch(from: low) else { return nil }
                switch zone.resolve(local: local) {
                case .exists(let candidate):
                    if candidate > instant { return candidate }
                    low = local + 1
                case .gap(let candidate, let gapEndLocal):
                    if candidate > instant { return candidate }
                    low = max(local + 1, gapEndLocal)
                }
            }
            return nil
        }
        // Wildcard: within each period local time is instant + offset, so search the period's
        // local range; a fall-back period revisits the wall times of the overlap, a
        // spring-forward period skips those of the gap.
        var low = instant + 1 + zone.offsets[p]
        var knownFrom = Int64.max  // no match in [knownFrom, knownMatch)
        var knownMatch = Int64.min
        while true {
            let local: Int64
            if low >= knownFrom && low <= knownMatch {
                local = knownMatch
            } else {
                guard let found = nextLocalMatch(from: low) else { return nil }
                knownFrom = low
                knownMatch = found
                local = found
            }
            let end = zone.end(ofPeriod: p)
            if end == .max || local < end + zone.offsets[p] { return local - zone.offsets[p] }
            p += 1
            low = zone.starts[p] + zone.offsets[p]
        }
    }

    /// The first local wall time (seconds since 1970-01-01T00:00 local) at or after `start`
    /// that matches every field, or `nil` when none exists in the following 401 years — which,
    /// since the Gregorian calendar repeats every 400 years, means never.
    func nextLocalMatch(from start: Int64) -> Int64? {
        let startDay = CivilDate.floorDiv(start, 86_400)
        let secondOfDay = Int(start - startDay * 86_400)
        var (year, month, day) = CivilDate.civil(days: startDay)
        var hour = secondOfDay / 3600
        var minute = secondOfDay / 60 % 60
        var second = secondOfDay % 60
        let lastYear = year + 401
        var maskYear: Int64 = .min
        var maskMonth = 0
        var dayMask: UInt64 = 0

        while year <= lastYear {
            if months & (1 << UInt64(month)) == 0 {
                if let next = Self.nextBit(months, from: month + 1) {
                    month = next
                } else {
                    year += 1
                    month = Self.nextBit(months, from: 1)!
                }
                (day, hour, minute, second) = (1, 0, 0, 0)
            }
            if maskYear != year || maskMonth != month {
                dayMask = days.mask(year: year, month: month)
                (maskYear, maskMonth) = (year, month)
            }
            guard let matchingDay = Self.nextBit(dayMask, from: day) else {
                month += 1
                if month > 12 { (year, month) = (year + 1, 1) }
                (day, hour, minute, second) = (1, 0, 0, 0)
                continue
            }
            if matchingDay != day { (day, hour, minute, second) = (matchingDay, 0, 0, 0) }
            guard let matchingHour = Self.nextBit(hours, from: hour) else {
                (day, hour, minute, second) = (day + 1, 0, 0, 0)
                continue
            }
            if matchingHour != hour { (hour, minute, second) = (matchingHour, 0, 0) }
            guard let matchingMinute = Self.nextBit(minutes, from: minute) else {
                (hour, minute, second) = (hour + 1, 0, 0)
                if hour > 23 { (day, hour) = (day + 1, 0) }
                continue
            }
            if matchingMinute != minute { (minute, second) = (matchingMinute, 0) }
            guard let matchingSecond = Self.nextBit(seconds, from: second) else {
                (minute, second) = (minute + 1, 0)
                if minute > 59 { (hour, minute) = (hour + 1, 0) }
                if hour > 23 { (day, hour) = (day + 1, 0) }
                continue
            }
            let dayNumber = CivilDate.days(year: year, month: month, day: day)
            return dayNumber * 86_400 + Int64(hour * 3600 + minute * 60 + matchingSecond)
        }
        return nil
    }

    /// The lowest set bit of `mask` at position `from` or above.
    @inline(__always)
    static func nextBit(_ mask: UInt64, from: Int) -> Int? {
        guard from < 64 else { return nil }
        let rest = mask & (~0 << UInt64(from))
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }
}
