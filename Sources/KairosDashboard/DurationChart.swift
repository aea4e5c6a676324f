import Foundation
import KairosCore

/// An SVG bar chart of recent durations, oldest on the left, each bar coloured by outcome
/// (by class: the stylesheet colours them, so no inline style is needed under the CSP). Holds
/// only numbers and fixed words, never text from users.
struct DurationChart {
    var executions: [Execution]

    static let width = 600
    static let height = 120

    var svg: String {
        let bars = executions.filter { $0.status.isFinal }
        guard !bars.isEmpty else { return "" }
        let longest = max(1, bars.compactMap(\.durationMs).max() ?? 1)
        let slot = Double(Self.width) / Double(max(bars.count, 10))
        var parts: [String] = []
        parts.append("<svg class=\"chart\" viewBox=\"0 0 \(Self.width) \(Self.height)\" role=\"img\" aria-labelledby=\"chart-title\" preserveAspectRatio=\"none\">")
        parts.append("<title id=\"chart-title\">Durations of the last \(bars.count) finished executions, oldest first; longest \(Formatting.duration(milliseconds: longest))</title>")
        parts.append("<line class=\"axis\" x1=\"0\" y1=\"\(Self.height)\" x2=\"\(Self.width)\" y2=\"\(Self.height)\"/>")
        for (index, execution) in bars.enumerated() {
            let duration = execution.durationMs ?? 0
            let barHeight = max(2, Double(Self.height - 4) * Double(duration) / Double(longest))
            let x = Double(index) * slot + slot * 0.15
            let y = Double(Self.height) - barHeight
            let status = execution.status.rawValue
            parts.append("<rect class=\"bar bar-\(status)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(slot * 0.7))\" "
                + "height=\"\(Self.number(barHeight))\"><title>\(status), \(Formatting.duration(milliseconds: duration))</title></rect>")
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
