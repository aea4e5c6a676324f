import Foundation
import KairosCore

extension Schedule {
    /// The zone fires are shown in: a cron schedule's own, else UTC.
    var zone: ZoneRules {
        if case .cron(let cron) = self { return cron.timeZone }
        return .utc
    }
}

extension Job {
    /// The next `count` nominal fires after `now` (none while paused or disabled).
    func upcomingFires(after now: Date, count: Int) -> [Date] {
        guard isRunnable else { return [] }
        let schedule = spec.schedule.anchored(at: createdAt)
        var fires: [Date] = []
        var instant = now
        for _ in 0..<count {
            guard let next = schedule.nextFire(after: instant) else { break }
            fires.append(next)
            instant = next
        }
        return fires
    }
}
