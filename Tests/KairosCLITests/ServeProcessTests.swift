import Foundation
import KairosCore
import KairosSQLite
import KairosStore
import KairosTestSupport
import Testing

/// `kairos serve` as a process: crash recovery with kill -9, graceful SIGTERM, and clear
/// errors for bad stores and bad jobs files. The store is inspected with the SQLite driver.
@Suite("kairos serve (process)", .serialized)
struct ServeProcessTests {
    static let fastLeases = ["--lease-duration", "2", "--heartbeat-interval", "0.5", "--log-level", "warning"]

    func history(_ store: SQLiteJobStore, _ key: String) async throws -> [Execution] {
        guard let job = try await store.job(key: key) else { return [] }
        return try await store.history(HistoryQuery(jobId: job.id, limit: 500)).items
    }

    @Test("kill -9 mid-run, then restart: no fire runs twice, lost attempts fail with 'worker lost' and retry where allowed, old fires are missed")
    func killAndRestart() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let due = Timestamp.format(Date().addingTimeInterval(-1))
        // `retried` gets its timeout only for the second server (a jobs file updating it at
        // restart): the first attempt must still run when the kill lands, however slowly this
        // test gets there on a loaded machine, and the second must end without waiting 120 s.
        func jobs(retriedTimeout: String) -> String {
            """
            jobs:
              - key: retried
                task: system.sleep
                args: {seconds: 120}
                schedule: {type: date, runAt: "\(due)"}
                retry: {maxRetries: 1, backoff: {initial: 0.1, max: 1, multiplier: 2}, jitter: false}
            \(retriedTimeout)
              - key: fragile
                task: system.sleep
                args: {seconds: 30}
                schedule: {type: date, runAt: "\(due)"}
              - key: tick
                task: system.noop
                schedule: {type: interval, seconds: 1}
                misfireGraceTime: 1
                coalesce: true
            """
        }
        let firstJobs = try dir.write("jobs.yaml", jobs(retriedTimeout: ""))
        let secondJobs = try dir.write("jobs-timeout.yaml", jobs(retriedTimeout: "    timeout: 8"))
        let first = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", firstJobs] + Self.fastLeases, in: dir.url)
        #expect(try await first.waitUntilServing())
        let store = try SQLiteJobStore(path: db)
        #expect(
            try await eventually(within: 10) {
                let retried = try await history(store, "retried").first?.status
                let fragile = try await history(store, "fragile").first?.status
                return retried == .running && fragile == .running
            })
        #expect(try await history(store, "retried").first?.attempt == 1, "killed during the first attempt")
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(within: 5) != nil)
        try await Task.sleep(for: .seconds(3))  // fires of `tick` older than its 1 s grace time

        let second = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", secondJobs] + Self.fastLeases, in: dir.url)
        #expect(try await second.waitUntilServing())
        #expect(try await store.job(key: "retried")?.spec.timeout == 8)
        // The lease (2 s) expires, the reaper fails the lost attempts.
        #expect(try await eventually(within: 10) { try await history(store, "fragile").first?.status == .failed })
        let fragile = try #require(try await history(store, "fragile").first)
        #expect(fragile.error?.reason == "worker lost")
        #expect(fragile.attempt == 1)
        // `retried` is queued again and its second attempt runs (and times out after 8 s).
        #expect(try await eventually(within: 10) { try await history(store, "retried").first?.attempt == 2 })
        #expect(try await eventually(within: 20) { try await history(store, "retried").first?.status == .failed })
        let retried = try #require(try await history(store, "retried").first)
        #expect(retried.error?.reason == "timeout", "\(String(describing: retried))")
        #expect(try await history(store, "retried").count == 1)

        let ticks = try await history(store, "tick")
        #expect(ticks.contains { $0.status == .missed })
        #expect(ticks.contains { $0.status == .succeeded })
        #expect(Set(ticks.map(\.scheduledAt)).count == ticks.count, "one execution per fire time")
        #expect(!ticks.contains { $0.status == .running && ($0.leaseExpiresAt ?? .distantFuture) < Date() })

        second.signal(SIGTERM)
        #expect(try await second.waitForExit(within: 10) == 0)
    }

    @Test("SIGTERM lets the running execution finish and exits 0")
    func gracefulShutdown() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let jobs = try dir.write(
            "jobs.yaml",
            """
            jobs:
              - key: short
                task: system.sleep
                args: {seconds: 1.5}
                schedule: {type: date, runAt: "\(Timestamp.format(Date().addingTimeInterval(-1)))"}
            """)
        let server = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", jobs, "--shutdown-grace", "10"] + Self.fastLeases, in: dir.url)
        #expect(try await server.waitUntilServing())
        let store = try SQLiteJobStore(path: db)
        #expect(try await eventually(within: 10) { try await history(store, "short").first?.status == .running })
        // "running" in the store means claimed; the fire is due, so it starts at once. Give it a moment.
        try await Task.sleep(for: .milliseconds(300))
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
        #expect(try await history(store, "short").first?.status == .succeeded)
        #expect(try await store.listInstances().allSatisfy { $0.stoppedAt != nil })
    }

    @Test("an invalid jobs file stops start-up, names the job and field, and changes nothing")
    func invalidJobsFile() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let good = try dir.write("good.yaml", "jobs:\n  - {key: keep, task: system.noop, schedule: {type: interval, minutes: 5}}\n")
        let server = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", good] + Self.fastLeases, in: dir.url)
        #expect(try await server.waitUntilServing())
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)

        let bad = try dir.write(
            "bad.yaml",
            """
            jobs:
              - {key: keep, task: system.noop, schedule: {type: interval, minutes: 1}}
              - {key: broken, task: system.noop, schedule: {type: cron, expression: "0 0 30 2 *"}}
            """)
        let result = try await KairosProcess.run(["serve", "--store", "sqlite:\(db)", "--jobs", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken"))
        #expect(result.stderr.contains("schedule.expression"))
        let store = try SQLiteJobStore(path: db)
        let kept = try #require(try await store.job(key: "keep"))
        #expect(kept.spec.schedule == .interval(try IntervalSchedule(minutes: 5, startDate: kept.spec.schedule.intervalStart)))
        #expect(try await store.job(key: "broken") == nil)
    }

    @Test("a start refused for a bad jobs file does not create the SQLite file (the file is checked before the store is opened)")
    func invalidJobsFileCreatesNoStore() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("fresh.db")
        let bad = try dir.write(
            "bad.yaml", "jobs:\n  - {key: broken, task: system.cleanup-history, args: {retentionDays: 0}, schedule: {type: interval, hours: 1}}\n")
        let result = try await KairosProcess.run(["serve", "--port", "0", "--store", "sqlite:\(db)", "--jobs", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken") && result.stderr.contains("retentionDays"), "\(result.stderr)")
        #expect(!result.stdout.contains("shown once"), "no admin key was made: \(result.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(left == ["bad.yaml"], "no database, WAL or lock file: \(left)")
    }

    @Test("a file that is not a database gives a clear error, not a crash")
    func corruptStore() async throws {
        let dir = try TemporaryDirectory()
        let db = try dir.write("garbage.db", String(repeating: "this is not an SQLite database\n", count: 200))
        let result = try await KairosProcess.run(["serve", "--store", "sqlite:\(db)"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(db))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("a port already in use stops serve with exit 1 and a plain message, before it creates a key, a job or an instance")
    func portInUse() async throws {
        let dir = try TemporaryDirectory()
        let socket = try LoopbackListener()
        let started = Date()
        let serve = try ServeProcess(["--store", "sqlite:\(dir.path("k.db"))", "--port", "\(socket.port)"], in: dir.url)
        let status = try await serve.waitForExit(within: 20)
        #expect(status == 1)
        #expect(serve.stderr.contains("port \(socket.port) on 127.0.0.1 is in use; choose another with --port"), "\(serve.stderr.suffix(500))")
        #expect(!serve.stderr.contains("errno"), "no system call in the message: \(serve.stderr.suffix(500))")
        #expect(!serve.stdout.contains("shown once"), "no admin key was made: \(serve.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("k.db")), "the store was not even opened")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test("--no-auth is refused unless the API listens on loopback, and unknown roles are named")
    func refusedOptions() async throws {
        let dir = try TemporaryDirectory()
        var result = try await KairosProcess.run(["serve", "--store", "sqlite:\(dir.path("k.db"))", "--no-auth", "--host", "0.0.0.0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--no-auth is only allowed when listening on loopback"))
        #expect(!result.stderr.contains("bad-request"))
        result = try await KairosProcess.run(["serve", "--store", "sqlite:\(dir.path("k.db"))", "--roles", "api,cook"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown role 'cook'"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("k.db")), "nothing was created")
    }

    @Test("a store in a missing directory gives a clear error")
    func missingDirectory() async throws {
        let result = try await KairosProcess.run(["serve", "--store", "sqlite:/nonexistent-kairos-dir/x/kairos.db"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent-kairos-dir/x/kairos.db"))
    }
}

extension Schedule {
    var intervalStart: Date? {
        if case .interval(let interval) = self { return interval.startDate }
        return nil
    }
}

/// A TCP socket listening on a free loopback port, closed at the end of the test.
final class LoopbackListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
