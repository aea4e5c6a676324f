import Foundation
import Testing

@testable import KairosCore

@Suite("Fire planning with look-ahead")
struct FirePlanTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // a whole minute
    var everySecond: Schedule { .interval(try! IntervalSchedule(seconds: 1, startDate: t0)) }

    @Test("fires inside the look-ahead window are planned before they are due")
    func lookahead() {
        let plan = FirePlan(schedule: everySecond, jobKey: "a", nextRunAt: t0 + 1, now: t0 + 0.5, horizon: t0 + 1.2, graceTime: 60, coalesce: true)
        #expect(plan.runs.map(\.scheduledAt) == [t0 + 1])
        #expect(plan.next == t0 + 2)
        #expect(plan.missed.isEmpty)
    }

    @Test("late fires follow the misfire rules; a late job gets no look-ahead fire (the next pass plans it)")
    func lateThenAhead() {
        let plan = FirePlan(schedule: everySecond, jobKey: "a", nextRunAt: t0, now: t0 + 100.5, horizon: t0 + 101.5, graceTime: 10, coalesce: true)
        #expect(plan.missed.count == 91)  // t0 … t0+90 are more than 10 s older than t0+100.5
        #expect(plan.coalesced == 9)  // t0+91 … t0+100 fold into one run
        #expect(plan.runs.map(\.scheduledAt) == [t0 + 100])
        #expect(plan.next == t0 + 101)
    }

    @Test("without coalesce a late job's runnable fires all run, still without look-ahead fires")
    func lateWithoutCoalesce() {
        let plan = FirePlan(schedule: everySecond, jobKey: "a", nextRunAt: t0, now: t0 + 2.5, horizon: t0 + 3.5, graceTime: 10, coalesce: false)
        #expect(plan.runs.map(\.scheduledAt) == [t0, t0 + 1, t0 + 2])
        #expect(plan.next == t0 + 3)
    }

    @Test("jitter delays runAfter deterministically; the nominal time stays the identity")
    func jitter() throws {
        let schedule = Schedule.cron(try CronSchedule(expression: "* * * * *", jitter: 30))
        let a = FirePlan(schedule: schedule, jobKey: "k", nextRunAt: t0, now: t0, horizon: t0, graceTime: 60, coalesce: true)
        let b = FirePlan(schedule: schedule, jobKey: "k", nextRunAt: t0, now: t0, horizon: t0, graceTime: 60, coalesce: true)
        let run = try #require(a.runs.first)
        #expect(run.scheduledAt == t0)
        #expect(run.runAfter >= t0 && run.runAfter <= t0 + 30)
        #expect(a == b)
    }
}

@Suite("Job definitions")
struct JobSpecTests {
    @Test("keys follow [a-z0-9][a-z0-9._-]{0,99}", arguments: [
        ("nightly-report", true), ("a", true), ("system.cleanup-history", true), ("job_1.v2", true),
        ("", false), ("-lead", false), ("Upper", false), ("has space", false), ("é", false),
        (String(repeating: "a", count: 100), true), (String(repeating: "a", count: 101), false),
    ])
    func keys(key: String, valid: Bool) {
        #expect(JobSpec.isValidKey(key) == valid)
    }

    @Test("decoding names every bad field at once and rejects unknown fields")
    func decodingIssues() throws {
        let json = """
            {"key": "Bad Key", "task": "system.noop", "schedule": {"type": "cron", "expression": "61 * * * *"},
             "maxInstances": 11, "misfireGraceTime": 0, "retry": {"maxRetries": 21}, "colour": "red", "priority": "high"}
            """
        do {
            _ = try JSONDecoder().decode(JobSpec.self, from: Data(json.utf8))
            Issue.record("expected a validation error")
        } catch let error as ValidationError {
            let fields = Set(error.issues.map(\.field))
            #expect(fields.isSuperset(of: ["key", "schedule.expression", "maxInstances", "misfireGraceTime", "retry.maxRetries", "colour", "priority"]))
        }
    }

    @Test("unknown fields are named in alphabetical order, the same from run to run (not in hash order)")
    func unknownFieldsSorted() throws {
        let unknown = ["zulu", "alpha", "mike", "echo", "kilo", "bravo", "yankee", "delta"]
        let members = unknown.map { "\"\($0)\": 1" }.joined(separator: ", ")
        let json = #"{"key": "k", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5, "#
            + unknown.map { "\"s\($0)\": 1" }.joined(separator: ", ") + "}, " + members + "}"
        let error = #expect(throws: ValidationError.self) { try JSONDecoder().decode(JobSpec.self, from: Data(json.utf8)) }
        let fields = error?.issues.map(\.field) ?? []
        #expect(fields.filter { !$0.hasPrefix("schedule.") } == unknown.sorted())
        #expect(fields.filter { $0.hasPrefix("schedule.") } == unknown.map { "schedule.s\($0)" }.sorted())
    }

    @Test("missing key, task and schedule are each reported as required")
    func required() {
        do {
            _ = try JSONDecoder().decode(JobSpec.self, from: Data("{}".utf8))
            Issue.record("expected a validation error")
        } catch let error as ValidationError {
            #expect(Set(error.issues.filter { $0.code == "required" }.map(\.field)) == ["key", "task", "schedule"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a job round-trips through JSON with its defaults")
    func roundTrip() throws {
        let spec = try JobSpec(
            key: "report", task: "http.request", args: ["url": "https://example.com", "headers": ["Accept": "text/plain"]],
            schedule: .cron(try CronSchedule(expression: "0 2 * * *", timeZone: "Europe/London")), priority: 3, timeout: 12.5)
        let decoded = try JSONDecoder().decode(JobSpec.self, from: try JSONEncoder().encode(spec))
        #expect(decoded == spec)
        #expect(decoded.name == "report" && decoded.maxInstances == 1 && decoded.misfireGraceTime == 60 && decoded.coalesce)
    }

    @Test("the first fire: cron after now, intervals anchored at creation, one-shots at runAt even if past")
    func firstFire() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_030)
        #expect(try JobSpec(key: "c", task: "t", schedule: .cron(try CronSchedule(expression: "* * * * *"))).firstFire(now: now) == Date(timeIntervalSince1970: 1_800_000_060))
        #expect(try JobSpec(key: "i", task: "t", schedule: .interval(try IntervalSchedule(minutes: 5))).firstFire(now: now) == now + 300)
        let past = now - 10
        #expect(try JobSpec(key: "d", task: "t", schedule: .date(DateSchedule(runAt: past))).firstFire(now: now) == past)
    }
}

@Suite("Stored instants")
struct PreciseTimestampTests {
    @Test("schedules keep fractional seconds through JSON; whole seconds print as before", arguments: [
        (1_800_000_000.0, "2027-01-15T08:00:00+00:00"),
        (1_800_000_000.25, "2027-01-15T08:00:00.25+00:00"),
        (1_800_000_000.000_001, "2027-01-15T08:00:00.000001+00:00"),
    ])
    func precise(seconds: Double, text: String) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.formatPrecise(date) == text)
        let schedule = Schedule.date(DateSchedule(runAt: date))
        let decoded = try JSONDecoder().decode(Schedule.self, from: try JSONEncoder().encode(schedule))
        guard case .date(let roundTripped) = decoded else { Issue.record("not a date schedule"); return }
        #expect(abs(roundTripped.runAt.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test("an instant prints as its stored form (whole microseconds, rounded) prints, for 100,000 instants of a day")
    func printsAsStored() {
        var generator = SystemRandomNumberGenerator()
        var differing: [String] = []
        for _ in 0..<100_000 {
            let date = Date(timeIntervalSince1970: 1_796_000_000 + Double.random(in: 0..<86_400, using: &generator))
            let stored = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
            if Timestamp.formatPrecise(date) != Timestamp.formatPrecise(stored) { differing.append(Timestamp.formatPrecise(date)) }
        }
        #expect(differing.isEmpty, "\(differing.prefix(3))")
    }
}
