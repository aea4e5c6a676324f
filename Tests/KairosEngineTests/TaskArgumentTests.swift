import AsyncHTTPClient
import Foundation
import KairosCore
import Testing

@testable import KairosEngine

/// `field code` pairs, sorted, for comparing issues with a table.
private func summary(_ issues: [FieldIssue]) -> [String] {
    issues.map { "\($0.field) \($0.code)" }.sorted()
}

@Suite("Built-in task arguments")
struct TaskArgumentTests {
    @Test("system.noop takes no arguments", arguments: [
        (JSONValue.object([:]), [String]()),
        (["seconds": 1], ["seconds unknownField"]),
        (["a": 1, "b": "x"], ["a unknownField", "b unknownField"]),
        ("not an object", [" invalidType"]),
    ] as [(JSONValue, [String])])
    func noop(args: JSONValue, expected: [String]) {
        #expect(summary(validationIssues { () throws(ValidationError) in try NoopTask().validate(args: args) }) == expected)
    }

    @Test("system.sleep needs seconds from 0 to 86400", arguments: [
        (["seconds": 0] as JSONValue, [String]()),
        (["seconds": 2.5], []),
        (["seconds": 86_400], []),
        ([:], ["seconds required"]),
        (["seconds": nil], ["seconds required"]),
        (["seconds": "5"], ["seconds invalidType"]),
        (["seconds": -1], ["seconds outOfRange"]),
        (["seconds": 86_401], ["seconds outOfRange"]),
        (["seconds": 1, "minutes": 2], ["minutes unknownField"]),
        (["secs": 1], ["seconds required", "secs unknownField"]),
    ] as [(JSONValue, [String])])
    func sleep(args: JSONValue, expected: [String]) {
        #expect(summary(validationIssues { () throws(ValidationError) in try SleepTask().validate(args: args) }) == expected)
    }

    @Test("http.request checks every argument", arguments: [
        (["url": "https://example.com"] as JSONValue, [String]()),
        (["url": "http://127.0.0.1:8080/x?y=1", "method": "post", "headers": ["Accept": "text/plain"], "body": "hi", "timeout": 0.5,
          "acceptedStatus": [200, 404]], []),
        (["url": "https://example.com", "body": ["a": [1, 2]]], []),
        (["url": "https://example.com", "body": [1, 2]], []),
        ([:], ["url required"]),
        (["url": 42], ["url invalidType"]),
        (["url": "ftp://example.com/file"], ["url invalidFormat"]),
        (["url": "example.com/path"], ["url invalidFormat"]),
        (["url": "https://"], ["url invalidFormat"]),
        (["url": "https://example.com", "method": "FETCH"], ["method invalidValue"]),
        (["url": "https://example.com", "method": 1], ["method invalidType"]),
        (["url": "https://example.com", "headers": "Accept: x"], ["headers invalidType"]),
        (["url": "https://example.com", "headers": ["Accept": 1, "X-Ok": "y", "X-List": ["a"]]],
         ["headers.Accept invalidType", "headers.X-List invalidType"]),
        (["url": "https://example.com", "headers": ["Bad Name": "x"]], ["headers.Bad Name invalidValue"]),
        (["url": "https://example.com", "headers": ["X-Split": "a\r\nInjected: b"]], ["headers.X-Split invalidValue"]),
        (["url": "https://example.com", "body": 12], ["body invalidType"]),
        (["url": "https://example.com", "body": true], ["body invalidType"]),
        (["url": "https://example.com", "timeout": 0], ["timeout outOfRange"]),
        (["url": "https://example.com", "timeout": 3601], ["timeout outOfRange"]),
        (["url": "https://example.com", "timeout": "30s"], ["timeout invalidType"]),
        (["url": "https://example.com", "acceptedStatus": 200], ["acceptedStatus invalidType"]),
        (["url": "https://example.com", "acceptedStatus": []], ["acceptedStatus required"]),
        (["url": "https://example.com", "acceptedStatus": [200, 99, "201", 200.5, 600]],
         ["acceptedStatus[1] outOfRange", "acceptedStatus[2] invalidType", "acceptedStatus[3] invalidType", "acceptedStatus[4] outOfRange"]),
        (["url": "https://example.com", "retries": 3], ["retries unknownField"]),
        (["method": "GET", "headers": ["A": 1], "timeout": -1, "extra": nil],
         ["extra unknownField", "headers.A invalidType", "timeout outOfRange", "url required"]),
    ] as [(JSONValue, [String])])
    func httpRequest(args: JSONValue, expected: [String]) {
        let task = HTTPRequestTask(httpClient: .shared)
        #expect(summary(validationIssues { () throws(ValidationError) in try task.validate(args: args) }) == expected)
    }

    @Test("shell.command checks argv, env and cwd", arguments: [
        (["argv": ["/bin/echo", "hi"]] as JSONValue, [String]()),
        (["argv": ["ls"], "env": ["LANG": "C"], "cwd": "/tmp"], []),
        ([:], ["argv required"]),
        (["argv": []], ["argv required"]),
        (["argv": "ls -l"], ["argv invalidType"]),
        (["argv": ["ls", 1, "-l", ["x"]]], ["argv[1] invalidType", "argv[3] invalidType"]),
        (["argv": [""]], ["argv[0] required"]),
        (["argv": ["ls"], "env": ["A": 1]], ["env.A invalidType"]),
        (["argv": ["ls"], "env": "A=1"], ["env invalidType"]),
        (["argv": ["ls"], "env": ["A=B": "1"]], ["env.A=B invalidValue"]),
        (["argv": ["ls"], "cwd": 3], ["cwd invalidType"]),
        (["argv": ["ls"], "cwd": ""], ["cwd required"]),
        (["argv": ["ls"], "shell": true], ["shell unknownField"]),
    ] as [(JSONValue, [String])])
    func shellCommand(args: JSONValue, expected: [String]) {
        let task = ShellCommandTask(allowed: true)
        #expect(summary(validationIssues { () throws(ValidationError) in try task.validate(args: args) }) == expected)
    }

    @Test("shell.command is refused when shell tasks are not allowed")
    func shellDisabled() {
        let found = validationIssues { () throws(ValidationError) in
            try ShellCommandTask(allowed: false).validate(args: ["argv": ["/bin/echo", "hi"]])
        }
        #expect(summary(found) == ["argv shellTasksDisabled"])
        #expect(found.first?.message.contains("--allow-shell-tasks") == true)
    }

    @Test("system.cleanup-history takes retentionDays and batchSize", arguments: [
        (JSONValue.object([:]), [String]()),
        (["retentionDays": 1, "batchSize": 100_000], []),
        (["retentionDays": 3650], []),
        (["retentionDays": 0], ["retentionDays outOfRange"]),
        (["retentionDays": 3651], ["retentionDays outOfRange"]),
        (["retentionDays": 1.5], ["retentionDays invalidType"]),
        (["retentionDays": "30"], ["retentionDays invalidType"]),
        (["batchSize": 0], ["batchSize outOfRange"]),
        (["batchSize": 100_001], ["batchSize outOfRange"]),
        (["days": 3], ["days unknownField"]),
    ] as [(JSONValue, [String])])
    func cleanupHistory(args: JSONValue, expected: [String]) {
        #expect(summary(validationIssues { () throws(ValidationError) in _ = try CleanupHistoryTask.parse(args) }) == expected)
    }

    @Test("cleanup-history defaults to 30 days in batches of 1000")
    func cleanupDefaults() throws {
        let arguments = try CleanupHistoryTask.parse([:])
        #expect(arguments == CleanupHistoryTask.Arguments(retentionDays: 30, batchSize: 1000))
    }

    @Test("messages name the field and what was expected")
    func messages() {
        let found = validationIssues { () throws(ValidationError) in
            try HTTPRequestTask(httpClient: .shared).validate(args: ["url": 1, "timeout": "soon", "acceptedStatus": [700]])
        }
        let messages = Dictionary(found.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        #expect(messages["url"] == "url must be a string, got number")
        #expect(messages["timeout"] == "timeout must be a number of seconds, got string")
        #expect(messages["acceptedStatus[0]"] == "acceptedStatus[0] must be an integer from 100 to 599, got 700")
    }

    @Test("the registry nests argument issues under args and knows the five built-in tasks")
    func registry() async throws {
        try await withBuiltInRegistry { registry, _ in
            #expect(registry.names == ["http.request", "shell.command", "system.cleanup-history", "system.noop", "system.sleep"])
            let spec = try JobSpec(
                key: "bad-sleep", task: "system.sleep", args: ["seconds": -3],
                schedule: .interval(try IntervalSchedule(minutes: 5)))
            let found = validationIssues { () throws(ValidationError) in try registry.validate(spec) }
            #expect(summary(found) == ["args.seconds outOfRange"])
            let shell = try JobSpec(
                key: "shell", task: "shell.command", args: ["argv": ["/bin/true"]],
                schedule: .interval(try IntervalSchedule(minutes: 5)))
            #expect(summary(validationIssues { () throws(ValidationError) in try registry.validate(shell) }) == ["args.argv shellTasksDisabled"])
        }
    }

    @Test("one-line summaries collapse white space and keep the head or the tail")
    func oneLineSummaries() {
        #expect(oneLine("a\n\tb  c\r\n", limit: 200) == "a b c")
        #expect(oneLine("abcdef", limit: 4) == "abc…")
        #expect(oneLine("abcdef", limit: 4, fromEnd: true) == "…def")
    }
}
