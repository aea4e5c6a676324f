import Foundation
import KairosCore

/// Executions finished per minute over the last hour, stacked by outcome, as SVG (classes
/// only, numbers and fixed words only).
struct ThroughputChart {
    var executions: [Execution]
    var now: Date

    static let outcomes: [ExecutionStatus] = [.succeeded, .failed, .missed, .cancelled]

    var svg: String {
        var buckets = Array(repeating: [ExecutionStatus: Int](), count: 60)
        for execution in executions where execution.status.isFinal {
            let minutesAgo = Int(now.timeIntervalSince(execution.finishedAt ?? execution.createdAt) / 60)
            guard (0..<60).contains(minutesAgo) else { continue }
            buckets[59 - minutesAgo][execution.status, default: 0] += 1
        }
        let highest = max(1, buckets.map { $0.values.reduce(0, +) }.max() ?? 1)
        let width = 600, height = 120, slot = 10
        var parts = ["<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"throughput-title\" preserveAspectRatio=\"none\">",
                     "<title id=\"throughput-title\">Executions finished per minute over the last hour by outcome; busiest minute \(highest)</title>",
                     "<line class=\"axis\" x1=\"0\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\"/>"]
        for (index, bucket) in buckets.enumerated() {
            var top = Double(height)
            let total = bucket.values.reduce(0, +)
            for outcome in Self.outcomes {
                guard let count = bucket[outcome], count > 0 else { continue }
                let barHeight = Double(height - 4) * Double(count) / Double(highest)
                top -= barHeight
                parts.append("<rect class=\"bar bar-\(outcome.rawValue)\" x=\"\(index * slot + 1)\" y=\"\(DurationChart.number(top))\" width=\"\(slot - 2)\" "
                    + "height=\"\(DurationChart.number(barHeight))\"><title>\(59 - index) min ago: \(total) finished, \(count) \(outcome.rawValue)</title></rect>")
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
