import Foundation
import Testing

@testable import KairosCore

/// Random expressions, zones and windows, checked against a brute-force oracle that walks
/// real instants one step at a time and reads wall-clock fields with Foundation's `Calendar`
/// — an implementation independent of the exact search and the zone table under test.
@Suite("Cron next-fire properties (brute-force oracle)")
struct CronPropertyTests {
    /// Zones with 1-hour, 30-minute and 02:45 transitions, midnight transitions, and a
    /// skipped calendar day (Pacific/Apia, 2011-12-30).
    static let zones = [
        "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham",
        "America/Santiago", "Australia/Sydney", "America/Havana", "UTC",
    ]

    /// Windows that contain a transition in each zone (and a few ordinary ones).
    static let windowStarts: [String] = [
        "2026-03-07T12:00:00Z", "2026-10-31T12:00:00Z", "2026-03-28T12:00:00Z", "2026-10-24T12:00:00Z",
        "2026-04-04T00:00:00Z", "2026-10-03T00:00:00Z", "2026-04-04T12:00:00Z", "2026-09-26T00:00:00Z",
        "2026-09-05T12:00:00Z", "2026-04-04T20:00:00Z", "2026-03-07T20:00:00Z", "2026-11-01T00:00:00Z",
        "2027-03-13T12:00:00Z", "2025-11-01T12:00:00Z", "2026-06-15T00:00:00Z",
    ]

    @Test("five-field expressions agree with the oracle across daylight-saving transitions", arguments: 0..<6)
    func fiveFieldAgainstOracle(seedIndex: Int) throws {
        var rng = SeededGenerator(seed: 0xC0FFEE + UInt64(seedIndex))
        var checked = 0
        var fires = 0
        for _ in 0..<25 {
            let expression = Self.randomExpression(&rng, seconds: false)
            guard let cron = try? CronExpression(expression) else { continue }
            let zoneName = Self.zones.randomElement(using: &rng)!
            let start = try Timestamp.parse(Self.windowStarts.randomElement(using: &rng)!)
                .addingTimeInterval(Double(Int.random(in: -7200...7200, using: &rng)))
            fires += try Self.check(cron, zoneName: zoneName, start: start, window: 3 * 86_400, step: 60)
            checked += 1
        }
        // The generator must exercise the search, not only produce rejected or silent cases.
        #expect(checked >= 15)
        #expect(fires >= 50)
    }

    @Test("six-field expressions agree with the oracle over short windows", arguments: 0..<3)
    func sixFieldAgainstOracle(seedIndex: Int) throws {
        var rng = SeededGenerator(seed: 0xBEEF + UInt64(seedIndex))
        for _ in 0..<12 {
            let expression = Self.randomExpression(&rng, seconds: true)
            guard let cron = try? CronExpression(expression) else { continue }
            let zoneName = Self.zones.randomElement(using: &rng)!
            let start = try Timestamp.parse(Self.windowStarts.randomElement(using: &rng)!)
                .addingTimeInterval(Double(Int.random(in: 0...43_200, using: &rng)))
            _ = try Self.check(cron, zoneName: zoneName, start: start, window: 5 * 3600, step: 1)
        }
    }

    /// Every transition of 2025-2027 in these zones (docs/CRON.md, daylight saving), with
    /// expressions whose wall times fall in the gap, in the repeated span, and around them.
    @Test(
        "every 2025-2027 transition agrees with the oracle",
        arguments: ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago"])
    func transitionsAgainstOracle(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let expressions = [
            "0 2 * * *", "30 2 * * *", "0,30 2 * * *", "45 2 * * *", "15 3 * * *", "50 3 * * *", "30 1 * * *",
            "45 1 * * *", "0 1-3 * * *", "30 0 * * *", "*/15 * * * *", "30 * * * *", "0 */2 * * *", "* 2 * * *",
            "0 0 * * *", "20-40/10 1,2,3 * * *",
        ].map { try! CronExpression($0) }
        var transition = try Timestamp.parse("2025-01-01T00:00:00Z")
        var transitions = 0
        while let next = zone.nextDaylightSavingTimeTransition(after: transition), next < (try Timestamp.parse("2028-01-01T00:00:00Z")) {
            transition = next
            transitions += 1
            for cron in expressions {
                try Self.check(cron, zoneName: zoneName, start: next.addingTimeInterval(-14 * 3600), window: 28 * 3600, step: 60)
            }
        }
        #expect(transitions == 6)
    }

    @Test("the zone table agrees with Foundation's offsets, 2024-2028", arguments: zones + ["Pacific/Apia", "Asia/Kathmandu"])
    func zoneTableMatchesFoundation(zoneName: String) throws {
        let rules = try ZoneRules.named(zoneName)
        let zone = try #require(TimeZone(identifier: zoneName))
        var instant: Int64 = 1_704_067_200  // 2024-01-01Z
        while instant < 1_861_920_000 {  // 2029-01-01Z
            #expect(rules.offset(at: instant) == Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))))
            instant += 3 * 3600 + 17 * 60  // an odd stride visits every hour of day over time
        }
    }

    // MARK: Oracle

    /// Compares the search with the oracle over the window; returns the number of fires.
    @discardableResult
    static func check(_ cron: CronExpression, zoneName: String, start: Date, window: Int64, step: Int64) throws -> Int {
        let rules = try ZoneRules.named(zoneName)
        let startSecond = Int64(start.timeIntervalSince1970.rounded(.down))
        let expected = try oracle(cron, zoneName: zoneName, after: startSecond, until: startSecond + window, step: step)
        var actual: [Int64] = []
        var cursor = startSecond
        while let next = cron.nextFire(afterSecond: cursor, in: rules), next <= startSecond + window {
            #expect(next > cursor, "\(cron.source) in \(zoneName): fire \(next) is not after \(cursor)")
            actual.append(next)
            cursor = next
            if actual.count > expected.count + 5 { break }
        }
        #expect(
            actual == expected,
            "\(cron.source) in \(zoneName) after \(Timestamp.format(seconds: startSecond, in: rules)): expected \(expected.map { Timestamp.format(seconds: $0, in: rules) }), got \(actual.map { Timestamp.format(seconds: $0, in: rules) })"
        )
        return expected.count
    }

    /// Every fire in `(after, until]` by walking instants `step` seconds apart.
    static func oracle(_ cron: CronExpression, zoneName: String, after: Int64, until: Int64, step: Int64) throws -> [Int64] {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func offset(_ instant: Int64) -> Int64 { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))) }
        func wall(_ instant: Int64) -> Int64 { instant + offset(instant) }
        func matches(wallSeconds: Int64) -> Bool {
            let c = calendar.dateComponents(in: TimeZone(identifier: "UTC")!, from: Date(timeIntervalSince1970: Double(wallSeconds)))
            return matchesFields(cron, year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!)
        }

        var fires: [Int64] = []
        var instant = (after / step) * step
        var previousWall = wall(instant)
        while instant <= until + step {
            instant += step
            let wallTime = wall(instant)
            defer { previousWall = wallTime }
            var fire = false
            if matches(wallSeconds: wallTime) {
                if cron.isFixedTime {
                    // Fixed-time: only the first occurrence of a repeated wall time fires.
                    let recentOffsets = Set((0...24).map { offset(instant - Int64($0) * 900) })
                    let repeated = recentOffsets.contains { earlierOffset in
                        let earlier = wallTime - earlierOffset
                        return earlier < instant && offset(earlier) == earlierOffset
                    }
                    fire = !repeated
                } else {
                    fire = true
                }
            }
            if cron.isFixedTime && wallTime - previousWall > step {
                // A gap: wall times skipped between the two instants fire once, now.
                var skipped = previousWall + step
                while skipped < wallTime && !fire {
                    if matches(wallSeconds: skipped) { fire = true }
                    skipped += step
                }
            }
            if fire && instant > after && instant <= until { fires.append(instant) }
        }
        return fires
    }

    /// Field matching by the compiled masks (the day rule is covered by the syntax tables).
    static func matchesFields(_ cron: CronExpression, year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Bool {
        cron.seconds & (1 << UInt64(second)) != 0 && cron.minutes & (1 << UInt64(minute)) != 0
            && cron.hours & (1 << UInt64(hour)) != 0 && cron.months & (1 << UInt64(month)) != 0
            && cron.days.mask(year: Int64(year), month: month) & (1 << UInt64(day)) != 0
    }

    // MARK: Generator

    static func randomField(_ rng: inout SeededGenerator, _ low: Int, _ high: Int, bias: ClosedRange<Int>? = nil) -> String {
        let pick = { (rng: inout SeededGenerator) -> Int in
            if let bias, Bool.random(using: &rng) { return Int.random(in: bias, using: &rng) }
            return Int.random(in: low...high, using: &rng)
        }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1: return "*"
        case 2: return "*/\(Int.random(in: 1...max(1, (high - low) / 2), using: &rng))"
        case 3, 4, 5: return String(pick(&rng))
        case 6:
            let a = pick(&rng)
            return "\(a)-\(Int.random(in: a...high, using: &rng))"
        case 7:
            let a = Int.random(in: low..<high, using: &rng)
            return "\(a)-\(Int.random(in: (a + 1)...high, using: &rng))/\(Int.random(in: 1...5, using: &rng))"
        case 8:
            return Set((0..<Int.random(in: 2...4, using: &rng)).map { _ in pick(&rng) }).sorted().map(String.init).joined(separator: ",")
        default:
            return "\(pick(&rng))/\(Int.random(in: 1...7, using: &rng))"
        }
    }

    static func randomExpression(_ rng: inout SeededGenerator, seconds: Bool) -> String {
        // Hours and minutes biased towards the small hours, where transitions happen.
        let minute = randomField(&rng, 0, 59, bias: 0...5)
        let hour = randomField(&rng, 0, 23, bias: 0...4)
        let dom: String
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: dom = ["L", "LW", "15W", "1W", "?"].randomElement(using: &rng)!
        case 1...4: dom = "*"
        default: dom = randomField(&rng, 1, 31)
        }
        let month = Bool.random(using: &rng) ? "*" : randomField(&rng, 1, 12)
        let dow: String
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: dow = "\(Int.random(in: 0...6, using: &rng))L"
        case 1: dow = "\(Int.random(in: 0...7, using: &rng))#\(Int.random(in: 1...5, using: &rng))"
        case 2, 3: dow = randomField(&rng, 0, 7)
        default: dow = "*"
        }
        var parts = [minute, hour, dom, month, dow]
        if seconds { parts.insert(randomField(&rng, 0, 59), at: 0) }
        return parts.joined(separator: " ")
    }
}
