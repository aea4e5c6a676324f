import ArgumentParser
import Foundation
import KairosCore

/// `kairos bench …`: measurements of real work, recorded in docs/PERFORMANCE.md.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks.",
        subcommands: [Cron.self, DispatchBench.self, SeedBench.self]
    )

    struct Cron: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute successive next-fire times and print {\"computations\", \"seconds\", \"perSecond\"} as one JSON line."
        )

        static let typical = ["*/5 * * * *", "0 2 * * *", "30 9 * * 1-5", "0 0 L * *", "15 10 * * 5L", "0 */2 * * *", "0 9 1-7 * 1", "0 0 29 2 1"]

        @Option(help: "IANA time zone the expressions are evaluated in.")
        var tz: String = "UTC"

        @Option(help: "ISO 8601 instant to start after.")
        var after: String = "2026-01-01T00:00:00Z"

        @Option(help: "Successive next-fire computations per expression.")
        var count: Int = 1_000_000

        @Argument(help: "Expressions to time (default: a typical mix).")
        var expressions: [String] = []

        func run() async throws {
            let zone = try parseZone(tz)
            let start = try parseAfter(after, zone: zone)
            guard count > 0, count <= 100_000_000 else { throw fail("--count must be between 1 and 100000000") }
            let crons = try (expressions.isEmpty ? Self.typical : expressions).map(parseExpression)
            let origin = Int64(start.timeIntervalSince1970.rounded(.down))
            let horizon = origin + 50 * 365 * 86_400
            var computations = 0
            var checksum: Int64 = 0
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for cron in crons {
                    var cursor = origin
                    for _ in 0..<count {
                        cursor = cron.nextFire(afterSecond: cursor, in: zone) ?? origin
                        // Stay within 50 years of the start, where zones still have
                        // daylight-saving transitions: a daily expression would otherwise
                        // spend most of a million computations in centuries without them.
                        if cursor > horizon { cursor = origin }
                        checksum &+= cursor
                        computations += 1
                    }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let perSecond = Int((Double(computations) / seconds).rounded())
            print("{\"computations\": \(computations), \"seconds\": \(String(format: "%.4f", seconds)), \"perSecond\": \(perSecond), \"checksum\": \(checksum)}")
        }
    }
}
