import Testing

@testable import KairosCore

/// `humanDescription`: the plain-English reading of an expression shown by the dashboard and
/// `kairos cron explain`. Times are 24-hour `hh:mm` (`hh:mm:ss` with a seconds field).
@Suite("Cron human descriptions")
struct CronDescriptionTests {
    @Test("times of day", arguments: [
        ("30 9 * * 1-5", "At 09:30 on Monday through Friday"),
        ("0 0 * * *", "At 00:00"),
        ("30 2 * * *", "At 02:30"),
        ("0 22 * * 1-5", "At 22:00 on Monday through Friday"),
        ("0 9,17 * * *", "At 09:00 and 17:00"),
        ("0 0,6,12,18 * * *", "At 00:00, 06:00, 12:00 and 18:00"),
        ("0 0,4,8,12,16 * * *", "At minute 0 past hour 0, 4, 8, 12 and 16"),
        ("0 9-17 * * *", "At minute 0 past hour 9 through 17"),
    ])
    func timesOfDay(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("repetition within the hour and the day", arguments: [
        ("* * * * *", "Every minute"),
        ("*/5 * * * *", "Every 5 minutes"),
        ("0 * * * *", "At minute 0 past every hour"),
        ("15 * * * *", "At minute 15 past every hour"),
        ("0,30 * * * *", "At minute 0 and 30"),
        ("5/15 * * * *", "At every 15th minute from 5"),
        ("0 */2 * * *", "At minute 0 past every 2nd hour"),
        ("30 */6 * * *", "At minute 30 past every 6th hour"),
        ("*/5 */2 * * *", "Every 5 minutes past every 2nd hour"),
        ("* 9 * * *", "Every minute past hour 9"),
        ("*/15 0 * * *", "Every 15 minutes past hour 0"),
        ("*/15 9-17 * * 1-5", "Every 15 minutes past hour 9 through 17 on Monday through Friday"),
        ("* * * 2 *", "Every minute in February"),
    ])
    func repetition(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("days of the week and of the month, and months", arguments: [
        ("0 9 * * MON", "At 09:00 on Monday"),
        ("0 9 * * mon-fri", "At 09:00 on Monday through Friday"),
        ("0 9 * * 1,3,5", "At 09:00 on Monday, Wednesday and Friday"),
        ("0 0 * * SAT,SUN", "At 00:00 on Saturday and Sunday"),
        ("5 4 * * 0", "At 04:05 on Sunday"),
        ("5 4 * * 7", "At 04:05 on Sunday"),
        ("0 9 * * 1-5/2", "At 09:00 on every 2nd day-of-week from Monday through Friday"),
        ("0 0 * * */2", "At 00:00 on every 2nd day-of-week"),
        ("0 0 1 * *", "At 00:00 on day-of-month 1"),
        ("0 0 1,15 * *", "At 00:00 on day-of-month 1 and 15"),
        ("0 9 1-7 * *", "At 09:00 on day-of-month 1 through 7"),
        ("0 0 1 1 *", "At 00:00 on day-of-month 1 in January"),
        ("0 0 1 JAN,JUL *", "At 00:00 on day-of-month 1 in January and July"),
        ("0 0 1 DEC *", "At 00:00 on day-of-month 1 in December"),
        ("0 12 * 3-5 *", "At 12:00 in March through May"),
        ("0 0 * JAN-MAR,OCT *", "At 00:00 in January through March and October"),
        ("0 0 * */2 *", "At 00:00 in every 2nd month"),
        ("0 0 1 */3 *", "At 00:00 on day-of-month 1 in every 3rd month"),
        ("0 0,12 1 */2 *", "At 00:00 and 12:00 on day-of-month 1 in every 2nd month"),
        ("0 0 29 2 *", "At 00:00 on day-of-month 29 in February"),
        ("0 0 12 ? * ?", "At 12:00"),
        ("0 0 ? * MON", "At 00:00 on Monday"),
    ])
    func days(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("both day fields restricted read as 'or' (Vixie cron)", arguments: [
        ("0 0 13 * 5", "At 00:00 on day-of-month 13 or on Friday"),
        ("0 0 1-7 * MON", "At 00:00 on day-of-month 1 through 7 or on Monday"),
        ("0 0 L * 5", "At 00:00 on the last day of the month or on Friday"),
        ("0 0 1 1 1", "At 00:00 on day-of-month 1 or on Monday in January"),
    ])
    func vixieOr(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("`L`, `LW`, `nW`, `nL` and `n#k`", arguments: [
        ("0 0 L * *", "At 00:00 on the last day of the month"),
        ("0 0 L 2 *", "At 00:00 on the last day of the month in February"),
        ("0 0 LW * *", "At 00:00 on the last weekday of the month"),
        ("0 0 15W * *", "At 00:00 on the weekday nearest day 15 of the month"),
        ("0 0 1W,15W * *", "At 00:00 on the weekday nearest day 1 of the month and the weekday nearest day 15 of the month"),
        ("0 0 * * 5L", "At 00:00 on the last Friday of the month"),
        ("0 0 * * 0L", "At 00:00 on the last Sunday of the month"),
        ("0 0 * * 1#2", "At 00:00 on the second Monday of the month"),
        ("0 0 * * 7#1", "At 00:00 on the first Sunday of the month"),
        ("0 0 * * 6#5", "At 00:00 on the fifth Saturday of the month"),
        ("15 10 * * mon#1", "At 10:15 on the first Monday of the month"),
        ("0 0 ? * 1#3", "At 00:00 on the third Monday of the month"),
        ("0 12 * * 1#1,5L", "At 12:00 on the first Monday of the month and the last Friday of the month"),
    ])
    func specialDays(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("macros read like their expansions", arguments: [
        ("@daily", "At 00:00"), ("@midnight", "At 00:00"), ("@hourly", "At minute 0 past every hour"),
        ("@weekly", "At 00:00 on Sunday"), ("@monthly", "At 00:00 on day-of-month 1"),
        ("@yearly", "At 00:00 on day-of-month 1 in January"), ("@annually", "At 00:00 on day-of-month 1 in January"),
    ])
    func macros(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("six-field expressions mention seconds only when they are not 0", arguments: [
        ("*/10 * * * * *", "Every 10 seconds"),
        ("*/30 * * * * *", "Every 30 seconds"),
        ("30 0 12 * * *", "At 12:00:30"),
        ("15 30 9 * * *", "At 09:30:15"),
        ("5 0 0 * * *", "At 00:00:05"),
        ("0 30 9 * * 1-5", "At 09:30 on Monday through Friday"),
        ("0 0 12 * * MON#1", "At 12:00 on the first Monday of the month"),
        ("0 * 9 * * *", "Every minute past hour 9"),
        ("30 */5 * * * *", "At second 30 every 5 minutes"),
    ])
    func seconds(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }

    @Test("ranges, stepped ranges and mixed day-of-month lists", arguments: [
        ("10-20 * * * *", "At every minute from 10 through 20"),
        ("0 8-18/2 * * *", "At minute 0 past every 2nd hour from 8 through 18"),
        ("0 0 */2 * *", "At 00:00 on every 2nd day-of-month"),
        ("0 0 1-15/5 * *", "At 00:00 on every 5th day-of-month from 1 through 15"),
        ("0 0 L,15 * *", "At 00:00 on the last day of the month and day-of-month 15"),
        ("0 0 1,15,L * *", "At 00:00 on day-of-month 1 and 15 and the last day of the month"),
    ])
    func rangesAndSteps(expression: String, description: String) throws {
        #expect(try CronExpression(expression).humanDescription == description)
    }
}
