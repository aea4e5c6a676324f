import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import Testing

@Suite("PostgreSQL store")
struct PostgresJobStoreTests {
    @Test("two processes opening an empty database at once both come up, and the migrations run once")
    func concurrentMigrations() async throws {
        for _ in 0..<3 {
            try await withFreshDatabase { configuration in
                async let first = PostgresJobStore.open(configuration, logger: TestServer.logger)
                async let second = PostgresJobStore.open(configuration, logger: TestServer.logger)
                let stores = try await [first, second]
                let applied = try await [stores[0].migrate(), stores[1].migrate()]
                #expect(applied.filter(\.isEmpty).count == 1, "one of them applied every migration, the other found none left: \(applied)")
                #expect(applied.flatMap { $0 }.count == Set(applied.flatMap { $0 }).count, "no migration applied twice")
                try await withHandles(configuration) { handles in
                    let store = try await handles.open()
                    #expect(try await store.appliedMigrations() == applied.flatMap { $0 })
                    #expect(try await store.migrate().isEmpty, "a third handle finds nothing to do")
                }
            }
        }
    }

    @Test("job counts follow bulk inserts and hard deletes, counted once per statement (v3-job-counts-per-statement)")
    func countsPerStatement() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let now = Date()
            let specs = try (0..<12_000).map { index in
                var spec = try JobSpec(
                    key: "bulk-\(index)", task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 5)))
                spec.paused = index % 4 == 0
                spec.enabled = index % 10 != 0
                return spec
            }
            _ = try await store.createJobs(specs, now: now)
            let counts = try await store.jobCounts()
            #expect(counts[.disabled] == 1_200)
            #expect(counts[.paused] == 2_400, "every fourth job, the disabled ones aside")
            #expect(counts[.active] == 8_400)
            try await adminQuery(configuration, "DELETE FROM jobs WHERE key LIKE 'bulk-1%'")
            let remaining = try await store.listJobs(JobQuery(limit: 500)).items.count
            #expect(remaining > 0)
            let after = try await store.jobCounts()
            var live = 0
            for state in JobQuery.State.allCases { live += after[state] ?? 0 }
            #expect(live == 12_000 - 3_111, "the 3,111 keys bulk-1… deleted: \(after)")
        } }
    }

    @Test("a wrong password fails at open with the server's reason, and no password in the message")
    func wrongPassword() async throws {
        let url = try TestServer.url()
        var components = try #require(URLComponents(string: url))
        let wrong = "not-the-password-\(UUID().uuidString.prefix(8))"
        components.password = wrong
        let configuration = try PostgresStoreConfiguration(url: try #require(components.string), environment: [:])
        do {
            _ = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
            Issue.record("the server at \(TestServer.variable) accepted a wrong password: start it with password authentication (scripts/test does)")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("password authentication failed"), "\(error.message)")
            #expect(error.message.contains("postgres://\(configuration.username)@\(configuration.host):\(configuration.port)/"), "\(error.message)")
            #expect(!error.message.contains(wrong), "the password is never in a message")
            if let real = URLComponents(string: url)?.password { #expect(!error.message.contains(real)) }
        }
    }

    @Test("a database that does not exist, or a port nothing listens on, is unavailable with the reason")
    func unreachable() async throws {
        var configuration = try PostgresStoreConfiguration(url: try TestServer.url(), environment: [:])
        configuration.database = "kairos_no_such_database"
        await #expect(throws: StoreError.self) { _ = try await PostgresJobStore.open(configuration, logger: TestServer.logger) }
        do {
            _ = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("kairos_no_such_database"), "\(error.message)")
        }
        configuration = try PostgresStoreConfiguration(url: "postgres://kairos@127.0.0.1:1/kairos", environment: [:])
        do {
            _ = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
            Issue.record("connected to port 1")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.hasPrefix("cannot connect to the PostgreSQL database postgres://kairos@127.0.0.1:1/kairos"), "\(error.message)")
        }
    }

    @Test("a filtered walk for rare matches reads a bounded slice per page, and its cursors find them all")
    func boundedSlices() async throws {
        try await withFreshDatabase { configuration in
            try await withHandles(configuration) { handles in
                let store = try await handles.open()
                let now = Date(timeIntervalSince1970: 1_800_000_000)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for part in 0..<4 {
                        group.addTask {
                            for index in stride(from: part, to: 2_500, by: 4) {
                                var spec = try JobSpec(
                                    key: String(format: "job-%04d", index), task: "system.noop",
                                    schedule: .interval(try IntervalSchedule(minutes: 1 + index % 7)))
                                spec.name = index == 2_100 || index == 2_400 ? "rare zq \(index)" : "common \(index)"
                                _ = try await store.createJob(spec, now: now)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                for sort in ["key", "name", "-nextRunAt", "lastRunAt"] {
                    var query = JobQuery(search: "zq", sort: try #require(JobQuery.Sort(sort)), limit: 10)
                    var found: [String] = []
                    var pages = 0
                    repeat {
                        let page = try await store.listJobs(query)
                        pages += 1
                        found += page.items.map(\.key)
                        query.cursor = page.nextCursor
                    } while query.cursor != nil && pages < 100
                    #expect(Set(found) == ["job-2100", "job-2400"], "\(sort): every match, through the cursors")
                    #expect(pages >= 3, "\(sort): 2,500 jobs, a slice of at most 1,000 per page: \(pages) pages")
                    let first = try await store.listJobs(JobQuery(search: "zq", sort: try #require(JobQuery.Sort(sort)), limit: 10))
                    #expect(first.items.count < 2 && first.nextCursor != nil, "\(sort): a short page that says where to go on")
                }
            }
        }
    }

    @Test("two handles scheduling, claiming, completing, pausing and reaping at once: no error, no fire twice, maxInstances kept")
    func contendedHandles() async throws {
        try await withFreshDatabase { configuration in
            try await withHandles(configuration) { handles in
                let a = try await handles.open()
                let b = try await handles.open()
                let start = Date(timeIntervalSince1970: 1_800_000_000)
                var jobs: [Job] = []
                for index in 0..<40 {
                    let spec = try JobSpec(
                        key: "busy.\(index)", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1)), maxInstances: 2,
                        misfireGraceTime: 3600)
                    jobs.append(try await a.createJob(spec, now: start))
                }
                var held: [String: [ClaimedExecution]] = ["a": [], "b": []]
                for round in 1...15 {
                    let now = start.addingTimeInterval(Double(round))
                    let lease = now.addingTimeInterval(30)
                    func finish(_ claimed: [ClaimedExecution], _ instance: String) -> [Completion] {
                        claimed.map { $0.succeeded(by: instance, at: now) }
                    }
                    let toggled = jobs[round % jobs.count].id
                    let completionsA = finish(held["a"] ?? [], "a")
                    let completionsB = finish(held["b"] ?? [], "b")
                    async let fireA = a.claimDueFires(now: now, horizon: now, limit: 25, localClaim: LocalClaim(instanceId: "a", leaseUntil: lease, limit: 10))
                    async let fireB = b.claimDueFires(now: now, horizon: now, limit: 25, localClaim: LocalClaim(instanceId: "b", leaseUntil: lease, limit: 10))
                    async let claimA = a.claimExecutions(instanceId: "a", now: now, horizon: now, limit: 15, leaseUntil: lease)
                    async let claimB = b.claimExecutions(instanceId: "b", now: now, horizon: now, limit: 15, leaseUntil: lease)
                    async let doneA = a.complete(completionsA, now: now)
                    async let doneB = b.complete(completionsB, now: now)
                    async let pause = b.setPaused(id: toggled, round % 2 == 0, expectedVersion: nil, now: now)
                    async let reap = a.reapExpiredLeases(now: now, deadAfter: 60, limit: 100)
                    let (firedA, firedB, claimedA, claimedB) = try await (fireA, fireB, claimA, claimB)
                    _ = try await (doneA, doneB, pause, reap)
                    held["a"] = firedA.claimed + claimedA
                    held["b"] = firedB.claimed + claimedB
                    let running = try await allExecutions(b).filter { $0.status == .running }
                    let perJob = Dictionary(grouping: running, by: \.jobId).mapValues(\.count)
                    #expect(perJob.values.allSatisfy { $0 <= 2 }, "round \(round): maxInstances 2 across both handles: \(perJob.values.max() ?? 0)")
                }
                let scheduled = try await allExecutions(a).filter { $0.trigger == .scheduled }
                let fires = scheduled.map { "\($0.jobId)@\($0.scheduledAt.timeIntervalSince1970)" }
                #expect(Set(fires).count == fires.count, "no (job, fire) twice")
                #expect(scheduled.count > 300, "the jobs kept firing: \(scheduled.count)")
            }
        }
    }

    @Test("the store serves requests while its client runs, as a Service would in a ServiceGroup")
    func runsAsService() async throws {
        try await withFreshDatabase { configuration in
            let store = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                let counts = try await store.jobCounts()
                #expect(counts.values.reduce(0, +) == 0)
                #expect(store.isExclusive == false, "PostgreSQL is shared")
                group.cancelAll()
            }
        }
    }
}

@Suite("PostgreSQL URLs")
struct PostgresStoreConfigurationTests {
    @Test("host, port, user, database and sslmode; the password never in the description")
    func parses() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://kairos:s3cr%40t@db.internal:6543/jobs?sslmode=verify-full", environment: [:])
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "kairos")
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.database == "jobs")
        #expect(configuration.tls == .verifyFull)
        #expect(configuration.description == "postgres://kairos@db.internal:6543/jobs?sslmode=verify-full")
        let plain = try PostgresStoreConfiguration(url: "postgresql://kairos@127.0.0.1/jobs", environment: [:])
        #expect(plain.port == 5432 && plain.tls == .disable && plain.password == nil)
        #expect(try PostgresStoreConfiguration(url: "postgres://k@h/d?sslmode=require", environment: [:]).tls == .require)
    }

    @Test("the password from the URL, else PGPASSWORD, else the password file")
    func passwordSources() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-pg-\(UUID().uuidString)")
        try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let environment = ["PGPASSWORD": "from-environment"]
        #expect(try PostgresStoreConfiguration(url: "postgres://k:from-url@h/d", environment: environment, passwordFile: file.path).password == "from-url")
        #expect(try PostgresStoreConfiguration(url: "postgres://k@h/d", environment: environment, passwordFile: file.path).password == "from-environment")
        #expect(try PostgresStoreConfiguration(url: "postgres://k@h/d", environment: [:], passwordFile: file.path).password == "from-file")
        #expect(throws: StoreError.self) { try PostgresStoreConfiguration(url: "postgres://k@h/d", environment: [:], passwordFile: "/nonexistent/kairos") }
    }

    @Test("malformed URLs are refused with what is missing, without the password", arguments: [
        ("postgres://k:hunter2@/d", "names no host"),
        ("postgres://h/d", "names no user"),
        ("postgres://k:hunter2@h", "names no database"),
        ("postgres://k:hunter2@h/d?sslmode=prefer", "sslmode 'prefer'"),
        ("postgres://k:hunter2@h/d?pool=3", "unknown parameter 'pool'"),
        ("mysql://k@h/d", "not a PostgreSQL URL"),
    ])
    func refuses(_ url: String, _ reason: String) {
        do {
            _ = try PostgresStoreConfiguration(url: url, environment: [:])
            Issue.record("\(url) was accepted")
        } catch let error as StoreError {
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
        } catch {
            Issue.record("\(error)")
        }
    }
}

/// Every execution in history (of `statuses`, or all), following cursors.
func allExecutions(_ store: any JobStore, statuses: Set<ExecutionStatus> = []) async throws -> [Execution] {
    var items: [Execution] = []
    var cursor: String?
    for _ in 0..<1_000 {
        let page = try await store.history(HistoryQuery(statuses: statuses, limit: 500, cursor: cursor))
        items += page.items
        guard let next = page.nextCursor else { return items }
        cursor = next
    }
    Issue.record("history pagination did not end")
    return items
}
