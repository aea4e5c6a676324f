import Benchmark
import KairosCore

/// Successive next-fire computations in America/New_York, and parsing one expression.
///
/// Each benchmark iteration runs `scalingFactor` (1,000) computations, starting after
/// 2026-01-01T00:00:00Z and feeding each answer back in as the next cursor. Like
/// `kairos bench cron`, the cursor returns to the start once it passes 50 years after it,
/// so sparse expressions stay in years with daylight-saving transitions (and well inside
/// the zone table, where `nextFire` never answers nil).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo
    )

    let zone: ZoneRules
    do {
        zone = try ZoneRules.named("America/New_York")
    } catch {
        fatalError("\(error)")
    }
    let origin: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
    let horizon = origin + 50 * 365 * 86_400

    for expression in ["*/5 * * * *", "0 2 * * *", "30 9 * * 1-5", "0 0 L * *", "0 0 29 2 1"] {
        let cron: CronExpression
        do {
            cron = try CronExpression(expression)
        } catch {
            fatalError("\(expression): \(error)")
        }
        Benchmark("nextFire \(expression)") { benchmark in
            var cursor = origin
            for _ in benchmark.scaledIterations {
                cursor = cron.nextFire(afterSecond: cursor, in: zone)!
                if cursor > horizon { cursor = origin }
                blackHole(cursor)
            }
        }
    }

    Benchmark("parse 30 9 * * 1-5") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try CronExpression("30 9 * * 1-5"))
        }
    }
}
