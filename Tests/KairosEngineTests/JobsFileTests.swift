import Foundation
import KairosCore
import Testing

@testable import KairosEngine

private let jobfiles = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("jobfiles")

/// The error `body` throws; fails the test when it does not throw.
private func jobsFileError(_ body: () throws(JobsFileError) -> [JobSpec]) -> JobsFileError? {
    do {
        let specs = try body()
        Issue.record("expected a JobsFileError, got \(specs.count) jobs")
        return nil
    } catch {
        return error
    }
}

@Suite("Jobs file (YAML)")
struct JobsFileTests {
    @Test("jobfiles/jobs.yaml loads on a server without shell tasks")
    func exampleLoads() async throws {
        try await withBuiltInRegistry { registry, _ in
            let specs = try JobsFile.load(path: jobfiles.appendingPathComponent("jobs.yaml").path, registry: registry)
            #expect(specs.map(\.key) == [
                "nightly-report", "health-ping", "warm-cache", "launch-announcement", "smoke-noop", "sleepy",
            ])
            #expect(Set(specs.map(\.task)) == ["http.request", "system.noop", "system.sleep"], "no second cleanup job beside the system one")
            let byKey = Dictionary(uniqueKeysWithValues: specs.map { ($0.key, $0) })

            let nightly = try #require(byKey["nightly-report"])
            guard case .cron(let cron) = nightly.schedule else { Issue.record("nightly-report is not cron"); return }
            #expect(cron.timeZone.identifier == "Europe/Paris")
            #expect(nightly.retry.maxRetries == 3)
            #expect(nightly.args["body"] == ["report": "daily", "format": "pdf"])
            #expect(nightly.timeout == 60)
            #expect(nightly.priority == 10)

            guard case .cron(let ping) = byKey["health-ping"]?.schedule else { Issue.record("health-ping is not cron"); return }
            #expect(ping.jitter == 30)
            #expect(byKey["health-ping"]?.maxInstances == 2)

            let warm = try #require(byKey["warm-cache"])
            #expect(warm.retry.maxRetries == 1)          // merged with <<, then overridden
            #expect(warm.retry.backoff.initial == 5)
            guard case .interval(let interval) = warm.schedule else { Issue.record("warm-cache is not an interval"); return }
            #expect(interval.period == 5400)
            #expect(interval.endDate == (try Timestamp.parse("2027-12-31T23:59:59Z")))

            guard case .date(let date) = byKey["launch-announcement"]?.schedule else { Issue.record("launch is not a date"); return }
            #expect(date.runAt == (try Timestamp.parse("2027-06-01T07:00:00Z")))

            #expect(byKey["smoke-noop"]?.paused == true)
            #expect(byKey["sleepy"]?.enabled == false)
        }
    }

    @Test("jobfiles/jobs-shell.yaml loads only when shell tasks are allowed")
    func shellExample() async throws {
        let path = jobfiles.appendingPathComponent("jobs-shell.yaml").path
        try await withBuiltInRegistry(allowShellTasks: true) { registry, _ in
            let specs = try JobsFile.load(path: path, registry: registry)
            #expect(specs.map(\.task) == ["shell.command", "shell.command"])
            #expect(specs.first?.args["argv"] == ["df", "-h", "/"])
        }
        try await withBuiltInRegistry(allowShellTasks: false) { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in try JobsFile.load(path: path, registry: registry) })
            #expect(error.problems.map(\.index) == [0, 1])
            #expect(error.issues.map(\.field) == ["jobs[0].args.argv", "jobs[1].args.argv"])
            #expect(error.description.contains("job 1 ('disk-usage'"))
            #expect(error.description.contains("--allow-shell-tasks"))
        }
    }

    @Test("each kind of error names the job and the field", arguments: [
        // (yaml, field, code, text the description contains)
        ("jobs:\n  - key: a\n    task: system.noop\n    colour: red\n    schedule: {type: interval, minutes: 5}\n",
         "colour", "unknownField", "job 1 ('a', line 2): colour: colour is not a field of a job"),
        ("jobs:\n  - key: a\n    task: system.noop\n    schedule: {type: cron, expression: '61 * * * *'}\n",
         "schedule.expression", "", "job 1 ('a', line 2): schedule.expression: "),
        ("jobs:\n  - key: a\n    task: no.such.task\n    schedule: {type: interval, minutes: 5}\n",
         "task", "unknownTask", "task: unknown task 'no.such.task'; registered tasks: http.request"),
        ("jobs:\n  - key: a\n    task: http.request\n    args: {url: 5, verb: GET}\n    schedule: {type: interval, minutes: 5}\n",
         "args.url", "invalidType", "args.url: url must be a string, got number"),
        ("jobs:\n  - key: a\n    task: http.request\n    args: {url: 5, verb: GET}\n    schedule: {type: interval, minutes: 5}\n",
         "args.verb", "unknownField", "args.verb: verb is not an argument of this task"),
        ("jobs:\n  - key: Bad Key\n    task: system.noop\n    schedule: {type: interval, minutes: 5}\n",
         "key", "invalidFormat", "job 1 ('Bad Key', line 2): key: key 'Bad Key' must match"),
        ("jobs:\n  - task: system.noop\n    schedule: {type: interval, minutes: 5}\n",
         "key", "required", "job 1 (line 2): key: key is required"),
        ("jobs:\n  - key: a\n    task: system.noop\n    schedule: {type: interval, minutes: 5}\n    timeout: .inf\n",
         "timeout", "invalidValue", "timeout: timeout must be a finite number, got .inf"),
        ("jobs:\n  - key: a\n    task: system.noop\n    schedule: {type: interval, minutes: 5}\n    enabled: yes\n",
         "enabled", "invalidType", "enabled: enabled must be a boolean"),
        ("jobs:\n  - just a string\n", "", "invalidType", "job 1 (line 2): a job must be a mapping with key, task and schedule, got a scalar"),
        // Bug 9 of issue #11: keys Yams sees as different (an integer and a string) but JSON as one member.
        ("jobs:\n  - key: a\n    task: http.request\n    args: {url: 'https://x', headers: {1: a, '1': b}}\n    schedule: {type: interval, minutes: 5}\n",
         "args.headers.1", "duplicateField", "args.headers.1: a mapping repeats the key '1'"),
    ])
    func jobErrors(yaml: String, field: String, code: String, text: String) async throws {
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in
                try JobsFile.parse(yaml, path: "test.yaml", registry: registry)
            })
            let problem = try #require(error.problems.first)
            #expect(problem.index == 0)
            let issue = problem.issues.first { $0.field == field }
            #expect(issue != nil, "no issue for \(field) in \(error)")
            if !code.isEmpty { #expect(issue?.code == code) }
            #expect(error.description.hasPrefix("test.yaml: job 1"))
            #expect(error.description.contains(text), "\(error.description)")
        }
    }

    @Test("problems of the whole file say what is wrong and where", arguments: [
        ("jobs:\n  - key: a\n    task: [unclosed\n", "syntaxError", "test.yaml: line 4, column 1: YAML syntax error: "),
        ("jobs:\n  - key: a\n   task: misindented\n", "syntaxError", "YAML syntax error"),
        ("jobs:\n  - key: a\n    key: b\n", "duplicateField", "a mapping repeats the key 'key'"),
        ("", "invalidStructure", "test.yaml: the file is empty; expected a mapping with a 'jobs' list"),
        ("# only a comment\n", "invalidStructure", "the file is empty"),
        ("- key: a\n", "invalidStructure", "the top level is a list; expected a mapping with a 'jobs' list"),
        ("other: 1\n", "required", "jobs: jobs is required"),
        ("jobs: {key: a}\n", "invalidType", "jobs: jobs must be a list of jobs, got a mapping"),
        ("jobs: []\nversion: 2\n", "unknownField", "version: version is not a top-level field"),
    ])
    func fileErrors(yaml: String, code: String, text: String) async throws {
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in
                try JobsFile.parse(yaml, path: "test.yaml", registry: registry)
            })
            #expect(error.problems.first?.index == nil)
            #expect(error.problems.first?.issues.contains { $0.code == code } == true)
            #expect(error.description.contains(text), "\(error.description)")
        }
    }

    @Test("a syntax error carries its line and column")
    func syntaxErrorPosition() async throws {
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in
                try JobsFile.parse("jobs:\n  - key: a\n    task: \"unterminated\n", path: "test.yaml", registry: registry)
            })
            #expect(error.problems.first?.line != nil)
            #expect(error.problems.first?.column != nil)
        }
    }

    @Test("duplicate keys name both jobs")
    func duplicateKeys() async throws {
        let yaml = """
            jobs:
              - {key: same, task: system.noop, schedule: {type: interval, minutes: 1}}
              - {key: other, task: system.noop, schedule: {type: interval, minutes: 1}}
              - {key: same, task: system.noop, schedule: {type: interval, minutes: 2}}
            """
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in try JobsFile.parse(yaml, path: "dup.yaml", registry: registry) })
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.index == 2)
            #expect(error.problems.first?.issues.map(\.code) == ["duplicateKey"])
            #expect(error.description == "dup.yaml: job 3 ('same', line 4): key: duplicate key 'same': jobs 1 and 3 both use it")
        }
    }

    @Test("every bad job is reported, each with all its bad fields")
    func allProblems() async throws {
        let yaml = """
            jobs:
              - key: good
                task: system.noop
                schedule: {type: interval, minutes: 1}
              - key: nightly-report
                task: http.request
                args: {url: "ftp://example.com"}
                schedule: {type: cron, expression: "0 25 * * *"}
              - key: sleepy
                task: system.sleep
                args: {}
                schedule: {type: interval, minutes: 1}
                maxInstances: 11
            """
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in try JobsFile.parse(yaml, path: "jobfiles/jobs.yaml", registry: registry) })
            #expect(error.problems.map(\.index) == [1, 2])
            #expect(error.problems.map(\.key) == ["nightly-report", "sleepy"])
            #expect(Set(error.problems[0].issues.map(\.field)) == ["schedule.expression", "args.url"])
            #expect(Set(error.problems[1].issues.map(\.field)) == ["maxInstances", "args.seconds"])
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].hasPrefix("jobfiles/jobs.yaml: job 2 ('nightly-report', line 5): "))
            #expect(lines[0].contains("schedule.expression: ") && lines[0].contains("; ") && lines[0].contains("args.url: "))
            #expect(lines[1].hasPrefix("jobfiles/jobs.yaml: job 3 ('sleepy', line 9): "))
        }
    }

    /// Bug 10 of issue #11: the issues of a job came in hash order, different from job to job.
    @Test("the problems come in file order, each job's issues sorted by field")
    func sortedProblems() async throws {
        let yaml = """
            jobs:
              - key: first
                task: http.request
                args: {url: "ftp://x", verb: GET, tries: 2}
                schedule: {type: cron, expression: "0 25 * * *", zone: UTC}
                colour: red
                size: 3
                owner: ops
                maxInstances: 11
                priority: 5000
              - priority: 5000
                maxInstances: 11
                owner: ops
                size: 3
                colour: red
                schedule: {zone: UTC, expression: "0 25 * * *", type: cron}
                args: {tries: 2, verb: GET, url: "ftp://x"}
                task: http.request
                key: second
            """
        let fields = [
            "args.tries", "args.url", "args.verb", "colour", "maxInstances", "owner", "priority", "schedule.zone", "size",
        ]
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in try JobsFile.parse(yaml, path: "test.yaml", registry: registry) })
            #expect(error.problems.map(\.key) == ["first", "second"])
            #expect(error.problems.map { $0.issues.map(\.field) } == [fields, fields])
            #expect(error.issues.map(\.field) == fields.map { "jobs[0].\($0)" } + fields.map { "jobs[1].\($0)" })
        }
    }

    @Test("timestamps stay strings, quoted or not, and parse as runAt", arguments: [
        "\"2026-01-01T00:00:00Z\"", "'2026-01-01T00:00:00Z'", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00",
    ])
    func timestamps(runAt: String) async throws {
        let yaml = "jobs:\n  - {key: once, task: system.noop, schedule: {type: date, runAt: \(runAt)}}\n"
        try await withBuiltInRegistry { registry, _ in
            let specs = try JobsFile.parse(yaml, registry: registry)
            guard case .date(let date) = specs.first?.schedule else { Issue.record("not a date schedule"); return }
            #expect(date.runAt == (try Timestamp.parse("2026-01-01T00:00:00Z")))
        }
    }

    @Test("scalars follow the YAML core schema; quoted scalars are strings", arguments: [
        ("42", JSONValue.number(42)), ("\"42\"", "42"), ("-7", -7), ("0x1F", 31), ("0o17", 15), ("1.5", 1.5), ("1e3", 1000),
        ("true", true), ("False", false), ("'true'", "true"), ("yes", "yes"), ("on", "on"), ("~", nil), ("null", nil),
        ("''", ""), ("2026-01-01", "2026-01-01"), ("!!int 12", 12), ("!!int \"12\"", 12), ("{42: x}", .object(["42": "x"])), ("1_000", "1_000"), ("!!str 12", "12"), ("|\n        line\n", "line\n"),
    ])
    func scalars(text: String, expected: JSONValue) throws {
        let value = try #require(JobsFile.scalarValue(of: "value: \(text)"))
        #expect(value == expected)
    }

    @Test("values too large or non-finite are refused, not crashed on")
    func hostileInput() async throws {
        // Nine levels of aliases expand to 10^9 values.
        var yaml = "x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        for level in 1...8 {
            yaml += "x-\(level): &l\(level) [" + Array(repeating: level == 1 ? "*a" : "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        yaml += "jobs:\n  - {key: bomb, task: system.noop, schedule: {type: interval, minutes: 1}, args: {x: *l8}}\n"
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in try JobsFile.parse(yaml, registry: registry) })
            #expect(error.issues.contains { $0.code == "tooLarge" })
        }
    }

    @Test("an empty jobs list loads, x- keys and merge keys work")
    func emptyAndMerge() async throws {
        let yaml = """
            x-common: &common
              task: system.sleep
              schedule: {type: interval, minutes: 10}
              priority: 5
            jobs:
              - <<: *common
                key: merged
                args: {seconds: 1}
                priority: 7
            """
        try await withBuiltInRegistry { registry, _ in
            #expect(try JobsFile.parse("jobs: []\n", registry: registry).isEmpty)
            #expect(try JobsFile.parse("jobs:\n", registry: registry).isEmpty)
            let specs = try JobsFile.parse(yaml, registry: registry)
            #expect(specs.count == 1)
            #expect(specs.first?.task == "system.sleep")
            #expect(specs.first?.priority == 7)
        }
    }

    @Test("an unreadable file is reported with its path")
    func unreadable() async throws {
        try await withBuiltInRegistry { registry, _ in
            let error = try #require(jobsFileError { () throws(JobsFileError) in
                try JobsFile.load(path: "/nonexistent/kairos/jobs.yaml", registry: registry)
            })
            #expect(error.problems.first?.issues.first?.code == "unreadable")
            #expect(error.description.hasPrefix("/nonexistent/kairos/jobs.yaml: cannot read the jobs file"))
        }
    }
}
