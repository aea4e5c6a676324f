import Foundation
import KairosCore
import Mustache

/// How instants and durations read on the pages.
enum Formatting {
    /// `2026-12-07 14:00:00 UTC` or `2026-12-07 09:00:00 -05:00` in `zone`.
    static func instant(_ date: Date, in zone: ZoneRules = .utc) -> String {
        let text = Timestamp.format(date, in: zone).replacingOccurrences(of: "T", with: " ")
        if text.hasSuffix("Z") { return String(text.dropLast()) + " UTC" }
        if zone.identifier == "UTC", text.hasSuffix("+00:00") { return String(text.dropLast(6)) + " UTC" }
        return String(text.dropLast(6)) + " " + text.suffix(6)
    }

    /// ISO 8601 in UTC, for `<time datetime>`.
    static func iso(_ date: Date) -> String { Timestamp.format(date) }

    /// `in 5 min`, `3 h ago`, `now`.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let magnitude = abs(seconds)
        let text: String
        switch magnitude {
        case ..<1: return "now"
        case ..<60: text = "\(Int(magnitude)) s"
        case ..<3600: text = "\(Int(magnitude / 60)) min"
        case ..<86_400: text = "\(Int(magnitude / 3600)) h \(Int(magnitude.truncatingRemainder(dividingBy: 3600) / 60)) min"
        default: text = "\(Int(magnitude / 86_400)) d"
        }
        return seconds > 0 ? "in " + text : text + " ago"
    }

    /// `120 ms`, `4.2 s`, `3 min 5 s`.
    static func duration(milliseconds: Int) -> String {
        switch milliseconds {
        case ..<1000: return "\(milliseconds) ms"
        case ..<60_000: return String(format: "%.1f s", Double(milliseconds) / 1000)
        default: return "\(milliseconds / 60_000) min \((milliseconds % 60_000) / 1000) s"
        }
    }
}

/// An instant as a page shows it: in a zone, relative to now, and as ISO 8601 for the script
/// (which adds the viewer's own zone).
struct TimeView {
    var text: String
    var iso: String
    var relative: String

    init(_ date: Date, zone: ZoneRules = .utc, now: Date) {
        text = Formatting.instant(date, in: zone)
        iso = Formatting.iso(date)
        relative = Formatting.relative(date, now: now)
    }
}

/// Named for Mustache without `Mirror` (see `JobRow`'s conformance).
extension TimeView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "iso": iso
        case "relative": relative
        default: nil
        }
    }
}
