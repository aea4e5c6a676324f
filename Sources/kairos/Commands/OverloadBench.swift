import ArgumentParser
import Foundation
import KairosCore
import KairosEngine
import KairosStore

/// `kairos bench dispatch --overload`: capacity, then twice that load, then recovery.
///
/// 1. Capacity: `--jobs` one-shot jobs all due when the engine starts (a lone burst); capacity
///    is how many fires per second the engine drains (last finish − engine start), scheduling,
///    running and recording each one. For reference, the same burst is also run on a running
///    engine, due a few seconds later: the look-ahead then schedules most of it before its
///    time, so that drain (last finish − fire time) leaves scheduling out and reads 1.5–3×
///    higher (docs/PERFORMANCE.md).
/// 2. Overload: 2 × capacity interval jobs at 1 s for `--duration` seconds (three quarters of them
///    end then), then the remaining quarter (half of capacity) for `--recovery` seconds.
/// Reported per second from the store: fires, executions started, missed, lag p99; the queue
/// depth sampled each second; executed throughput under overload as a share of capacity; and
/// how long lag takes to come back under `lagThreshold` once the load drops.
extension DispatchBench {
    static let lagThreshold: TimeInterval = 0.25

    func runOverload(stores: [any JobStore]) async throws {
        let store = stores[0]
        // Phase 1: a lone burst.
        let burstAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3 + Double(jobs) / 5000).rounded(.up))
        try await Self.create(
            try (0..<jobs).map { index in
                try JobSpec(key: "burst-\(index + 1)", task: "system.noop", schedule: .date(DateSchedule(runAt: burstAt)), misfireGraceTime: 3600)
            }, in: store, before: burstAt)
        try await runEngines(stores: stores, until: burstAt.addingTimeInterval(60)) {
            try await store.executionCounts()[.succeeded, default: 0] >= jobs
        }
        let prepared = try await Self.executions(store) { $0.scheduledAt == burstAt }
        let preparedFinish = prepared.compactMap(\.finishedAt).max() ?? burstAt
        let preparedRate = Double(prepared.filter { $0.status == .succeeded }.count) / max(0.001, preparedFinish.timeIntervalSince(burstAt))

        // The capacity: the same burst, all due when the engine starts.
        // Whole milliseconds, as the store keeps them (found again by scheduledAt below).
        let dueAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        try await Self.create(
            try (0..<jobs).map { index in
                try JobSpec(key: "due-\(index + 1)", task: "system.noop", schedule: .date(DateSchedule(runAt: dueAt)), misfireGraceTime: 3600)
            }, in: store, before: .distantFuture)
        let engineStart = Date()
        try await runEngines(stores: stores, until: engineStart.addingTimeInterval(60)) {
            try await store.executionCounts()[.succeeded, default: 0] >= 2 * jobs
        }
        let burst = try await Self.executions(store) { $0.scheduledAt == dueAt }
        let lastFinish = burst.compactMap(\.finishedAt).max() ?? engineStart
        let capacity = Double(burst.filter { $0.status == .succeeded }.count) / max(0.001, lastFinish.timeIntervalSince(engineStart))

        // Phase 2: twice the capacity, then half of it.
        let load = max(2, Int((2 * capacity).rounded()))
        let light = load / 4
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3 + Double(load) / 5000).rounded(.up))
        let dropAt = start.addingTimeInterval(Double(duration))
        let end = dropAt.addingTimeInterval(Double(recovery))
        try await Self.create(
            try (0..<load).map { index in
                let endDate = index < light ? nil : dropAt.addingTimeInterval(-0.5)
                return try JobSpec(
                    key: "load-\(index + 1)", task: "system.noop",
                    schedule: .interval(try IntervalSchedule(seconds: 1, startDate: start, endDate: endDate)))
            }, in: store, before: start)
        let depths = DepthSamples()
        try await runEngines(stores: stores, until: end.addingTimeInterval(1.5), sample: { now in
            depths.append((now, try await store.queueDepth(now: now)))
        })
        let fires = try await Self.executions(store) { $0.trigger == .scheduled && $0.scheduledAt >= start && $0.scheduledAt < end }
        let report = OverloadReport(
            burst: jobs, capacity: capacity, preparedBurst: preparedRate, load: load, light: light, start: start, dropAt: dropAt, end: end, fires: fires,
            depths: depths.all)
        print(json ? report.json : report.table)
    }

    static func executions(_ store: any JobStore, where include: (Execution) -> Bool) async throws -> [Execution] {
        var all: [Execution] = []
        var cursor: String?
        for _ in 0..<100_000 {
            let page = try await store.history(HistoryQuery(limit: 500, cursor: cursor))
            all += page.items.filter(include)
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        return all
    }
}

/// Queue depth samples taken while the engine runs.
final class DepthSamples: Sendable {
    private let samples = Locked<[(Date, Int)]>([])
    func append(_ sample: (Date, Int)) { samples.withLock { $0.append(sample) } }
    var all: [(Date, Int)] { samples.withLock { $0 } }
}

struct OverloadReport {
    struct Second {
        var fires = 0
        var started = 0
        var missed = 0
        var lags: [Double] = []

        var p99: Double? {
            guard !lags.isEmpty else { return nil }
            let sorted = lags.sorted()
            return sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count)).rounded(.up)) - 1)]
        }
    }

    let burst: Int
    let capacity: Double
    /// The drain rate of the burst the look-ahead scheduled ahead of its time (reference).
    let preparedBurst: Double
    let load: Int
    let light: Int
    let start: Date
    let dropAt: Date
    let end: Date
    var seconds: [Second]
    /// Executions started per second under overload (after 3 s of warm-up), on average.
    let throughput: Double
    /// Seconds after the load dropped until every later second's fires start within the threshold.
    let recovery: Int?
    let maxDepth: Int
    let duplicates: Int

    init(burst: Int, capacity: Double, preparedBurst: Double, load: Int, light: Int, start: Date, dropAt: Date, end: Date, fires: [Execution], depths: [(Date, Int)]) {
        self.burst = burst
        self.capacity = capacity
        self.preparedBurst = preparedBurst
        self.load = load
        self.light = light
        self.start = start
        self.dropAt = dropAt
        self.end = end
        let count = Int(end.timeIntervalSince(start).rounded())
        var seconds = [Second](repeating: Second(), count: count)
        var starts = [Int](repeating: 0, count: count)
        var seen = Set<String>()
        var duplicates = 0
        for execution in fires {
            let index = Int(execution.scheduledAt.timeIntervalSince(start))
            guard seconds.indices.contains(index) else { continue }
            if !seen.insert("\(execution.jobId)|\(execution.scheduledAt.timeIntervalSince1970)").inserted { duplicates += 1 }
            seconds[index].fires += 1
            if execution.status == .missed { seconds[index].missed += 1 }
            if let startedAt = execution.startedAt {
                seconds[index].lags.append(startedAt.timeIntervalSince(execution.scheduledAt))
                let startIndex = Int(startedAt.timeIntervalSince(start))
                if starts.indices.contains(startIndex) { starts[startIndex] += 1 }
            }
        }
        for index in seconds.indices { seconds[index].started = starts[index] }
        self.seconds = seconds
        self.duplicates = duplicates
        let overloadSeconds = Int(dropAt.timeIntervalSince(start).rounded())
        let measured = starts[min(3, overloadSeconds)..<overloadSeconds]
        throughput = measured.isEmpty ? 0 : Double(measured.reduce(0, +)) / Double(measured.count)
        var recovered: Int?
        for index in stride(from: count - 1, through: overloadSeconds, by: -1) {
            guard let p99 = seconds[index].p99, p99 <= DispatchBench.lagThreshold else { break }
            recovered = index - overloadSeconds
        }
        recovery = recovered
        maxDepth = depths.map(\.1).max() ?? 0
    }

    var ratio: Double { capacity > 0 ? throughput / capacity : 0 }

    var json: String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "null" }
        let perSecond = seconds.map { "{\"fires\": \($0.fires), \"started\": \($0.started), \"missed\": \($0.missed), \"lagP99\": \(number($0.p99))}" }
        return """
            {"burst": \(burst), "capacityPerSecond": \(number(capacity)), "preparedBurstPerSecond": \(number(preparedBurst)), "loadJobs": \(load), "lightJobs": \(light), \
            "overloadSeconds": \(Int(dropAt.timeIntervalSince(start))), "throughputPerSecond": \(number(throughput)), \
            "throughputShareOfCapacity": \(number(ratio)), "recoverySeconds": \(recovery.map(String.init) ?? "null"), \
            "maxQueueDepth": \(maxDepth), "duplicates": \(duplicates), "seconds": [\(perSecond.joined(separator: ", "))]}
            """
    }

    var table: String {
        var lines = [
            "capacity            \(Int(capacity)) fires/s (a lone burst of \(burst), due when the engine starts)",
            "prepared burst      \(Int(preparedBurst)) fires/s (the same burst scheduled ahead by the look-ahead; not the reference)",
            "load                \(load) jobs × 1 s for \(Int(dropAt.timeIntervalSince(start))) s, then \(light) jobs for \(Int(end.timeIntervalSince(dropAt))) s",
            "throughput          \(Int(throughput)) started/s under overload = \(String(format: "%.0f", ratio * 100)) % of capacity",
            "recovery            \(recovery.map { "lag p99 ≤ \(Int(DispatchBench.lagThreshold * 1000)) ms from \($0) s after the load dropped" } ?? "lag did not recover")",
            "queue depth         max \(maxDepth)",
            "duplicates          \(duplicates)",
            "second  fires  started  missed  lag p99",
        ]
        for (index, second) in seconds.enumerated() {
            let lag = second.p99.map { String(format: "%.3f s", $0) } ?? "-"
            lines.append(String(format: "%6d  %5d  %7d  %6d  %@", index, second.fires, second.started, second.missed, lag))
        }
        return lines.joined(separator: "\n")
    }
}
