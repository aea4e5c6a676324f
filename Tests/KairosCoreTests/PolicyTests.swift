import Foundation
import Testing

@testable import KairosCore

@Suite("Misfire planning")
struct MisfirePlanTests {
    let everyMinute = Schedule.cron(try! CronSchedule(expression: "* * * * *"))
    func date(_ text: String) -> Date { try! Timestamp.parse(text) }

    @Test("nothing is due before the first fire")
    func nothingDue() {
        let plan = MisfirePlan(schedule: everyMinute, firstDue: date("2026-01-01T00:05:00Z"), now: date("2026-01-01T00:04:59Z"), graceTime: 60, coalesce: true)
        #expect(plan.runs.isEmpty && plan.missed.isEmpty)
        #expect(plan.next == date("2026-01-01T00:05:00Z"))
    }

    @Test("a fire on time runs, and the next fire follows it")
    func onTime() {
        let plan = MisfirePlan(schedule: everyMinute, firstDue: date("2026-01-01T00:05:00Z"), now: date("2026-01-01T00:05:00.2Z"), graceTime: 60, coalesce: true)
        #expect(plan.runs == [date("2026-01-01T00:05:00Z")])
        #expect(plan.missed.isEmpty)
        #expect(plan.next == date("2026-01-01T00:06:00Z"))
    }

    @Test("after an outage, old fires are missed and runnable ones coalesce into one run")
    func coalesce() {
        // Down from 00:00 to 00:10:30 with a 120 s grace: 00:00-00:08 missed, 00:09 and 00:10 runnable.
        let plan = MisfirePlan(schedule: everyMinute, firstDue: date("2026-01-01T00:00:00Z"), now: date("2026-01-01T00:10:30Z"), graceTime: 120, coalesce: true)
        #expect(plan.missed == (0...8).map { date("2026-01-01T00:0\($0):00Z") })
        #expect(plan.runs == [date("2026-01-01T00:10:00Z")])
        #expect(plan.coalesced == 1)
        #expect(plan.next == date("2026-01-01T00:11:00Z"))
    }

    @Test("without coalesce every runnable fire runs")
    func noCoalesce() {
        let plan = MisfirePlan(schedule: everyMinute, firstDue: date("2026-01-01T00:00:00Z"), now: date("2026-01-01T00:10:30Z"), graceTime: 120, coalesce: false)
        #expect(plan.missed.count == 9)
        #expect(plan.runs == [date("2026-01-01T00:09:00Z"), date("2026-01-01T00:10:00Z")])
        #expect(plan.coalesced == 0)
    }

    @Test("a long outage lists a bounded number of missed fires and jumps to the present")
    func longOutage() {
        let plan = MisfirePlan(schedule: everyMinute, firstDue: date("2025-01-01T00:00:00Z"), now: date("2026-01-01T00:00:30Z"), graceTime: 60, coalesce: true, missedLimit: 10)
        #expect(plan.missed.count == 10)
        #expect(plan.missedTruncated)
        #expect(plan.runs == [date("2026-01-01T00:00:00Z")])
        #expect(plan.next == date("2026-01-01T00:01:00Z"))
    }

    @Test("a finished one-shot has no next fire")
    func oneShotFinished() {
        let once = Schedule.date(DateSchedule(runAt: date("2026-01-01T00:00:00Z")))
        let plan = MisfirePlan(schedule: once, firstDue: date("2026-01-01T00:00:00Z"), now: date("2026-01-01T00:00:01Z"), graceTime: 60, coalesce: true)
        #expect(plan.runs == [date("2026-01-01T00:00:00Z")])
        #expect(plan.next == nil)
    }

    @Test("a one-shot past its grace time is missed, not run")
    func oneShotMissed() {
        let once = Schedule.date(DateSchedule(runAt: date("2026-01-01T00:00:00Z")))
        let plan = MisfirePlan(schedule: once, firstDue: date("2026-01-01T00:00:00Z"), now: date("2026-01-01T01:00:00Z"), graceTime: 60, coalesce: true)
        #expect(plan.runs.isEmpty)
        #expect(plan.missed == [date("2026-01-01T00:00:00Z")])
        #expect(plan.next == nil)
    }
}

@Suite("Retry backoff")
struct RetryPolicyTests {
    @Test("delays grow exponentially and are capped", arguments: [(1, 2.0), (2, 6.0), (3, 18.0), (4, 54.0), (5, 100.0), (20, 100.0)])
    func exponential(retry: Int, expected: Double) throws {
        let policy = try RetryPolicy(maxRetries: 20, backoff: .init(initial: 2, max: 100, multiplier: 3), jitter: false)
        var rng = SeededGenerator(seed: 1)
        #expect(policy.delay(afterFailedAttempt: retry, jitterFraction: .random(in: 0...1, using: &rng)) == expected)
    }

    @Test("no delay once retries are used up")
    func exhausted() throws {
        let policy = try RetryPolicy(maxRetries: 2)
        var rng = SeededGenerator(seed: 1)
        #expect(policy.delay(afterFailedAttempt: 2, jitterFraction: .random(in: 0...1, using: &rng)) != nil)
        #expect(policy.delay(afterFailedAttempt: 3, jitterFraction: .random(in: 0...1, using: &rng)) == nil)
        #expect(RetryPolicy.none.delay(afterFailedAttempt: 1, jitterFraction: .random(in: 0...1, using: &rng)) == nil)
    }

    @Test("full jitter spreads delays over zero to the capped delay")
    func fullJitter() throws {
        let policy = try RetryPolicy(maxRetries: 5, backoff: .init(initial: 10, max: 10, multiplier: 2), jitter: true)
        var rng = SeededGenerator(seed: 42)
        let delays = (0..<1000).compactMap { _ in policy.delay(afterFailedAttempt: 3, jitterFraction: .random(in: 0...1, using: &rng)) }
        #expect(delays.count == 1000)
        #expect(delays.allSatisfy { (0...10).contains($0) })
        #expect(delays.min()! < 1 && delays.max()! > 9)
    }

    @Test("the jitter fraction scales the capped delay; without jitter it is ignored", arguments: [0.0, 0.25, 1.0])
    func jitterFraction(fraction: Double) throws {
        let jittered = try RetryPolicy(maxRetries: 5, backoff: .init(initial: 10, max: 30, multiplier: 2), jitter: true)
        #expect(jittered.delay(afterFailedAttempt: 2, jitterFraction: fraction) == 20 * fraction)
        let plain = try RetryPolicy(maxRetries: 5, backoff: .init(initial: 10, max: 30, multiplier: 2), jitter: false)
        #expect(plain.delay(afterFailedAttempt: 2, jitterFraction: fraction) == 20)
    }

    @Test("out-of-range policies name every bad field")
    func invalid() {
        #expect {
            try RetryPolicy(maxRetries: 21, backoff: .init(initial: -1, max: 5, multiplier: 0.5))
        } throws: { error in
            (error as? ValidationError)?.issues.map(\.field) == ["maxRetries", "backoff.initial", "backoff.multiplier"]
        }
    }

    @Test("a policy decodes from JSON with defaults, and rejects bad bounds")
    func decoding() throws {
        let policy = try JSONDecoder().decode(RetryPolicy.self, from: Data(#"{"maxRetries": 3}"#.utf8))
        #expect(policy.maxRetries == 3 && policy.backoff == .init() && policy.jitter)
        #expect(throws: ValidationError.self) { try JSONDecoder().decode(RetryPolicy.self, from: Data(#"{"maxRetries": 99}"#.utf8)) }
    }

    @Test("a partial backoff takes the defaults for the missing members; unknown members are ignored", arguments: [
        (#"{"maxRetries": 1, "backoff": {"initial": 5}}"#, RetryPolicy.Backoff(initial: 5, max: 600, multiplier: 2)),
        (#"{"maxRetries": 1, "backoff": {"max": 30, "multiplier": 3}}"#, RetryPolicy.Backoff(initial: 1, max: 30, multiplier: 3)),
        (#"{"maxRetries": 1, "backoff": {}, "colour": "red"}"#, RetryPolicy.Backoff()),
        (#"{"maxRetries": 1, "backoff": {"initial": 2, "max": 4, "multiplier": 2, "shape": "curve"}}"#, RetryPolicy.Backoff(initial: 2, max: 4, multiplier: 2)),
    ])
    func partialBackoff(json: String, backoff: RetryPolicy.Backoff) throws {
        let policy = try JSONDecoder().decode(RetryPolicy.self, from: Data(json.utf8))
        #expect(policy.maxRetries == 1)
        #expect(policy.backoff == backoff)
    }

    @Test("a member of the wrong type is named, with every other bad member")
    func wrongTypes() {
        let json = #"{"maxRetries": "two", "backoff": {"initial": "soon", "multiplier": 0.5}, "jitter": 1}"#
        do {
            _ = try JSONDecoder().decode(RetryPolicy.self, from: Data(json.utf8))
            Issue.record("decoded")
        } catch let error as ValidationError {
            #expect(Set(error.issues.map(\.field)) == ["maxRetries", "backoff.initial", "jitter", "backoff.multiplier"], "\(error)")
            #expect(error.issues.first { $0.field == "backoff.initial" }?.code == "invalidType")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
