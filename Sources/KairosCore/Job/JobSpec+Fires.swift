import Foundation

extension JobSpec {
    /// Checks that a job saved at `now` with this schedule will fire at all, so that a mistake
    /// is a 422 at once instead of a job recorded `missed` (or `finished`) seconds later: a
    /// one-shot `runAt` further in the past than the misfire grace time, an `endDate` that has
    /// passed, or no fire left before the `endDate`. A `runAt` within the grace is accepted (it
    /// runs at once, as a fire that is late by that much would).
    public func checkWillFire(now: Date) throws(ValidationError) {
        switch schedule {
        case .date(let date):
            let late = now.timeIntervalSince(date.runAt)
            guard late <= Double(misfireGraceTime) else {
                throw ValidationError(
                    field: "schedule.runAt", code: "inThePast",
                    message: "schedule.runAt \(Timestamp.format(date.runAt)) is \(Self.span(late)) in the past, more than misfireGraceTime "
                        + "(\(misfireGraceTime) s): it would only be recorded missed; give a later runAt, or trigger a job to run it now")
            }
        case .cron(let cron):
            try checkEnd(cron.endDate, now: now)
        case .interval(let interval):
            try checkEnd(interval.endDate, now: now)
        }
    }

    private func checkEnd(_ endDate: Date?, now: Date) throws(ValidationError) {
        guard let endDate, firstFire(now: now) == nil else { return }
        let message = endDate <= now
            ? "schedule.endDate \(Timestamp.format(endDate)) has passed: the job would never fire; give a later endDate or none"
            : "the schedule has no fire between now and schedule.endDate \(Timestamp.format(endDate)): the job would never fire"
        throw ValidationError(field: "schedule.endDate", code: endDate <= now ? "inThePast" : "noFire", message: message)
    }

    /// `3h 5m`, `42s`: how long ago, for a message.
    static func span(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (days, hours, minutes, rest) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }
}
