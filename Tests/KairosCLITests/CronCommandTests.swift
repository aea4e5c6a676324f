import Foundation
import KairosTestSupport
import Testing

/// `kairos cron …` and `kairos bench cron`, run as processes.
@Suite("kairos cron commands")
struct CronCommandTests {
    struct NextOutput: Decodable {
        var expression: String
        var timezone: String
        var next: [String]
    }

    /// docs/CRON.md's reference examples, verbatim.
    @Test("cron next --json reproduces the reference examples", arguments: [
        ("30 2 * * *", "2026-03-07T12:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        ("0,30 2 * * *", "2026-03-07T12:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        ("30 1 * * *", "2026-10-31T12:00-04:00", ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        ("30 * * * *", "2026-03-08T01:40-05:00", ["2026-03-08T03:30:00-04:00"]),
        ("0 */2 * * *", "2026-03-08T00:30-05:00", ["2026-03-08T04:00:00-04:00"]),
        ("0 * * * *", "2026-11-01T00:30-04:00", ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]),
    ])
    func referenceExamples(expression: String, after: String, expected: [String]) async throws {
        let result = try await KairosProcess.run(["cron", "next", expression, "--after", after, "--tz", "America/New_York", "--count", "\(expected.count)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONDecoder().decode(NextOutput.self, from: Data(result.stdout.utf8))
        #expect(output.expression == expression)
        #expect(output.timezone == "America/New_York")
        #expect(output.next == expected)
    }

    @Test("cron next prints one time per line, after --after, in --tz")
    func plainNext() async throws {
        let result = try await KairosProcess.run(["cron", "next", "0 9 * * MON", "--after", "2026-11-23T00:00:00Z", "--tz", "Pacific/Chatham", "--count", "2"])
        #expect(result.status == 0)
        #expect(result.stdout == "2026-11-30T09:00:00+13:45\n2026-12-07T09:00:00+13:45\n")
    }

    @Test("cron next without --after starts from now")
    func defaultsToNow() async throws {
        // Bounds taken around the run: a slow start must not carry "now" past the next minute.
        let before = Date()
        let result = try await KairosProcess.run(["cron", "next", "* * * * *", "--count", "1", "--json"])
        let after = Date()
        #expect(result.status == 0)
        let output = try JSONDecoder().decode(NextOutput.self, from: Data(result.stdout.utf8))
        let fire = try #require(ISO8601DateFormatter().date(from: output.next[0]))
        #expect(fire > before && fire <= after.addingTimeInterval(60), "the next minute after the command ran")
    }

    @Test("cron validate accepts a valid expression with a summary")
    func validateValid() async throws {
        let result = try await KairosProcess.run(["cron", "validate", "30 9 * * 1-5"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("At 09:30 on Monday through Friday"))
    }

    @Test("invalid input exits 1 with an error naming the problem on stderr", arguments: [
        (["cron", "validate", "61 * * * *"], "minute field: '61' is out of range 0-59"),
        (["cron", "validate", "0 0 30 2 *"], "can never fire"),
        (["cron", "validate", "* * 5-2 * *"], "day-of-month field: '5-2' is a reversed range"),
        (["cron", "validate", "0 0 0 1 1 * 2027"], "7-field"),
        (["cron", "next", "0 9 * * FOO"], "day-of-week field: 'FOO'"),
        (["cron", "next", "0 9 * * *", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["cron", "next", "0 9 * * *", "--after", "yesterday"], "invalid timestamp 'yesterday'"),
        (["cron", "next", "0 9 * * *", "--count", "0"], "--count must be between 1 and 10000"),
        (["cron", "explain", "@reboot"], "unknown macro '@reboot'"),
        (["cron", "validate", "0 9 * * *", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["cron", "explain", "0 9 * * *", "--count", "0"], "--count must be between 1 and 10000, got 0"),
    ])
    func invalidInput(arguments: [String], message: String) async throws {
        let result = try await KairosProcess.run(arguments)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "stderr was: \(result.stderr)")
    }

    /// Item 16 of issue #11: `kairos cron validate 0 9 * * *` arrives as several arguments,
    /// the `*` often expanded by the shell into file names.
    @Test("an unquoted expression is refused with the quoting to use", arguments: [
        ["cron", "validate", "0", "9", "*", "*", "*"],
        ["cron", "validate", "0", "9", "Package.swift", "README.md", "Sources"],
        ["cron", "next", "0", "9", "*", "*", "*", "--tz", "Europe/Paris"],
        ["cron", "explain", "*/5", "*", "*", "*", "*"],
    ])
    func unquoted(arguments: [String]) async throws {
        let result = try await KairosProcess.run(arguments)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let words = arguments.dropFirst(2).prefix { !$0.hasPrefix("--") }
        #expect(result.stderr.contains("the cron expression arrived as \(words.count) arguments ("), "stderr was: \(result.stderr)")
        #expect(result.stderr.contains("quote the expression, as in kairos cron \(arguments[1]) '0 9 * * *'"), "stderr was: \(result.stderr)")
    }

    @Test("a time zone in the wrong case is refused with the right spelling")
    func zoneHint() async throws {
        let result = try await KairosProcess.run(["cron", "next", "0 9 * * *", "--tz", "europe/paris"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown time zone 'europe/paris': did you mean 'Europe/Paris'?"), "stderr was: \(result.stderr)")
    }

    @Test("cron explain describes the expression and lists five fires")
    func explain() async throws {
        let result = try await KairosProcess.run(["cron", "explain", "0 0 L * *", "--tz", "Europe/London"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("At 00:00 on the last day of the month"))
        let fireLines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("    20") }
        #expect(fireLines.count == 5)
    }

    @Test("cron validate --tz also lists the next five fires in that zone")
    func validateInZone() async throws {
        let result = try await KairosProcess.run(["cron", "validate", "30 9 * * *", "--tz", "Asia/Kolkata"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("valid: 30 9 * * * (") == true, "the summary line as without --tz: \(result.stdout)")
        #expect(lines.dropFirst().first == "  next fires in Asia/Kolkata:", "\(result.stdout)")
        let fires = lines.filter { $0.hasPrefix("    20") }
        #expect(fires.count == 5)
        #expect(fires.allSatisfy { $0.hasSuffix("T09:30:00+05:30") }, "\(fires)")
    }

    @Test("cron explain --count N lists N fires", arguments: [1, 3, 12])
    func explainCount(count: Int) async throws {
        let result = try await KairosProcess.run(["cron", "explain", "0 * * * *", "--tz", "Europe/Paris", "--count", "\(count)"])
        #expect(result.status == 0, "\(result.stderr)")
        let fires = result.stdout.split(separator: "\n").filter { $0.hasPrefix("    20") }
        #expect(fires.count == count, "\(result.stdout)")
        #expect(Set(fires).count == count, "distinct times")
    }

    @Test("bench cron prints one JSON line with computations, seconds and perSecond")
    func bench() async throws {
        let result = try await KairosProcess.run(["bench", "cron", "--tz", "America/New_York", "--count", "2000", "0 2 * * *", "*/5 * * * *"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["computations"] as? Int == 4000)
        #expect((object["seconds"] as? Double ?? 0) > 0)
        #expect((object["perSecond"] as? Int ?? 0) > 0)
    }
}
