import Foundation
import Testing

@testable import KairosCore

@Suite("Schedules: cron, interval and date")
struct ScheduleTests {
    func date(_ text: String) -> Date { try! Timestamp.parse(text) }

    @Test("an interval fires at its anchor plus whole periods", arguments: [
        ("2026-01-01T00:00:00Z", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z"),
        ("2026-01-01T00:00:00Z", "2026-01-01T01:29:59Z", "2026-01-01T01:30:00Z"),
        ("2026-01-01T00:00:00Z", "2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z"),
        ("2026-01-01T00:00:00Z", "2026-03-08T06:59:00Z", "2026-03-08T07:30:00Z"),
    ])
    func interval(anchor: String, after: String, expected: String) throws {
        let schedule = Schedule.interval(try IntervalSchedule(hours: 1, minutes: 30, startDate: date(anchor)))
        #expect(schedule.nextFire(after: date(after)) == date(expected))
    }

    @Test("an interval counts weeks, days, hours, minutes and seconds together")
    func intervalPeriod() throws {
        let interval = try IntervalSchedule(weeks: 1, days: 2, hours: 3, minutes: 4, seconds: 5)
        #expect(interval.period == 604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5)
    }

    @Test("an interval stops after its end date")
    func intervalEnd() throws {
        let interval = try IntervalSchedule(minutes: 10, startDate: date("2026-01-01T00:00:00Z"), endDate: date("2026-01-01T00:20:00Z"))
        #expect(interval.nextFire(after: date("2026-01-01T00:10:00Z")) == date("2026-01-01T00:20:00Z"))
        #expect(interval.nextFire(after: date("2026-01-01T00:20:00Z")) == nil)
    }

    @Test("invalid intervals name each bad field", arguments: [
        ((0, 0, 0, 0, 0), ["seconds"]),
        ((0, 0, -1, 5, 0), ["hours"]),
        ((-1, 0, 0, 0, -2), ["weeks", "seconds"]),
        ((600, 0, 0, 0, 0), ["days"]),
    ])
    func invalidInterval(units: (Int, Int, Int, Int, Int), fields: [String]) {
        #expect {
            try IntervalSchedule(weeks: units.0, days: units.1, hours: units.2, minutes: units.3, seconds: units.4)
        } throws: { error in
            (error as? ValidationError)?.issues.map(\.field) == fields
        }
    }

    @Test("a date schedule fires once, then is finished")
    func oneShot() {
        let schedule = Schedule.date(DateSchedule(runAt: date("2026-12-24T18:00:00Z")))
        #expect(schedule.nextFire(after: date("2026-12-01T00:00:00Z")) == date("2026-12-24T18:00:00Z"))
        #expect(schedule.nextFire(after: date("2026-12-24T18:00:00Z")) == nil)
    }

    @Test("a cron schedule honours its start and end dates")
    func cronBounds() throws {
        let cron = try CronSchedule(
            expression: "0 * * * *", timeZone: "UTC", startDate: date("2026-01-01T05:00:00Z"), endDate: date("2026-01-01T07:00:00Z"))
        #expect(cron.nextFire(after: date("2025-06-01T00:00:00Z")) == date("2026-01-01T05:00:00Z"))
        #expect(cron.nextFire(after: date("2026-01-01T06:00:00Z")) == date("2026-01-01T07:00:00Z"))
        #expect(cron.nextFire(after: date("2026-01-01T07:00:00Z")) == nil)
    }

    @Test("a cron schedule reports a bad expression and a bad zone together")
    func cronInvalid() {
        #expect {
            try CronSchedule(expression: "61 * * * *", timeZone: "Mars/Olympus", jitter: -1)
        } throws: { error in
            (error as? ValidationError)?.issues.map(\.field) == ["expression", "timezone", "jitter"]
        }
    }

    @Test("schedules round-trip through JSON", arguments: [
        #"{"type":"cron","expression":"30 2 * * *","timezone":"America/New_York","jitter":30}"#,
        #"{"type":"interval","minutes":5,"startDate":"2026-01-01T00:00:00+00:00"}"#,
        #"{"type":"date","runAt":"2026-12-24T18:00:00+00:00"}"#,
    ])
    func roundTrip(json: String) throws {
        let schedule = try JSONDecoder().decode(Schedule.self, from: Data(json.utf8))
        let encoded = try JSONEncoder().encode(schedule)
        #expect(try JSONDecoder().decode(Schedule.self, from: encoded) == schedule)
    }

    @Test("bad schedule JSON names every bad field", arguments: [
        (#"{"expression":"* * * * *"}"#, ["type"]),
        (#"{"type":"weekly"}"#, ["type"]),
        (#"{"type":"cron"}"#, ["expression"]),
        (#"{"type":"cron","expression":"* * * *","timezone":"Nowhere/City"}"#, ["expression", "timezone"]),
        (#"{"type":"cron","expression":5}"#, ["expression"]),
        (#"{"type":"cron","expression":"* * * * *","every":5}"#, ["every"]),
        (#"{"type":"interval","minutes":"five"}"#, ["minutes"]),
        (#"{"type":"interval"}"#, ["seconds"]),
        (#"{"type":"date","runAt":"tomorrow"}"#, ["runAt"]),
        (#"{"type":"date"}"#, ["runAt"]),
    ])
    func invalidJSON(json: String, fields: [String]) {
        #expect {
            try JSONDecoder().decode(Schedule.self, from: Data(json.utf8))
        } throws: { error in
            (error as? ValidationError)?.issues.map(\.field) == fields
        }
    }

    @Test("an interval without a start date is anchored at the job's creation")
    func anchoring() throws {
        let schedule = Schedule.interval(try IntervalSchedule(minutes: 7)).anchored(at: date("2026-01-01T00:00:10.5Z"))
        #expect(schedule.nextFire(after: date("2026-01-01T00:00:00Z")) == date("2026-01-01T00:00:10Z"))
        #expect(schedule.nextFire(after: date("2026-01-01T00:00:10Z")) == date("2026-01-01T00:07:10Z"))
    }

    @Test("jitter is deterministic per job and fire, and within bounds")
    func jitter() {
        let fire = date("2026-01-01T00:00:00Z")
        let first = Jitter.delay(key: "nightly-report", fire: fire, maximumSeconds: 30)
        #expect(first == Jitter.delay(key: "nightly-report", fire: fire, maximumSeconds: 30))
        #expect(Jitter.delay(key: "nightly-report", fire: fire, maximumSeconds: 0) == 0)
        let delays = (0..<500).map { Jitter.delay(key: "job-\($0)", fire: fire, maximumSeconds: 30) }
        #expect(delays.allSatisfy { (0...30).contains($0) })
        #expect(Set(delays).count > 400, "delays spread over the range")
        #expect(delays.reduce(0, +) / 500 > 10 && delays.reduce(0, +) / 500 < 20, "delays average near the middle")
    }
}
