import ArgumentParser
import Foundation
import KairosCore
import KairosStore

/// `kairos bench seed`: stores N `system.noop` jobs through the store (batched transactions,
/// ``JobRepository/createJobs(_:now:)``, no HTTP), for measuring the API and the store at scale.
///
/// The jobs are `seed-0000001` …, named `<word> <n>` (so that name order differs from key
/// order), priorities 0–9, 1 % paused and 1 % disabled. Each fires once a day, at times spread
/// evenly over the day: cron `M H * * *`, or an interval of 86,400 s with starts a second apart
/// (about 12 fires a second per million jobs either way).
struct SeedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Store N jobs through the store and print {\"jobs\", \"seconds\", \"perSecond\"} as one JSON line."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case cron, interval
    }

    @Option(help: "The job store: \(StoreAddress.forms) of a new (or empty) database.")
    var store: String

    @Option(help: "PostgreSQL: a file whose first line is the password (when neither the URL nor PGPASSWORD has one).")
    var pgPasswordFile: String?

    @Option(help: "Number of jobs.")
    var jobs: Int = 1_000_000

    @Option(help: "Schedule of the jobs: cron or interval.")
    var kind: Kind = .cron

    @Option(help: "Jobs per transaction.")
    var batch: Int = 10_000

    static let words = ["backup", "report", "sync", "cleanup", "invoice", "digest", "export", "reindex", "mailer", "audit"]

    func validate() throws {
        guard (1...10_000_000).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 10000000") }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 100000") }
        _ = try StoreAddress(store, passwordFile: pgPasswordFile)
    }

    func run() async throws {
        let address = try StoreAddress(store, passwordFile: pgPasswordFile)
        do {
            try await address.withStores(count: 1, serving: false, create: true) { stores in try await seed(stores[0], address: address) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("bench seed on the store \(address): \(error)")
            throw ExitCode(1)
        }
    }

    func seed(_ store: any JobStore, address: StoreAddress) async throws {
        guard try await store.listJobs(JobQuery(limit: 1)).items.isEmpty else {
            printError("the store \(address) already holds jobs; give bench seed a new database")
            throw ExitCode(1)
        }
        let started = Date()
        let day = (started.timeIntervalSince1970 / 86_400).rounded(.up) * 86_400
        // 1,440 distinct cron expressions: each is parsed once.
        var crons: [Int: Schedule] = [:]
        // Two batches in flight: one is validated and encoded while the other is written.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var index = 0
            var inFlight = 0
            while index < jobs {
                let count = min(batch, jobs - index)
                let specs = try (index..<index + count).map { try spec($0, day: day, crons: &crons) }
                if inFlight == 2 {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { _ = try await store.createJobs(specs, now: Date()) }
                inFlight += 1
                index += count
            }
            try await group.waitForAll()
        }
        let seconds = Date().timeIntervalSince(started)
        print("{\"jobs\": \(jobs), \"kind\": \"\(kind.rawValue)\", \"seconds\": \(String(format: "%.2f", seconds)), \"perSecond\": \(Int((Double(jobs) / seconds).rounded()))}")
    }

    /// Job `index` (0-based): see the type's documentation.
    func spec(_ index: Int, day: Double, crons: inout [Int: Schedule]) throws -> JobSpec {
        let number = index + 1
        let key = "seed-" + String(repeating: "0", count: max(0, 7 - String(number).count)) + String(number)
        let schedule: Schedule
        switch kind {
        case .cron:
            let minuteOfDay = index % 1440
            if let parsed = crons[minuteOfDay] {
                schedule = parsed
            } else {
                schedule = .cron(try CronSchedule(expression: "\(minuteOfDay % 60) \(minuteOfDay / 60) * * *"))
                crons[minuteOfDay] = schedule
            }
        case .interval:
            schedule = .interval(try IntervalSchedule(seconds: 86_400, startDate: Date(timeIntervalSince1970: day + Double(index % 86_400))))
        }
        return try JobSpec(
            key: key, name: "\(Self.words[(index / 7) % Self.words.count]) \(number)", task: "system.noop", schedule: schedule,
            priority: index % 10, enabled: index % 100 != 2, paused: index % 100 == 1)
    }
}
