import ArgumentParser
import Foundation
import KairosCore
import KairosEngine
import KairosSQLite
import KairosStore
import Logging
import ServiceLifecycle
import Synchronization

/// `kairos bench dispatch`: N `system.noop` interval jobs aligned to the second on a fresh
/// store, the real engine for a while, then counts from the store: fires expected,
/// executions recorded, duplicates, missed, and schedule lag (start − scheduled time).
struct DispatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Run the real engine on N interval jobs and report fires, duplicates, missed and schedule lag."
    )

    @Option(help: "The job store: \(StoreLocation.forms) of a new (or empty) database.")
    var store: String

    @Option(help: "Number of system.noop interval jobs.")
    var jobs: Int = 1000

    @Option(help: "Interval of every job, in whole seconds.")
    var interval: Int = 1

    @Option(help: "Seconds of fires measured.")
    var duration: Int = 10

    @Option(help: "Executions run at once (default: 2 × cores).")
    var workers: Int?

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
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .error) }
        let location = try StoreLocation(store)
        let store: any JobStore
        do { store = try location.open(serving: true, create: true) } catch {
            printError("cannot open the store \(self.store): \(error)")
            throw ExitCode(1)
        }
        guard try await store.listJobs(JobQuery(limit: 1)).items.isEmpty else {
            printError("the store \(location) already holds jobs; give bench dispatch a new file")
            throw ExitCode(1)
        }
        if overload { return try await runOverload(store: store, location: location) }

        // Jobs are created with their first fire far enough ahead that creation is over by then.
        let created = Date()
        let anchor = Date(timeIntervalSince1970: (created.timeIntervalSince1970 + 2 + Double(jobs) / 2000).rounded(.up))
        for index in 0..<jobs {
            let key = "bench-" + String(index + 1)
            _ = try await store.createJob(
                try JobSpec(key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: interval, startDate: anchor))),
                now: Date())
        }
        let creation = Date().timeIntervalSince(created)

        var configuration = EngineConfiguration(historyRetentionDays: nil)
        if let workers { configuration.workers = workers }
        var registry = TaskRegistry()
        registry.register(NoopTask())
        let logger = Logger(label: "kairos-bench")
        let engine = KairosEngine(store: store, registry: registry, configuration: configuration, logger: logger)
        // Measure whole seconds starting at the first fire after the engine is up.
        let engineStart = Date()
        let windowStart = max(anchor, Date(timeIntervalSince1970: engineStart.timeIntervalSince1970.rounded(.up) + 1))
        let windowEnd = windowStart.addingTimeInterval(Double(duration))
        let group = ServiceGroup(services: engine.services, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Let the last fires of the window finish, then stop.
            try await Task.sleep(for: .seconds(max(0, windowEnd.timeIntervalSinceNow) + 1.5))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        let report = try await Report.measure(store: store, windowStart: windowStart, windowEnd: windowEnd, jobs: jobs, interval: interval)
        if json {
            print(report.json(jobs: jobs, interval: interval, duration: duration, workers: configuration.workers))
        } else {
            print(report.table(jobs: jobs, interval: interval, duration: duration, workers: configuration.workers, creation: creation))
        }
    }

    struct Report {
        var expected = 0
        var recorded = 0
        var succeeded = 0
        var duplicates = 0
        var missed = 0
        var lags: [Double] = []

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

        func json(jobs: Int, interval: Int, duration: Int, workers: Int) -> String {
            func ms(_ value: Double) -> String { value.isNaN ? "null" : String(format: "%.2f", value) }
            return """
                {"jobs": \(jobs), "interval": \(interval), "duration": \(duration), "workers": \(workers), \
                "firesExpected": \(expected), "executionsRecorded": \(recorded), "succeeded": \(succeeded), \
                "duplicates": \(duplicates), "missed": \(missed), \
                "lagMs": {"p50": \(ms(percentile(0.5))), "p99": \(ms(percentile(0.99))), "max": \(ms(lags.last ?? .nan))}}
                """
        }

        func table(jobs: Int, interval: Int, duration: Int, workers: Int, creation: Double) -> String {
            func ms(_ value: Double) -> String { value.isNaN ? "-" : String(format: "%.2f ms", value) }
            return """
                jobs                \(jobs) × every \(interval) s for \(duration) s, \(workers) workers (created in \(String(format: "%.1f", creation)) s)
                fires expected      \(expected)
                executions recorded \(recorded) (succeeded \(succeeded))
                duplicates          \(duplicates)
                missed              \(missed)
                schedule lag        p50 \(ms(percentile(0.5))), p99 \(ms(percentile(0.99))), max \(ms(lags.last ?? .nan))
                """
        }
    }
}
