import Foundation
import KairosTestSupport
import Testing

/// `kairos jobs …`, `kairos status`, `kairos health` against a real `kairos serve` process, and
/// `kairos keys …` on a store file, all run as processes. Exit codes: 0 ok, 1 other, 2 invalid
/// input, 3 not found, 4 auth, 5 unreachable, 6 conflict, 64 usage.
@Suite("kairos client commands (jobs, status, health, keys)", .serialized)
struct ClientCommandTests {
    /// Runs `kairos` with extra environment variables (KAIROS_SERVER and KAIROS_KEY are not
    /// inherited) and optional standard input; stdout and stderr are read concurrently.
    static func kairos(_ arguments: [String], env: [String: String] = [:], stdin: String? = nil) async throws -> KairosProcess.Result {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "KAIROS_SERVER")
        environment.removeValue(forKey: "KAIROS_KEY")
        environment.merge(env) { _, new in new }
        return try await KairosProcess.run(arguments, environment: environment, stdin: stdin)
    }

    /// `kairos keys create --create` on the store (made if it does not exist yet, as before a
    /// first server start); answers the secret.
    static func createKey(_ db: String, role: String, name: String) async throws -> (id: String, secret: String) {
        let result = try await kairos(["keys", "create", "--store", "sqlite:\(db)", "--role", role, "--name", name, "--create", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let key = try JSONDecoder().decode(KeyOutput.self, from: Data(result.stdout.utf8))
        return (key.id, try #require(key.secret))
    }

    /// A server on a free port over `db`, with its address.
    static func serve(_ db: String, in directory: URL) async throws -> (ServeProcess, String) {
        let server = try ServeProcess(["--store", "sqlite:\(db)", "--log-level", "warning"], in: directory)
        let serving = try await server.waitUntilServing()
        #expect(serving, "\(server.stderr)")
        let url = try #require(server.baseURL, "no address in: \(server.stdout)")
        return (server, url)
    }

    struct KeyOutput: Decodable {
        var id: String
        var name: String
        var role: String
        var prefix: String
        var revokedAt: String?
        var secret: String?
    }

    struct KeyList: Decodable { var items: [KeyOutput] }

    struct JobOutput: Decodable {
        var id: String
        var key: String
        var name: String?
        var version: Int
        var paused: Bool
        var enabled: Bool
        var scheduleDescription: String
    }

    struct JobList: Decodable {
        var items: [JobOutput]
        var nextCursor: String?
    }

    struct ExecutionOutput: Decodable {
        var id: String
        var status: String
        var trigger: String
        var attempt: Int
    }

    struct History: Decodable { var items: [ExecutionOutput] }

    @Test("jobs history: a retried execution shows each earlier attempt under it, with its outcome, instance and error")
    func historyAttempts() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let admin = try await Self.createKey(db, role: "admin", name: "test admin")
        let (server, url) = try await Self.serve(db, in: dir.url)
        func jobs(_ arguments: [String], stdin: String? = nil) async throws -> KairosProcess.Result {
            try await Self.kairos(["jobs"] + arguments + ["--server", url, "--key", admin.secret], stdin: stdin)
        }
        let created = try await jobs(["create", "-"], stdin: #"""
            {"key": "unreachable", "task": "http.request", "args": {"url": "http://127.0.0.1:1/"}, "schedule": {"type": "date", "runAt": "2099-01-01T00:00:00Z"},
             "retry": {"maxRetries": 1, "backoff": {"initial": 0.1}}}
            """#)
        #expect(created.status == 0, "\(created.stderr)")
        _ = try await jobs(["trigger", "unreachable"])
        var lines: [String] = []
        #expect(try await eventually(within: 15) {
            lines = try await jobs(["history", "unreachable"]).stdout.split(separator: "\n").map(String.init)
            return lines.count == 3
        }, "\(lines)")
        let columns = lines.map { $0.split(separator: " ").map(String.init) }
        #expect(columns[1].prefix(3) == [try #require(columns[1].first), "failed", "manual"], "the execution: \(lines[1])")
        #expect(columns[2].prefix(4) == ["attempt", "1", "failed", "started"], "its first attempt under it: \(lines[2])")
        let instance = try #require(server.stdout.split(separator: " ").drop { $0 != "instance" }.dropFirst().first.map { String($0.dropLast()) })
        #expect(columns[1].contains(instance) && columns[2].contains(instance), "both ran on the only instance, \(instance): \(lines)")
        #expect(lines[2].contains("exception: GET http://127.0.0.1:1/ failed"), "\(lines[2])")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    @Test("jobs create (YAML, JSON, stdin), list, get, update with --if-version, trigger and history, pause/resume/disable/enable, delete")
    func jobsLifecycle() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let admin = try await Self.createKey(db, role: "admin", name: "test admin")
        let (server, url) = try await Self.serve(db, in: dir.url)
        let client = ["--server", url, "--key", admin.secret]
        func jobs(_ arguments: [String], stdin: String? = nil) async throws -> KairosProcess.Result {
            try await Self.kairos(["jobs"] + arguments + client, stdin: stdin)
        }

        let yaml = try dir.write(
            "tick.yaml",
            """
            # one job, as in a jobs file entry
            key: tick
            name: Tick
            task: system.noop
            schedule: {type: interval, minutes: 5}
            retry: {maxRetries: 0}
            """)
        var result = try await jobs(["create", yaml])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("created job 'tick' (id "), "\(result.stdout)")
        #expect(result.stdout.contains("version 1"))

        // Table for people.
        result = try await jobs(["list"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") == "KEY TASK SCHEDULE NEXT RUN LAST STATUS STATE")
        let row = try #require(lines.first { $0.hasPrefix("tick ") })
        #expect(row.contains("system.noop"))
        #expect(row.contains("every 5 minutes") || row.lowercased().contains("5 minutes"), "\(row)")
        #expect(row.hasSuffix("active"))

        // JSON for scripts, with the server and key from the environment.
        result = try await Self.kairos(["jobs", "list", "--json"], env: ["KAIROS_SERVER": url + "/", "KAIROS_KEY": admin.secret])
        #expect(result.status == 0, "\(result.stderr)")
        var list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["system.cleanup-history", "tick"], "system jobs are listed unless --no-system")
        #expect(list.nextCursor == nil)
        let id = try #require(list.items.first { $0.key == "tick" }).id
        result = try await jobs(["list", "--no-system", "--json"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["tick"])

        result = try await jobs(["get", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("tick\n"))
        #expect(result.stdout.contains("  task "))
        #expect(result.stdout.contains("system.noop"))
        #expect(result.stdout.contains("state") && result.stdout.contains("active"))
        #expect(result.stdout.contains(id))

        result = try await jobs(["get", id, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        var job = try JSONDecoder().decode(JobOutput.self, from: Data(result.stdout.utf8))
        #expect(job.key == "tick" && job.version == 1 && job.name == "Tick")

        // update with --if-version: the current version succeeds, a stale one is a conflict (6).
        let json = try dir.write("tick.json", #"{"task": "system.noop", "name": "Tick ten", "schedule": {"type": "interval", "minutes": 10}}"#)
        result = try await jobs(["update", "tick", json, "--if-version", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("updated job 'tick' (version 2"), "\(result.stdout)")
        result = try await jobs(["update", "tick", json, "--if-version", "1"])
        #expect(result.status == 6, "\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains("version"))

        // The output of get --json can be edited and sent back (read-only fields are dropped).
        result = try await jobs(["get", "tick", "--json"])
        let edited = result.stdout.replacingOccurrences(of: "Tick ten", with: "Tick edited")
        result = try await jobs(["update", "tick", "-", "--json"], stdin: edited)
        #expect(result.status == 0, "\(result.stderr)")
        job = try JSONDecoder().decode(JobOutput.self, from: Data(result.stdout.utf8))
        #expect(job.name == "Tick edited" && job.version == 3)

        // trigger, then history shows the execution.
        result = try await jobs(["trigger", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("triggered 'tick': execution "), "\(result.stdout)")
        let executionId = try #require(result.stdout.split(separator: " ").dropFirst(3).first.map(String.init))
        #expect(UUID(uuidString: executionId) != nil, "\(result.stdout)")
        var history: History?
        let ran = try await eventually(within: 15) {
            let answer = try await jobs(["history", "tick", "--json"])
            history = try? JSONDecoder().decode(History.self, from: Data(answer.stdout.utf8))
            return history?.items.first?.status == "succeeded"
        }
        #expect(ran, "\(String(describing: history))")
        #expect(history?.items.first?.id == executionId)
        #expect(history?.items.first?.trigger == "manual")
        result = try await jobs(["history", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        let historyLines = result.stdout.split(separator: "\n").map(String.init)
        #expect(historyLines.first?.split(separator: " ").joined(separator: " ") == "ID STATUS TRIGGER SCHEDULED DURATION ATTEMPT INSTANCE ERROR")
        let executionRow = try #require(historyLines.first { $0.hasPrefix(executionId) })
        #expect(executionRow.contains("succeeded") && executionRow.contains("manual"), "\(executionRow)")
        result = try await jobs(["history", "tick", "--status", "failed"])
        #expect(result.stdout == "no executions\n", "\(result.stdout)")

        // pause, resume, disable (a disabled job cannot be triggered: conflict), enable.
        func state() async throws -> JobOutput {
            let answer = try await jobs(["get", "tick", "--json"])
            return try JSONDecoder().decode(JobOutput.self, from: Data(answer.stdout.utf8))
        }
        result = try await jobs(["pause", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("paused job 'tick' (now paused"), "\(result.stdout)")
        #expect(try await state().paused)
        result = try await jobs(["list"])
        #expect(result.stdout.split(separator: "\n").first { $0.hasPrefix("tick ") }?.hasSuffix("paused") == true, "\(result.stdout)")
        result = try await jobs(["resume", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await !state().paused)
        result = try await jobs(["disable", id])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await !state().enabled)
        result = try await jobs(["list", "--status", "disabled", "--json"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["tick"])
        result = try await jobs(["trigger", "tick"])
        #expect(result.status == 6, "\(result)")
        result = try await jobs(["enable", "tick", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONDecoder().decode(JobOutput.self, from: Data(result.stdout.utf8)).enabled)

        // Pages: --limit, --all, --prefix; stdin (JSON) for create.
        for name in ["batch-a", "batch-b", "batch-c"] {
            result = try await jobs(["create", "-"], stdin: #"{"key": "\#(name)", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}"#)
            #expect(result.status == 0, "\(result.stderr)")
        }
        result = try await jobs(["list", "--limit", "2", "--no-system"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 3, "\(result.stdout)")
        #expect(result.stderr.contains("more jobs: --all"), "\(result.stderr)")
        result = try await jobs(["list", "--limit", "2", "--all", "--json", "--no-system"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["batch-a", "batch-b", "batch-c", "tick"])
        #expect(list.nextCursor == nil)
        result = try await jobs(["list", "--prefix", "batch-", "--limit", "1", "--all", "--json"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["batch-a", "batch-b", "batch-c"])
        result = try await jobs(["list", "--search", "TCH-B", "--json"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["batch-b"])
        result = try await jobs(["list", "--prefix", "batch-", "--sort=-key", "--limit", "2", "--all", "--json"])
        list = try JSONDecoder().decode(JobList.self, from: Data(result.stdout.utf8))
        #expect(list.items.map(\.key) == ["batch-c", "batch-b", "batch-a"])
        result = try await jobs(["list", "--sort", "colour"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("sort must be one of"), "\(result.stderr)")
        result = try await jobs(["list", "--task", "http.request"])
        #expect(result.stdout == "no jobs\n")
        result = try await jobs(["list", "--status", "sleeping"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("status must be one of"), "\(result.stderr)")

        // A second create with the same key is a conflict.
        result = try await jobs(["create", yaml])
        #expect(result.status == 6, "\(result)")

        // delete, then the job is not found (3).
        result = try await jobs(["delete", "tick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "deleted job 'tick'\n")
        result = try await jobs(["get", "tick"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("no job with id or key 'tick'"), "\(result.stderr)")
        result = try await jobs(["delete", "tick"])
        #expect(result.status == 3)
        result = try await jobs(["history", "no-such-job"])
        #expect(result.status == 3)

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    @Test("exit codes: wrong or missing key 4, viewer acting 4, unreachable 5, invalid job file 2 naming the field")
    func errorExitCodes() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let admin = try await Self.createKey(db, role: "admin", name: "admin")
        let viewer = try await Self.createKey(db, role: "viewer", name: "viewer")
        let (server, url) = try await Self.serve(db, in: dir.url)

        var result = try await Self.kairos(["jobs", "list", "--server", url, "--key", "kairos_not-a-real-key"])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("error: the API key is not valid"), "\(result.stderr)")
        result = try await Self.kairos(["jobs", "list", "--server", url])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("KAIROS_KEY"), "a hint names the variable: \(result.stderr)")
        result = try await Self.kairos(["status"], env: ["KAIROS_SERVER": url, "KAIROS_KEY": "wrong"])
        #expect(result.status == 4, "\(result)")

        let good = try dir.write("good.yml", "key: nightly\ntask: system.noop\nschedule: {type: cron, expression: '0 2 * * *', timezone: UTC}\n")
        result = try await Self.kairos(["jobs", "create", good, "--server", url, "--key", viewer.secret])
        #expect(result.status == 4, "a viewer cannot create jobs (403): \(result)")
        result = try await Self.kairos(["jobs", "list", "--server", url, "--key", viewer.secret])
        #expect(result.status == 0, "\(result)")

        // Unreachable: nothing listens on port 1. It must not wait for the whole --timeout.
        let started = Date()
        for arguments in [["jobs", "list"], ["jobs", "get", "x"], ["status"], ["health"]] {
            result = try await Self.kairos(arguments + ["--server", "http://127.0.0.1:1", "--key", admin.secret])
            #expect(result.status == 5, "\(arguments): \(result)")
            #expect(result.stderr.contains("cannot reach the Kairos server at http://127.0.0.1:1"), "\(result.stderr)")
        }
        #expect(Date().timeIntervalSince(started) < 20)
        result = try await Self.kairos(["jobs", "list", "--server", "ftp://example.com", "--key", admin.secret])
        #expect(result.status == 64, "\(result)")

        // Invalid job files: the server's field errors, one per line (2); unreadable or unparsable files (2).
        let client = ["--server", url, "--key", admin.secret]
        let invalid = try dir.write(
            "invalid.yaml",
            """
            key: Bad Key
            task: system.noop
            schedule: {type: interval, minutes: 5}
            maxInstances: 50
            """)
        result = try await Self.kairos(["jobs", "create", invalid] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains("\n  maxInstances: "), "\(result.stderr)")
        #expect(result.stderr.contains("\n  key: "), "\(result.stderr)")
        let badCron = try dir.write("cron.json", #"{"key": "c", "task": "system.noop", "schedule": {"type": "cron", "expression": "61 * * * *"}}"#)
        result = try await Self.kairos(["jobs", "create", badCron] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("  schedule.expression: "), "\(result.stderr)")
        let broken = try dir.write("broken.yaml", "key: [unclosed\n")
        result = try await Self.kairos(["jobs", "create", broken] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("not valid YAML"), "\(result.stderr)")
        let brokenJSON = try dir.write("broken.json", "{\"key\": ")
        result = try await Self.kairos(["jobs", "create", brokenJSON] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("not valid JSON"), "\(result.stderr)")
        result = try await Self.kairos(["jobs", "create", dir.path("missing.yaml")] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("cannot read"), "\(result.stderr)")
        let jobsList = try dir.write("list.yaml", "jobs:\n  - {key: a, task: system.noop, schedule: {type: interval, minutes: 1}}\n")
        result = try await Self.kairos(["jobs", "create", jobsList] + client)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("jobs list"), "\(result.stderr)")
        result = try await Self.kairos(["jobs", "update", "nightly", good, "--if-version", "1"] + client)
        #expect(result.status == 3, "updating a job that does not exist: \(result)")
        #expect(try await Self.kairos(["jobs", "list", "--limit", "0"] + client).status == 64)

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    /// Bug 9 of issue #11: Foundation's decoder accepted both and the server never saw the repeated name.
    @Test("a JSON job file with a trailing comma or a repeated member is refused (2) before anything is sent", arguments: [
        ("job.json", #"{"key": "a", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5},}"#, "not valid JSON: trailing comma at byte 82"),
        ("job.json", #"{"key": "a", "key": "b", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5}}"#, "not valid JSON: duplicate member 'key' at byte 13"),
        ("-", #"{"key": "a", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5,}}"#, "not valid JSON: trailing comma at byte 81 in schedule"),
    ])
    func strictJSONFiles(name: String, text: String, message: String) async throws {
        let dir = try TemporaryDirectory()
        let file = name == "-" ? "-" : try dir.write(name, text)
        // Nothing listens on port 1: an attempt to send would exit 5.
        let result = try await Self.kairos(["jobs", "create", file, "--server", "http://127.0.0.1:1", "--key", "kairos_x"], stdin: name == "-" ? text : nil)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("keys create/list/revoke on a store file without a server; a revoked key is refused (4)")
    func keys() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let store = ["--store", "sqlite:\(db)"]

        var result = try await Self.kairos(["keys", "list"] + store)
        #expect(result.status == 1, "no store yet: \(result)")
        #expect(result.stderr.contains("no store at"), "\(result.stderr)")

        // create --create makes the database; the secret is the last line, printed once.
        result = try await Self.kairos(["keys", "create", "--role", "admin", "--name", "ops team", "--create"] + store)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("created admin key 'ops team' (id "), "\(result.stdout)")
        let adminSecret = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        #expect(adminSecret.hasPrefix("kairos_") && adminSecret.count > 40, "\(adminSecret)")
        let ci = try await Self.createKey(db, role: "operator", name: "ci")
        let unused = try await Self.createKey(db, role: "viewer", name: "unused")

        result = try await Self.kairos(["keys", "list"] + store)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").first?.split(separator: " ").joined(separator: " ") == "ID NAME ROLE PREFIX CREATED REVOKED")
        #expect(result.stdout.contains("ops team") && result.stdout.contains("operator") && result.stdout.contains("unused"))
        #expect(!result.stdout.contains(adminSecret) && !result.stdout.contains(ci.secret), "secrets are never listed")
        result = try await Self.kairos(["keys", "list", "--json"] + store)
        var keys = try JSONDecoder().decode(KeyList.self, from: Data(result.stdout.utf8))
        #expect(keys.items.map(\.name) == ["ops team", "ci", "unused"])
        #expect(keys.items.allSatisfy { $0.secret == nil })
        let adminId = keys.items[0].id

        result = try await Self.kairos(["keys", "revoke", unused.id] + store)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("revoked viewer key 'unused'"), "\(result.stdout)")
        result = try await Self.kairos(["keys", "list", "--json"] + store)
        keys = try JSONDecoder().decode(KeyList.self, from: Data(result.stdout.utf8))
        #expect(keys.items.map(\.name) == ["ops team", "ci"])
        result = try await Self.kairos(["keys", "list", "--include-revoked", "--json"] + store)
        keys = try JSONDecoder().decode(KeyList.self, from: Data(result.stdout.utf8))
        #expect(keys.items.first { $0.name == "unused" }?.revokedAt != nil)

        #expect(try await Self.kairos(["keys", "revoke", UUID().uuidString] + store).status == 3)
        #expect(try await Self.kairos(["keys", "revoke", "not-a-uuid"] + store).status == 3)
        result = try await Self.kairos(["keys", "revoke", adminId] + store)
        #expect(result.status == 6, "the last admin key is kept: \(result)")
        #expect(result.stderr.contains("last active admin key"), "\(result.stderr)")
        #expect(try await Self.kairos(["keys", "create", "--role", "root", "--name", "x"] + store).status == 64)
        #expect(try await Self.kairos(["keys", "create", "--role", "viewer"] + store).status == 64)

        // The server accepts the keys made offline and refuses the revoked one.
        let (server, url) = try await Self.serve(db, in: dir.url)
        #expect(!server.stdout.contains("created the first admin API key"), "keys exist, so none is made: \(server.stdout)")
        result = try await Self.kairos(["status", "--server", url, "--key", adminSecret])
        #expect(result.status == 0, "\(result)")
        result = try await Self.kairos(["jobs", "list", "--server", url, "--key", unused.secret])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("was revoked"), "\(result.stderr)")

        // Revoked while the server runs (and has the key cached): refused within its 5 s cache.
        result = try await Self.kairos(["jobs", "list", "--server", url, "--key", ci.secret])
        #expect(result.status == 0, "\(result)")
        #expect(try await Self.kairos(["keys", "revoke", ci.id] + store).status == 0)
        let refused = try await eventually(within: 12) {
            try await Self.kairos(["jobs", "list", "--server", url, "--key", ci.secret]).status == 4
        }
        #expect(refused)

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    @Test("health (0 / 5), health --detailed (ready and status; 4 without a key) and status")
    func healthAndStatus() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let monitor = try await Self.createKey(db, role: "viewer", name: "monitor")
        let (server, url) = try await Self.serve(db, in: dir.url)

        var result = try await Self.kairos(["health", "--server", url])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("ok: \(url) is alive (instance "), "\(result.stdout)")
        result = try await Self.kairos(["health", "--json"], env: ["KAIROS_SERVER": url])
        #expect(result.status == 0, "\(result)")
        let health = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(health?["status"] as? String == "ok")

        result = try await Self.kairos(["health", "--detailed", "--server", url, "--key", monitor.secret])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("health  ok"), "\(result.stdout)")
        #expect(result.stdout.contains("ready   ready"), "\(result.stdout)")
        #expect(result.stdout.contains("queue depth"), "\(result.stdout)")
        #expect(result.stdout.contains("(answering)"), "\(result.stdout)")
        result = try await Self.kairos(["health", "--detailed", "--json", "--server", url, "--key", monitor.secret])
        #expect(result.status == 0, "\(result)")
        let detailed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((detailed?["ready"] as? [String: Any])?["status"] as? String == "ready")
        #expect(((detailed?["status"] as? [String: Any])?["instances"] as? [Any])?.isEmpty == false)
        result = try await Self.kairos(["health", "--detailed", "--server", url])
        #expect(result.status == 4, "the status needs a key: \(result)")
        #expect(result.stdout.contains("ready   ready"), "health and ready are still shown: \(result.stdout)")
        #expect(try await Self.kairos(["health", "--server", "http://127.0.0.1:1"]).status == 5)

        result = try await Self.kairos(["status", "--server", url, "--key", monitor.secret])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("queue depth  0"), "\(result.stdout)")
        #expect(result.stdout.contains("INSTANCE"), "\(result.stdout)")
        let instanceRow = try #require(result.stdout.split(separator: "\n").first { $0.contains("(answering)") })
        #expect(instanceRow.contains("api,scheduler,worker") && instanceRow.contains(" yes "), "\(instanceRow)")
        #expect(result.stdout.contains("system.cleanup-history"), "the system job's next fire: \(result.stdout)")
        result = try await Self.kairos(["status", "--json", "--server", url, "--key", monitor.secret])
        #expect(result.status == 0, "\(result)")
        let status = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((status?["instances"] as? [Any])?.count == 1)
        #expect(status?["queueDepth"] as? Int == 0)

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }
}
