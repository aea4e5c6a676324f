import Foundation
import KairosCore
import Testing

/// `Schedule.humanDescription`: the words the API (`scheduleDescription`) and the dashboard show.
@Suite("Schedule descriptions")
struct ScheduleDescriptionTests {
    @Test("interval, date and cron schedules in words", arguments: [
        (Schedule.interval(try! IntervalSchedule(seconds: 1)), "every 1 second"),
        (Schedule.interval(try! IntervalSchedule(hours: 1, minutes: 30)), "every 1 hour 30 minutes"),
        (Schedule.interval(try! IntervalSchedule(weeks: 2, days: 1)), "every 2 weeks 1 day"),
        (Schedule.date(DateSchedule(runAt: Date(timeIntervalSince1970: 1_798_156_800))), "once at 2026-12-25T00:00:00+00:00"),
        (Schedule.cron(try! CronSchedule(expression: "30 2 * * *", timeZone: "Europe/London")), "At 02:30 (Europe/London)"),
    ])
    func description(schedule: Schedule, expected: String) {
        #expect(schedule.humanDescription == expected)
    }
}
