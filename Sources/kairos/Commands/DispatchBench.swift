import ArgumentParser
import Foundation
import KairosCore
import KairosEngine
import KairosPostgres
import KairosStore
import Logging
import ServiceLifecycle
import Synchronization

/// `kairos bench dispatch`: N `system.noop` interval jobs aligned to the second on a fresh
/// store, the real engine for a while, then counts from the store: fires expected,
/// executions recorded, duplicates, missed, and schedule lag (start − scheduled time).
///
/// `--instances N` (PostgreSQL) runs N engines in this process, each with its own store handle
/// and connection pool, as N `kairos serve` processes on one database would have (they share
/// this process's CPU and memory, not their connections or their locks).
struct DispatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Run the real engine on N interval jobs and report fires, duplicates, missed and schedule lag."
    )

    @Option(help: "The job store: \(StoreAddress.forms) of a new (or empty) database.")
    var store: String

    @Option(help: "Number of system.noop interval jobs.")
    var jobs: Int = 1000

    @Option(help: "Interval of every job, in whole seconds.")
    var interval: Int = 1

    @Option(help: "Seconds of fires measured.")
    var duration: Int = 10

    @Option(help: "Executions run at once per instance (default: 2 × cores).")
    var workers: Int?

    @Option(help: "Engines on the store, each with its own handle (PostgreSQL; SQLite: 1).")
    var instances: Int = 1

    @Option(help: "PostgreSQL: the most connections each instance opens.")
    var pgPoolSize = PostgresStoreConfiguration.defaultPoolSize

    @Option(help: "PostgreSQL: a file whose first line is the password (when neither the URL nor PGPASSWORD has one).")
    var pgPasswordFile: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Measure capacity (a lone burst of --jobs fires), then run twice that load for --duration s and half of it for --recovery s.")
    var overload = false

    @Option(help: "With --overload: seconds of reduced load after the overload.")
    var recovery: Int = 10

    func validate() throws {
        guard (1...1_000_000).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 1000000") }
        guard (1...86_400).contains(interval) else { throw ValidationError("--interval must be between 1 and 86400 seconds") }
        guard (1...3600).contains(duration) else { throw ValidationError("--duration must be between 1 and 3600 seconds") }
        if let workers, !(1...1024).contains(workers) { throw ValidationError("--workers must be between 1 and 1024") }
        guard (1...600).contains(recovery) else { throw ValidationError("--recovery must be between 1 and 600 seconds") }
        guard (1...32).contains(instances) else { throw ValidationError("--instances must be between 1 and 32") }
        guard (1...1_000).contains(pgPoolSize) else { throw ValidationError("--pg-pool-size must be between 1 and 1000, got \(pgPoolSize)") }
        let address = try StoreAddress(store, passwordFile: pgPasswordFile, poolSize: pgPoolSize)
        guard instances == 1 || address.isShared else {
            throw ValidationError("--instances \(instances) needs a shared store (postgres://…): one process serves an SQLite file")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .error) }
        let address = try StoreAddress(store, passwordFile: pgPasswordFile, poolSize: pgPoolSize)
        do {
            try await address.withStores(count: instances, serving: true, create: true) { stores in
                guard try await stores[0].listJobs(JobQuery(limit: 1)).items.isEmpty else {
                    printError("the store \(address) already holds jobs; give bench dispatch a new database")
                    throw ExitCode(1)
                }
                if overload { return try await runOverload(stores: stores) }
                try await runSteady(stores: stores)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("bench dispatch on the store \(address): \(error)")
            throw ExitCode(1)
        }
    }

    /// `--jobs` interval jobs for `--duration` seconds, then the report.
    func runSteady(stores: [any JobStore]) async throws {
        // Jobs are created with their first fire far enough ahead that creation is over by then.
        let created = Date()
        let anchor = Date(timeIntervalSince1970: (created.timeIntervalSince1970 + 2 + Double(jobs) / 2000).rounded(.up))
        try await Self.create(
            try (0..<jobs).map { index in
                try JobSpec(
                    key: "bench-" + String(index + 1), task: "system.noop",
                    schedule: .interval(try IntervalSchedule(seconds: interval, startDate: anchor)))
            }, in: stores[0], before: anchor)
        let creation = Date().timeIntervalSince(created)
        // Measure whole seconds starting at the first fire after the engines are up.
        let engineStart = Date()
        let windowStart = max(anchor, Date(timeIntervalSince1970: engineStart.timeIntervalSince1970.rounded(.up) + 1))
        let windowEnd = windowStart.addingTimeInterval(Double(duration))
        // Let the last fires of the window finish, then stop.
        let workers = try await runEngines(stores: stores, until: windowEnd.addingTimeInterval(1.5))
        let report = try await Report.measure(store: stores[0], windowStart: windowStart, windowEnd: windowEnd, jobs: jobs, interval: interval)
        if json {
            print(report.json(jobs: jobs, interval: interval, duration: duration, workers: workers, instances: instances))
        } else {
            print(report.table(jobs: jobs, interval: interval, duration: duration, workers: workers, instances: instances, creation: creation))
        }
    }

    /// Runs one engine per store until `deadline` or until `done` says so (checked every 250 ms),
    /// calling `sample` once a second, then shuts them down gracefully. Returns the workers per engine.
    @discardableResult
    func runEngines(
        stores: [any JobStore], until deadline: Date, done: @escaping @Sendable () async throws -> Bool = { false },
        sample: @escaping @Sendable (Date) async throws -> Void = { _ in }
    ) async throws -> Int {
        let logger = Logger(label: "kairos-bench")
        var configuration = EngineConfiguration(historyRetentionDays: nil)
        if let workers { configuration.workers = workers }
        var registry = TaskRegistry()
        registry.register(NoopTask())
        let services = stores.flatMap { store in
            var own = configuration
            own.instanceId = EngineConfiguration.defaultInstanceId()
            return KairosEngine(store: store, registry: registry, configuration: own, logger: logger).services
        }
        let group = ServiceGroup(services: services, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var nextSample = Date()
            while Date() < deadline {
                if try await done() { break }
                if Date() >= nextSample {
                    try await sample(Date())
                    nextSample = nextSample.addingTimeInterval(1)
                }
                try await Task.sleep(for: .milliseconds(min(250, max(1, Int(deadline.timeIntervalSinceNow * 1000)))))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return configuration.workers
    }

    /// Stores the jobs in batches and fails when that took until `deadline` (the engine must
    /// be running before the first fire, or the figures measure job creation).
    static func create(_ specs: [JobSpec], in store: any JobStore, before deadline: Date) async throws {
        for offset in stride(from: 0, to: specs.count, by: 5000) {
            _ = try await store.createJobs(Array(specs[offset..<min(specs.count, offset + 5000)]), now: Date())
        }
        let margin = deadline.timeIntervalSinceNow
        guard margin > 1 else {
            printError("creating \(specs.count) jobs left \(String(format: "%.1f", margin)) s before their first fire; use fewer --jobs")
            throw ExitCode(1)
        }
    }

    struct Report {
        var expected = 0
        var recorded = 0
        var succeeded = 0
        var duplicates = 0
        var missed = 0
        var lags: [Double] = []
        /// Executions started per instance.
        var byInstance: [String: Int] = [:]

        static func measure(store: any JobStore, windowStart: Date, windowEnd: Date, jobs: Int, interval: Int) async throws -> Report {
            var report = Report()
            let firesPerJob = Int((windowEnd.timeIntervalSince(windowStart) / Double(interval)).rounded(.up))
            report.expected = jobs * firesPerJob
            var seen = Set<String>()
            var cursor: String?
            for _ in 0..<1_000_000 {
                let page = try await store.history(HistoryQuery(limit: JobQuery.maximumLimit, cursor: cursor))
                for execution in page.items where execution.trigger == .scheduled && execution.scheduledAt >= windowStart && execution.scheduledAt < windowEnd {
                    report.recorded += 1
                    if !seen.insert("\(execution.jobId)|\(execution.scheduledAt.timeIntervalSince1970)").inserted { report.duplicates += 1 }
                    switch execution.status {
                    case .succeeded: report.succeeded += 1
                    case .missed: report.missed += 1
                    default: break
                    }
                    if let startedAt = execution.startedAt { report.lags.append(startedAt.timeIntervalSince(execution.scheduledAt) * 1000) }
                    if execution.startedAt != nil, let instance = execution.instanceId { report.byInstance[instance, default: 0] += 1 }
                }
                guard let next = page.nextCursor, let last = page.items.last, last.scheduledAt >= windowStart else { break }
                cursor = next
            }
            report.lags.sort()
            return report
        }

        func percentile(_ p: Double) -> Double {
            guard !lags.isEmpty else { return .nan }
            return lags[min(lags.count - 1, Int((p * Double(lags.count)).rounded(.up)) - 1)]
        }

        /// Executions started by each instance, most first.
        var spread: [Int] { byInstance.values.sorted(by: >) }

        func json(jobs: Int, interval: Int, duration: Int, workers: Int, instances: Int) -> String {
            func ms(_ value: Double) -> String { value.isNaN ? "null" : String(format: "%.2f", value) }
            return """
                {"jobs": \(jobs), "interval": \(interval), "duration": \(duration), "workers": \(workers), "instances": \(instances), \
                "firesExpected": \(expected), "executionsRecorded": \(recorded), "succeeded": \(succeeded), \
                "duplicates": \(duplicates), "missed": \(missed), "startedPerInstance": [\(spread.map(String.init).joined(separator: ", "))], \
                "lagMs": {"p50": \(ms(percentile(0.5))), "p99": \(ms(percentile(0.99))), "max": \(ms(lags.last ?? .nan))}}
                """
        }

        func table(jobs: Int, interval: Int, duration: Int, workers: Int, instances: Int, creation: Double) -> String {
            func ms(_ value: Double) -> String { value.isNaN ? "-" : String(format: "%.2f ms", value) }
            let engines = instances == 1 ? "" : " on each of \(instances) instances"
            return """
                jobs                \(jobs) × every \(interval) s for \(duration) s, \(workers) workers\(engines) (created in \(String(format: "%.1f", creation)) s)
                fires expected      \(expected)
                executions recorded \(recorded) (succeeded \(succeeded))
                started by          \(spread.map(String.init).joined(separator: " / ")) (per instance)
                duplicates          \(duplicates)
                missed              \(missed)
                schedule lag        p50 \(ms(percentile(0.5))), p99 \(ms(percentile(0.99))), max \(ms(lags.last ?? .nan))
                """
        }
    }
}
