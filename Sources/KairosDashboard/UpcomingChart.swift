import Foundation

/// Fires per 10 minutes over the next 24 hours, as SVG bars (numbers and fixed words only).
struct UpcomingChart {
    var fires: [Date]
    var start: Date

    var svg: String {
        var buckets = Array(repeating: 0, count: 144)
        for fire in fires {
            let index = Int(fire.timeIntervalSince(start) / 600)
            if buckets.indices.contains(index) { buckets[index] += 1 }
        }
        let highest = max(1, buckets.max() ?? 1)
        let width = 720, height = 120, slot = 5
        var parts = ["<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"timeline-title\" preserveAspectRatio=\"none\">",
                     "<title id=\"timeline-title\">Fires per 10 minutes over the next 24 hours; busiest 10 minutes \(highest)</title>",
                     "<line class=\"axis\" x1=\"0\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\"/>"]
        for hour in stride(from: 6, to: 24, by: 6) {
            parts.append("<line class=\"axis\" x1=\"\(hour * 6 * slot)\" y1=\"0\" x2=\"\(hour * 6 * slot)\" y2=\"\(height)\"/>")
        }
        for (index, count) in buckets.enumerated() where count > 0 {
            let barHeight = max(2, Double(height - 4) * Double(count) / Double(highest))
            parts.append("<rect class=\"bar bar-upcoming\" x=\"\(index * slot)\" y=\"\(DurationChart.number(Double(height) - barHeight))\" width=\"\(slot - 1)\" "
                + "height=\"\(DurationChart.number(barHeight))\"><title>in \(index * 10)–\(index * 10 + 10) min: \(count) fires</title></rect>")
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
