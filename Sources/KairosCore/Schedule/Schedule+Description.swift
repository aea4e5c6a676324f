import Foundation

extension Schedule {
    /// The schedule in words, for lists and the dashboard: `At 02:30 (Europe/London)`,
    /// `every 1 hour 30 minutes`, `once at 2026-12-24T18:00:00Z`.
    public var humanDescription: String {
        switch self {
        case .cron(let cron):
            return "\(cron.expression.humanDescription) (\(cron.timeZone.identifier))"
        case .interval(let interval):
            let parts = [("week", interval.weeks), ("day", interval.days), ("hour", interval.hours), ("minute", interval.minutes), ("second", interval.seconds)]
                .filter { $0.1 > 0 }
                .map { "\($0.1) \($0.0)\($0.1 == 1 ? "" : "s")" }
            return "every " + parts.joined(separator: " ")
        case .date(let date):
            return "once at \(Timestamp.format(date.runAt))"
        }
    }
}
