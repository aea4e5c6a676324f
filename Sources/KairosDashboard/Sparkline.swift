import Foundation
import KairosCore

/// A job's last outcomes as a row of small squares, oldest first, coloured by status (classes
/// only), with the counts in its accessible name.
struct Sparkline {
    var outcomes: [ExecutionStatus]

    var svg: String? {
        guard !outcomes.isEmpty else { return nil }
        let counts = ExecutionStatus.allCases.compactMap { status -> String? in
            let count = outcomes.filter { $0 == status }.count
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        var parts = ["<svg class=\"sparkline\" viewBox=\"0 0 100 10\" role=\"img\" aria-label=\"Last \(outcomes.count) runs: \(counts.joined(separator: ", "))\">"]
        // One path per status (a square per run), to keep 50 rows of 20 runs light.
        for status in ExecutionStatus.allCases {
            let squares = outcomes.indices.filter { outcomes[$0] == status }.map { "M\($0 * 5) 0h4v10h-4z" }
            if !squares.isEmpty { parts.append("<path class=\"bar bar-\(status.rawValue)\" d=\"\(squares.joined())\"/>") }
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
