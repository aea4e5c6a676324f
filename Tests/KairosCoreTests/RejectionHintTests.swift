import Foundation
import Testing

@testable import KairosCore

/// Item 16 of issue #11: a rejection of a common mistake says what to write instead.
@Suite("Rejections hint at the fix")
struct RejectionHintTests {
    static func issues(_ json: String) -> [FieldIssue] {
        do {
            _ = try JSONDecoder().decode(JobSpec.self, from: Data(json.utf8))
            return []
        } catch {
            return (error as? ValidationError)?.issues ?? [FieldIssue(field: "", code: "notValidation", message: "\(error)")]
        }
    }

    static func job(_ members: String, schedule: String = #"{"type": "interval", "minutes": 5}"#) -> String {
        #"{"task": "system.noop", "schedule": \#(schedule), \#(members)}"#
    }

    @Test("a job's rejection names the field and what to write", arguments: [
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "0 9 * * *", "timezone": "europe/paris"}"#),
         "schedule.timezone", "unknown time zone 'europe/paris': did you mean 'Europe/Paris'? (zone names are case-sensitive)"),
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "0 9 * * *", "timezone": "AMERICA/NEW_YORK"}"#),
         "schedule.timezone", "did you mean 'America/New_York'?"),
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "@every 5m"}"#),
         "schedule.expression", #"'@every 5m' is not cron: a fixed interval is an interval schedule, {"type":"interval","minutes":5}"#),
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "@every 1h30m"}"#),
         "schedule.expression", #"'@every 1h30m' is not cron: a fixed interval is an interval schedule, {"type":"interval","hours":1,"minutes":30}"#),
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "@every soon"}"#),
         "schedule.expression", #"'@every soon' is not cron: a fixed interval is an interval schedule, such as {"type":"interval","minutes":5}"#),
        (job(#""key": "Nightly-Report""#),
         "key", "key 'Nightly-Report' must match [a-z0-9][a-z0-9._-]{0,99}: lower-case letters, digits, . _ -; try nightly-report"),
        (job(#""key": "Nightly Report!""#), "key", "; try nightly-report"),
        (job(#""key": "a", "maxRetries": 3"#), "maxRetries", "maxRetries is not a field of a job; did you mean retry.maxRetries?"),
        (job(#""key": "a", "timezone": "UTC""#), "timezone", "timezone is not a field of a job; did you mean schedule.timezone?"),
    ])
    func hints(json: String, field: String, message: String) {
        let issue = Self.issues(json).first { $0.field == field }
        #expect(issue?.message.contains(message) == true, "\(Self.issues(json))")
    }

    @Test("a zone that is unknown in every spelling, and a key with nothing valid to keep, get no guess", arguments: [
        (job(#""key": "a""#, schedule: #"{"type": "cron", "expression": "0 9 * * *", "timezone": "Mars/Olympus"}"#),
         "schedule.timezone", "unknown time zone 'Mars/Olympus': expected an IANA name such as 'Europe/London' or 'UTC'"),
        (job(#""key": "---""#), "key", "key '---' must match [a-z0-9][a-z0-9._-]{0,99}: lower-case letters, digits, . _ -"),
    ])
    func noGuess(json: String, field: String, message: String) {
        let issue = Self.issues(json).first { $0.field == field }
        #expect(issue?.message == message, "\(Self.issues(json))")
    }
}
