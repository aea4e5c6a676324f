import Foundation
import Testing

@testable import KairosCore

/// Every syntax element of a cron expression (README.md, cron expressions), as tables of "after
/// this instant, the next fires are these". Unless a row says otherwise the zone is UTC and the
/// search starts at 2026-01-01T00:00:00Z (a Thursday). Expected fires were worked out by hand and
/// checked against an independent implementation (Python `datetime`/`calendar`).
@Suite("Cron syntax")
struct CronSyntaxTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var zone: String
        var after: String
        var fires: [String]

        init(_ expression: String, in zone: String = "UTC", after: String = "2026-01-01T00:00:00Z", _ fires: String...) {
            (self.expression, self.zone, self.after, self.fires) = (expression, zone, after, fires)
        }

        var testDescription: String { "'\(expression)' in \(zone) after \(after)" }
    }

    /// Checks both `nextFires(after:in:count:)` and `nextFire(after:in:)` against the row.
    static func check(_ row: Case) throws {
        let zone = try ZoneRules.named(row.zone)
        let cron = try CronExpression(row.expression)
        let after = try Timestamp.parse(row.after)
        let fires = cron.nextFires(after: after, in: zone, count: row.fires.count)
        #expect(fires.map { Timestamp.format($0, in: zone) } == row.fires)
        #expect(cron.nextFire(after: after, in: zone).map { Timestamp.format($0, in: zone) } == row.fires.first)
    }

    @Test("`*`, single values, lists and ranges; fires are strictly after the given instant", arguments: [
        Case("* * * * *", "2026-01-01T00:01:00+00:00", "2026-01-01T00:02:00+00:00", "2026-01-01T00:03:00+00:00"),
        Case("5 * * * *", "2026-01-01T00:05:00+00:00", "2026-01-01T01:05:00+00:00", "2026-01-01T02:05:00+00:00"),
        Case("0,15,45 * * * *", "2026-01-01T00:15:00+00:00", "2026-01-01T00:45:00+00:00", "2026-01-01T01:00:00+00:00"),
        Case(
            "10-12 3 * * *",
            "2026-01-01T03:10:00+00:00", "2026-01-01T03:11:00+00:00", "2026-01-01T03:12:00+00:00", "2026-01-02T03:10:00+00:00"),
        Case(
            "0 9-11,15 * * *",
            "2026-01-01T09:00:00+00:00", "2026-01-01T10:00:00+00:00", "2026-01-01T11:00:00+00:00", "2026-01-01T15:00:00+00:00"),
        Case("0 0 1,15 * *", "2026-01-15T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "2026-02-15T00:00:00+00:00"),
        Case("0 12 * 3-4 *", "2026-03-01T12:00:00+00:00", "2026-03-02T12:00:00+00:00"),
        Case("0 * * * *", after: "2026-01-01T01:00:00Z", "2026-01-01T02:00:00+00:00", "2026-01-01T03:00:00+00:00"),
        Case("0 * * * *", after: "2026-01-01T00:59:59.500Z", "2026-01-01T01:00:00+00:00"),
        Case("  0  12\t* * *  ", "2026-01-01T12:00:00+00:00", "2026-01-02T12:00:00+00:00"),
        Case(
            "30 9 * * 1-5", in: "America/New_York", after: "2026-01-02T00:00:00Z",
            "2026-01-02T09:30:00-05:00", "2026-01-05T09:30:00-05:00", "2026-01-06T09:30:00-05:00"),
        Case("0 8 * * *", in: "Asia/Kolkata", "2026-01-01T08:00:00+05:30", "2026-01-02T08:00:00+05:30"),
        Case("45 23 * * *", in: "Asia/Kathmandu", "2026-01-01T23:45:00+05:45", "2026-01-02T23:45:00+05:45"),
    ])
    func basics(_ row: Case) throws { try Self.check(row) }

    @Test("steps `*/n`, `a-b/n` and `a/n` count from the start of their range", arguments: [
        Case("*/20 * * * *", "2026-01-01T00:20:00+00:00", "2026-01-01T00:40:00+00:00", "2026-01-01T01:00:00+00:00"),
        Case(
            "*/25 * * * *",
            "2026-01-01T00:25:00+00:00", "2026-01-01T00:50:00+00:00", "2026-01-01T01:00:00+00:00", "2026-01-01T01:25:00+00:00"),
        Case(
            "10-30/10 * * * *",
            "2026-01-01T00:10:00+00:00", "2026-01-01T00:20:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T01:10:00+00:00"),
        Case("50/5 * * * *", "2026-01-01T00:50:00+00:00", "2026-01-01T00:55:00+00:00", "2026-01-01T01:50:00+00:00"),
        Case(
            "5/15 * * * *",
            "2026-01-01T00:05:00+00:00", "2026-01-01T00:20:00+00:00", "2026-01-01T00:35:00+00:00", "2026-01-01T00:50:00+00:00"),
        Case(
            "0 */6 * * *",
            "2026-01-01T06:00:00+00:00", "2026-01-01T12:00:00+00:00", "2026-01-01T18:00:00+00:00", "2026-01-02T00:00:00+00:00"),
        Case("0 22/1 * * *", "2026-01-01T22:00:00+00:00", "2026-01-01T23:00:00+00:00", "2026-01-02T22:00:00+00:00"),
        Case(
            "0 0 */10 * *",
            "2026-01-11T00:00:00+00:00", "2026-01-21T00:00:00+00:00", "2026-01-31T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        Case("0 0 1 */5 *", "2026-06-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        Case("0 0 * * 1-5/2", "2026-01-02T00:00:00+00:00", "2026-01-05T00:00:00+00:00", "2026-01-07T00:00:00+00:00"),
        Case("0 0 1 FEB-APR/2 *", "2026-02-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00", "2027-02-01T00:00:00+00:00"),
        Case(
            "0 0 1 JAN/3 *",
            "2026-04-01T00:00:00+00:00", "2026-07-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        Case(
            "0 0 * * */2",
            "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00", "2026-01-06T00:00:00+00:00", "2026-01-08T00:00:00+00:00"),
        Case("*/7 59 23 31 12 *", "2026-12-31T23:59:00+00:00", "2026-12-31T23:59:07+00:00", "2026-12-31T23:59:14+00:00"),
        Case(
            "0,30/20 * * * *",
            "2026-01-01T00:30:00+00:00", "2026-01-01T00:50:00+00:00", "2026-01-01T01:00:00+00:00", "2026-01-01T01:30:00+00:00"),
    ])
    func steps(_ row: Case) throws { try Self.check(row) }

    @Test("month names JAN-DEC and weekday names SUN-SAT, in any case", arguments: [
        Case("0 0 1 JAN,jul *", "2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        Case("0 0 1 mar-May *", "2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00", "2026-05-01T00:00:00+00:00"),
        Case("0 0 * * MON", "2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00", "2026-01-19T00:00:00+00:00"),
        Case("0 0 * * sat,Sun", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00", "2026-01-10T00:00:00+00:00"),
        Case(
            "0 0 * * mon-fri", after: "2026-01-02T00:00:00Z",
            "2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00", "2026-01-07T00:00:00+00:00"),
        Case("0 0 * * SAT-7", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00", "2026-01-10T00:00:00+00:00"),
        Case("0 0 * * tHu", "2026-01-08T00:00:00+00:00", "2026-01-15T00:00:00+00:00"),
        Case("0 0 1 Dec *", "2026-12-01T00:00:00+00:00", "2027-12-01T00:00:00+00:00"),
    ])
    func names(_ row: Case) throws { try Self.check(row) }

    @Test("day-of-week 0 and 7 are both Sunday", arguments: [
        Case("0 0 * * 0", "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00", "2026-01-18T00:00:00+00:00"),
        Case("0 0 * * 7", "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00", "2026-01-18T00:00:00+00:00"),
        Case("0 0 * * 0,7", "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00", "2026-01-18T00:00:00+00:00"),
        Case(
            "0 0 * * 5-7",
            "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00", "2026-01-09T00:00:00+00:00"),
        Case("0 0 * * 6-7", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00", "2026-01-10T00:00:00+00:00"),
    ])
    func sunday(_ row: Case) throws { try Self.check(row) }

    @Test("`?` in a day field means `*`", arguments: [
        Case("0 0 ? * MON", "2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"),
        Case("0 0 15 * ?", "2026-01-15T00:00:00+00:00", "2026-02-15T00:00:00+00:00"),
        Case("0 0 ? * ?", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"),
        Case("0 0 ? 2 *", "2026-02-01T00:00:00+00:00", "2026-02-02T00:00:00+00:00"),
    ])
    func questionMark(_ row: Case) throws { try Self.check(row) }

    @Test("`L` is the last day of the month, `LW` its last weekday", arguments: [
        Case(
            "0 0 L * *",
            "2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00"),
        Case("0 0 L 2 *", "2026-02-28T00:00:00+00:00", "2027-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00"),
        Case("0 0 l * *", "2026-01-31T00:00:00+00:00"),
        Case("0 0 L,15 * *", "2026-01-15T00:00:00+00:00", "2026-01-31T00:00:00+00:00", "2026-02-15T00:00:00+00:00"),
        Case(
            "0 0 LW * *",
            "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00"),
        Case("0 0 LW * *", after: "2026-05-01T00:00:00Z", "2026-05-29T00:00:00+00:00", "2026-06-30T00:00:00+00:00"),
        Case("0 0 lw * *", after: "2025-11-01T00:00:00Z", "2025-11-28T00:00:00+00:00"),
    ])
    func lastDay(_ row: Case) throws { try Self.check(row) }

    @Test("`nW` is the weekday nearest day n, never leaving the month; no fire when n is past its end", arguments: [
        Case(
            "0 0 1W * *", after: "2026-07-15T00:00:00Z",
            "2026-08-03T00:00:00+00:00", "2026-09-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"),
        Case(
            "0 0 31W * *", after: "2026-04-01T00:00:00Z",
            "2026-05-29T00:00:00+00:00", "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00", "2026-10-30T00:00:00+00:00"),
        Case("0 0 15W * *", "2026-01-15T00:00:00+00:00", "2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00"),
        Case("0 0 15W * *", after: "2026-08-01T00:00:00Z", "2026-08-14T00:00:00+00:00"),
        Case("0 0 30W * *", after: "2026-01-31T00:00:00Z", "2026-03-30T00:00:00+00:00"),
        Case("0 0 30W * *", after: "2025-11-01T00:00:00Z", "2025-11-28T00:00:00+00:00"),
        Case("0 0 29W 2 *", "2028-02-29T00:00:00+00:00", "2032-02-27T00:00:00+00:00"),
        Case(
            "0 0 1W,15W * *", after: "2026-08-01T00:00:00Z",
            "2026-08-03T00:00:00+00:00", "2026-08-14T00:00:00+00:00", "2026-09-01T00:00:00+00:00"),
        Case("0 0 10w * *", after: "2026-05-01T00:00:00Z", "2026-05-11T00:00:00+00:00"),
    ])
    func nearestWeekday(_ row: Case) throws { try Self.check(row) }

    @Test("`nL` in day-of-week is the last such weekday of the month", arguments: [
        Case("0 0 * * 5L", "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-27T00:00:00+00:00"),
        Case("0 0 * * 0L", "2026-01-25T00:00:00+00:00", "2026-02-22T00:00:00+00:00", "2026-03-29T00:00:00+00:00"),
        Case("0 0 * * 7L", "2026-01-25T00:00:00+00:00", "2026-02-22T00:00:00+00:00", "2026-03-29T00:00:00+00:00"),
        Case("0 0 * * FRIL", "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00"),
        Case("0 0 * * 1L,5L", "2026-01-26T00:00:00+00:00", "2026-01-30T00:00:00+00:00", "2026-02-23T00:00:00+00:00"),
    ])
    func lastWeekdayOfMonth(_ row: Case) throws { try Self.check(row) }

    @Test("`n#k` is the k-th such weekday of the month", arguments: [
        Case("0 0 * * 1#1", "2026-01-05T00:00:00+00:00", "2026-02-02T00:00:00+00:00", "2026-03-02T00:00:00+00:00"),
        Case("0 0 * * 5#5", "2026-01-30T00:00:00+00:00", "2026-05-29T00:00:00+00:00", "2026-07-31T00:00:00+00:00"),
        Case("0 0 * * MON#2", "2026-01-12T00:00:00+00:00", "2026-02-09T00:00:00+00:00"),
        Case("0 0 * * 1#1,5L", "2026-01-05T00:00:00+00:00", "2026-01-30T00:00:00+00:00", "2026-02-02T00:00:00+00:00"),
        Case("0 0 * * 7#1", "2026-01-04T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        Case("0 0 * * 0#1,0#3", "2026-01-04T00:00:00+00:00", "2026-01-18T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        // The fifth Monday of February needs a leap year whose February starts on a Monday.
        Case("0 0 * 2 MON#5", after: "2016-03-01T00:00:00Z", "2044-02-29T00:00:00+00:00"),
    ])
    func nthWeekday(_ row: Case) throws { try Self.check(row) }

    @Test("macros, in any case", arguments: [
        Case("@yearly", "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"),
        Case("@annually", "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"),
        Case("@monthly", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        Case("@weekly", "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"),
        Case("@daily", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"),
        Case("@midnight", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"),
        Case("@hourly", "2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00"),
        Case("@DAILY", "2026-01-02T00:00:00+00:00"),
        Case("@yearly", in: "America/New_York", "2026-01-01T00:00:00-05:00"),
    ])
    func macros(_ row: Case) throws { try Self.check(row) }

    @Test("a macro means exactly its five-field expansion", arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *"),
    ])
    func macroExpansion(macro: String, expansion: String) throws {
        let (cron, expanded) = (try CronExpression(macro), try CronExpression(expansion))
        #expect(cron.fields == expanded.fields)
        #expect(cron.isFixedTime == expanded.isFixedTime)
        #expect(cron.hasSeconds == false)
    }

    @Test("six fields: a leading seconds field", arguments: [
        Case(
            "*/15 * * * * *",
            "2026-01-01T00:00:15+00:00", "2026-01-01T00:00:30+00:00", "2026-01-01T00:00:45+00:00", "2026-01-01T00:01:00+00:00"),
        Case("30 0 12 * * *", "2026-01-01T12:00:30+00:00", "2026-01-02T12:00:30+00:00"),
        Case("0-2 * * * * *", "2026-01-01T00:00:01+00:00", "2026-01-01T00:00:02+00:00", "2026-01-01T00:01:00+00:00"),
        Case("0 0 0 1 1 *", "2027-01-01T00:00:00+00:00"),
        Case("10,20 5 * * * *", "2026-01-01T00:05:10+00:00", "2026-01-01T00:05:20+00:00", "2026-01-01T01:05:10+00:00"),
        Case("0 0 0 L * *", "2026-01-31T00:00:00+00:00"),
        Case("59 59 23 31 12 *", "2026-12-31T23:59:59+00:00"),
    ])
    func seconds(_ row: Case) throws { try Self.check(row) }

    @Test("both day fields restricted: either matches (Vixie OR); one beginning with `*` or `?`: both must", arguments: [
        Case(
            "0 0 13 * 5",
            "2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00", "2026-01-13T00:00:00+00:00", "2026-01-16T00:00:00+00:00"),
        Case(
            "0 0 1 * MON", after: "2026-01-28T00:00:00Z",
            "2026-02-01T00:00:00+00:00", "2026-02-02T00:00:00+00:00", "2026-02-09T00:00:00+00:00"),
        Case(
            "0 0 1-7 * MON", after: "2026-01-06T00:00:00Z",
            "2026-01-07T00:00:00+00:00", "2026-01-12T00:00:00+00:00", "2026-01-19T00:00:00+00:00"),
        Case(
            "0 0 L * 1", after: "2026-01-25T00:00:00Z",
            "2026-01-26T00:00:00+00:00", "2026-01-31T00:00:00+00:00", "2026-02-02T00:00:00+00:00"),
        Case("0 0 13 * 1#1", "2026-01-05T00:00:00+00:00", "2026-01-13T00:00:00+00:00", "2026-02-02T00:00:00+00:00"),
        Case("0 0 */2 * 1", "2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00"),
        Case("0 0 13 * */2", "2026-01-13T00:00:00+00:00", "2026-06-13T00:00:00+00:00"),
        Case("0 0 * * 1", "2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"),
        Case("0 0 1 * *", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        Case("0 0 ? * 1", "2026-01-05T00:00:00+00:00"),
        Case("0 0 *,13 * 5", "2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00"),
    ])
    func vixieDayRule(_ row: Case) throws { try Self.check(row) }

    @Test("February 29 only in leap years (2000 is one, 2100 is not)", arguments: [
        Case("0 0 29 2 *", "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00", "2036-02-29T00:00:00+00:00"),
        Case("0 0 29 2 *", after: "2096-03-01T00:00:00Z", "2104-02-29T00:00:00+00:00", "2108-02-29T00:00:00+00:00"),
        Case("0 0 29 2 *", after: "1999-01-01T00:00:00Z", "2000-02-29T00:00:00+00:00", "2004-02-29T00:00:00+00:00"),
        Case(
            "0 0 29 2 1", after: "2028-02-25T00:00:00Z",
            "2028-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00", "2029-02-05T00:00:00+00:00"),
        Case("0 0 L 2 *", after: "2028-01-01T00:00:00Z", "2028-02-29T00:00:00+00:00", "2029-02-28T00:00:00+00:00"),
        Case("0 0 29 2 MON", after: "2029-01-01T00:00:00Z", "2029-02-05T00:00:00+00:00"),
        Case("0 0 29 2 */2", "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"),
    ])
    func leapYears(_ row: Case) throws { try Self.check(row) }

    @Test("day 31 and 30 skip the months that lack them", arguments: [
        Case(
            "0 0 31 * *",
            "2026-01-31T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00", "2026-07-31T00:00:00+00:00",
            "2026-08-31T00:00:00+00:00"),
        Case("0 0 30 * *", "2026-01-30T00:00:00+00:00", "2026-03-30T00:00:00+00:00"),
        Case("0 0 31 4,6,9,11,12 *", "2026-12-31T00:00:00+00:00", "2027-12-31T00:00:00+00:00"),
        Case("59 23 31 12 *", after: "2026-12-31T23:59:00Z", "2027-12-31T23:59:00+00:00"),
        Case("0 0 30 2 MON", "2026-02-02T00:00:00+00:00", "2026-02-09T00:00:00+00:00"),
        Case("0 0 31 * *", after: "2026-04-30T12:00:00Z", "2026-05-31T00:00:00+00:00"),
    ])
    func monthEnds(_ row: Case) throws { try Self.check(row) }

    // MARK: Rejections

    struct Rejection: Sendable, CustomTestStringConvertible {
        var input: String
        var code: CronError.Code
        var field: CronField?
        var token: String?

        init(_ input: String, _ code: CronError.Code, _ field: CronField? = nil, _ token: String? = nil) {
            (self.input, self.code, self.field, self.token) = (input, code, field, token)
        }

        var testDescription: String { "'\(input)'" }
    }

    static let rejections: [Rejection] = [
        Rejection("", .empty),
        Rejection(" \t ", .empty),
        Rejection(String(repeating: "1,", count: 300) + "1 * * * *", .tooLong),
        Rejection("* * * *", .fieldCount),
        Rejection("* * * * * * * *", .fieldCount),
        Rejection("0 0 0 1 1 * 2026", .yearFieldUnsupported, nil, "2026"),
        Rejection("@reboot", .unknownMacro, nil, "@reboot"),
        Rejection("@every", .unknownMacro, nil, "@every"),
        Rejection("61 * * * *", .outOfRange, .minute, "61"),
        Rejection("60 * * * * *", .outOfRange, .second, "60"),
        Rejection("0 24 * * *", .outOfRange, .hour, "24"),
        Rejection("0 0 0 * *", .outOfRange, .dayOfMonth, "0"),
        Rejection("0 0 32 * *", .outOfRange, .dayOfMonth, "32"),
        Rejection("0 0 * 13 *", .outOfRange, .month, "13"),
        Rejection("0 0 * 0 *", .outOfRange, .month, "0"),
        Rejection("0 0 * * 8", .outOfRange, .dayOfWeek, "8"),
        Rejection("0 0-60 * * *", .outOfRange, .hour, "0-60"),
        Rejection("0 0 32W * *", .outOfRange, .dayOfMonth, "32W"),
        Rejection("0 0 * * 1#6", .outOfRange, .dayOfWeek, "1#6"),
        Rejection("0 0 * * 1#0", .outOfRange, .dayOfWeek, "1#0"),
        Rejection("0 0 * * 8#1", .outOfRange, .dayOfWeek, "8#1"),
        Rejection("5-2 * * * *", .reversedRange, .minute, "5-2"),
        Rejection("0 0 1 DEC-JAN *", .reversedRange, .month, "DEC-JAN"),
        Rejection("0 0 * * FRI-MON", .reversedRange, .dayOfWeek, "FRI-MON"),
        Rejection("0 0 20-10/2 * *", .reversedRange, .dayOfMonth, "20-10/2"),
        Rejection("*/0 * * * *", .invalidStep, .minute, "*/0"),
        Rejection("0 */ * * *", .invalidStep, .hour, "*/"),
        Rejection("0 0 1/x * *", .invalidStep, .dayOfMonth, "1/x"),
        Rejection("0 0 * * 1/-1", .invalidStep, .dayOfWeek, "1/-1"),
        Rejection("? * * * *", .invalidToken, .minute, "?"),
        Rejection("0 ? * * *", .invalidToken, .hour, "?"),
        Rejection("0 0 * ? *", .invalidToken, .month, "?"),
        Rejection("1,,2 * * * *", .invalidToken, .minute, "1,,2"),
        Rejection("1, * * * *", .invalidToken, .minute, "1,"),
        Rejection("JAN * * * *", .invalidToken, .minute, "JAN"),
        Rejection("0 0 1 SUN *", .invalidToken, .month, "SUN"),
        Rejection("0 0 * * JAN", .invalidToken, .dayOfWeek, "JAN"),
        Rejection("0 0 * * MONDAY", .invalidToken, .dayOfWeek, "MONDAY"),
        Rejection("-1 * * * *", .invalidToken, .minute, "-1"),
        Rejection("0 0 W * *", .invalidToken, .dayOfMonth, "W"),
        Rejection("0 0 * * L", .invalidToken, .dayOfWeek, "L"),
        Rejection("0 0 L * 5W", .invalidToken, .dayOfWeek, "5W"),
        Rejection("0 0 15L * *", .invalidToken, .dayOfMonth, "15L"),
        Rejection("0 0 * * 1#1#1", .outOfRange, .dayOfWeek, "1#1#1"),
        Rejection("０ 0 * * *", .invalidToken, nil, "０"),
        Rejection("0 0 30 2 *", .neverFires, nil, "0 0 30 2 *"),
        Rejection("0 0 31 4,6,9,11 *", .neverFires, nil, "0 0 31 4,6,9,11 *"),
        Rejection("0 0 30W 2 *", .neverFires, nil, "0 0 30W 2 *"),
        Rejection("0 0 30 2 */2", .neverFires, nil, "0 0 30 2 */2"),
        Rejection("0 0 30 2 ?", .neverFires, nil, "0 0 30 2 ?"),
    ]

    @Test("invalid input is rejected with a code, the field and the offending token", arguments: Self.rejections)
    func rejects(_ row: Rejection) {
        do {
            let cron = try CronExpression(row.input)
            Issue.record("accepted '\(row.input)' as \(cron.fields)")
        } catch {
            #expect(error.code == row.code)
            #expect(error.field == row.field)
            #expect(error.token == row.token)
        }
    }

    @Test("the error message names the field and quotes the offending token", arguments: Self.rejections)
    func rejectionMessage(_ row: Rejection) {
        do {
            _ = try CronExpression(row.input)
        } catch {
            #expect(!error.reason.isEmpty)
            if let field = row.field { #expect(error.description.hasPrefix("\(field.rawValue) field: ")) }
            // The whole token, or the offending value inside it ('60' of '0-60'), in quotes.
            let quoted = error.description.split(separator: "'", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 && !$0.element.isEmpty }.map { String($0.element) }
            if let token = row.token { #expect(quoted.contains { token.contains($0) }, "\(error.description)") }
        }
    }

    @Test("the message for a typical mistake reads as a sentence")
    func typicalMessages() {
        #expect(throws: CronError(.outOfRange, field: .minute, token: "61", reason: "'61' is out of range 0-59")) {
            try CronExpression("61 * * * *")
        }
        #expect(throws: CronError.self) { try CronExpression("0 0 1 DEC-JAN *") }
        do { _ = try CronExpression("0 0 1 DEC-JAN *") } catch {
            #expect(error.description == "month field: 'DEC-JAN' is a reversed range: its start must not be after its end")
        }
    }
}
