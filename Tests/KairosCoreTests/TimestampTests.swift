import Foundation
import Testing

@testable import KairosCore

/// `Timestamp`: ISO 8601 with the UTC offset in force in a zone, formatted and parsed without
/// Foundation's formatters. Expected values were checked with Python's `datetime`/`zoneinfo`.
@Suite("Timestamps")
struct TimestampTests {
    // MARK: Formatting

    @Test("an instant is written as local time with the offset in force at that instant", arguments: [
        (0, "UTC", "1970-01-01T00:00:00+00:00"),
        (-1, "UTC", "1969-12-31T23:59:59+00:00"),
        (1_835_438_400, "UTC", "2028-02-29T12:00:00+00:00"),
        (253_402_300_799, "UTC", "9999-12-31T23:59:59+00:00"),
        (253_402_300_800, "UTC", "10000-01-01T00:00:00+00:00"),
        (1_772_953_199, "America/New_York", "2026-03-08T01:59:59-05:00"),
        (1_772_953_200, "America/New_York", "2026-03-08T03:00:00-04:00"),
        (1_793_511_000, "America/New_York", "2026-11-01T01:30:00-04:00"),
        (1_793_514_600, "America/New_York", "2026-11-01T01:30:00-05:00"),
        (-14_182_940, "America/New_York", "1969-07-20T16:17:40-04:00"),
        (1_767_225_600, "Pacific/Chatham", "2026-01-01T13:45:00+13:45"),
        (1_782_864_000, "Pacific/Chatham", "2026-07-01T12:45:00+12:45"),
        (1_790_431_199, "Pacific/Chatham", "2026-09-27T02:44:59+12:45"),
        (1_790_431_200, "Pacific/Chatham", "2026-09-27T03:45:00+13:45"),
        (1_767_225_600, "Australia/Lord_Howe", "2026-01-01T11:00:00+11:00"),
        (1_782_864_000, "Australia/Lord_Howe", "2026-07-01T10:30:00+10:30"),
        (1_767_225_600, "Asia/Kolkata", "2026-01-01T05:30:00+05:30"),
        (1_767_225_600, "Asia/Kathmandu", "2026-01-01T05:45:00+05:45"),
        (1_767_225_600, "America/St_Johns", "2025-12-31T20:30:00-03:30"),
        // A change of standard offset, not daylight saving: Venezuela, 1 May 2016.
        (1_462_085_999, "America/Caracas", "2016-05-01T02:29:59-04:30"),
        (1_462_086_000, "America/Caracas", "2016-05-01T03:00:00-04:00"),
        // Liberia kept -00:44:30 until 1972: an offset with seconds is written in full.
        (0, "Africa/Monrovia", "1969-12-31T23:15:30-00:44:30"),
    ] as [(Int64, String, String)])
    func format(seconds: Int64, zone: String, expected: String) throws {
        let rules = try ZoneRules.named(zone)
        #expect(Timestamp.format(seconds: seconds, in: rules) == expected)
        #expect(Timestamp.format(Date(timeIntervalSince1970: Double(seconds)), in: rules) == expected)
    }

    @Test("fractions of a second are dropped, rounding towards the past", arguments: [
        (0.999, "1970-01-01T00:00:00+00:00"),
        (-0.5, "1969-12-31T23:59:59+00:00"),
        (1_767_225_600.25, "2026-01-01T00:00:00+00:00"),
    ])
    func formatFraction(interval: Double, expected: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: interval)) == expected)
    }

    // MARK: Parsing

    @Test("an explicit offset (Z, ±hh:mm, ±hhmm or ±hh) fixes the instant whatever the default zone", arguments: [
        ("2026-03-08T02:30:00-05:00", "2026-03-08T07:30:00+00:00"),
        ("2026-03-08T07:30:00Z", "2026-03-08T07:30:00+00:00"),
        ("2026-03-08t07:30:00z", "2026-03-08T07:30:00+00:00"),
        ("2026-03-08 07:30Z", "2026-03-08T07:30:00+00:00"),
        ("2026-01-01T13:45:00+13:45", "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T13:45+1345", "2026-01-01T00:00:00+00:00"),
        ("2026-07-01T12:45+12:45", "2026-07-01T00:00:00+00:00"),
        ("2026-01-01T13:00+13", "2026-01-01T00:00:00+00:00"),
        ("2025-12-31T20:30-03:30", "2026-01-01T00:00:00+00:00"),
        ("2025-12-31T20:30-0330", "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T00:00:00-00:00", "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T14:00+14:00", "2026-01-01T00:00:00+00:00"),
        ("2028-02-29T00:00Z", "2028-02-29T00:00:00+00:00"),
        ("2000-02-29T23:59:59+18:00", "2000-02-29T05:59:59+00:00"),
    ])
    func parseWithOffset(text: String, utc: String) throws {
        for zone in ["UTC", "America/New_York", "Pacific/Chatham"] {
            #expect(Timestamp.format(try Timestamp.parse(text, defaultZone: ZoneRules.named(zone))) == utc)
        }
    }

    @Test("without an offset the time is local in the default zone: earlier instant if repeated, gap end if skipped", arguments: [
        ("2026-03-08", "UTC", "2026-03-08T00:00:00+00:00"),
        ("2026-03-08", "America/New_York", "2026-03-08T05:00:00+00:00"),
        ("2026-01-01T09:30", "Asia/Kathmandu", "2026-01-01T03:45:00+00:00"),
        ("2026-01-01T12:00", "Pacific/Chatham", "2025-12-31T22:15:00+00:00"),
        ("2026-03-07T12:00:00", "America/New_York", "2026-03-07T17:00:00+00:00"),
        // Repeated wall times: the earlier instant.
        ("2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00+00:00"),
        ("2026-04-05T03:00", "Pacific/Chatham", "2026-04-04T13:15:00+00:00"),
        ("2026-04-05T01:45", "Australia/Lord_Howe", "2026-04-04T14:45:00+00:00"),
        // Wall times in a gap: the first instant after the gap.
        ("2026-03-08T02:30", "America/New_York", "2026-03-08T07:00:00+00:00"),
        ("2026-09-27T03:00", "Pacific/Chatham", "2026-09-26T14:00:00+00:00"),
        ("2026-10-04T02:15", "Australia/Lord_Howe", "2026-10-03T15:30:00+00:00"),
    ])
    func parseLocal(text: String, zone: String, utc: String) throws {
        #expect(Timestamp.format(try Timestamp.parse(text, defaultZone: ZoneRules.named(zone))) == utc)
    }

    @Test("fractional seconds are kept, after '.' or ','", arguments: [
        ("2026-01-01T00:00:00.25Z", 1_767_225_600.25),
        ("2026-01-01T00:00:00,5Z", 1_767_225_600.5),
        ("2026-01-01T00:00:00.125+00:00", 1_767_225_600.125),
    ])
    func parseFraction(text: String, interval: Double) throws {
        #expect(abs(try Timestamp.parse(text).timeIntervalSince1970 - interval) < 1e-6)
    }

    @Test("a formatted instant parses back to the same instant", arguments: [
        "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-09-27T03:45:00+13:45", "2026-04-05T02:50:00+12:45",
        "2026-10-04T02:30:00+11:00", "1969-07-20T16:17:40-04:00", "2026-01-01T05:45:00+05:45",
    ])
    func roundTrip(text: String) throws {
        let date = try Timestamp.parse(text)
        let zone = try ZoneRules.named(
            text.hasSuffix("+13:45") || text.hasSuffix("+12:45") ? "Pacific/Chatham"
                : text.hasSuffix("+11:00") ? "Australia/Lord_Howe" : text.hasSuffix("+05:45") ? "Asia/Kathmandu" : "America/New_York")
        #expect(Timestamp.format(date, in: zone) == text)
    }

    @Test("malformed timestamps are rejected with a reason", arguments: [
        ("", "expected 4 digits for the year"),
        (" 2026-01-01", "expected 4 digits for the year"),
        ("26-01-01", "expected 4 digits for the year"),
        ("2026/01/01", "expected '-' after the year"),
        ("2026-1-01", "expected 2 digits for the month"),
        ("2026-01-1", "expected 2 digits for the day"),
        ("2026-13-01", "month 13 is not 1-12"),
        ("2026-00-10", "month 0 is not 1-12"),
        ("2026-01-00", "day 0 does not exist in 2026-01"),
        ("2026-02-29", "day 29 does not exist in 2026-02"),
        ("2100-02-29T00:00Z", "day 29 does not exist in 2100-02"),
        ("2026-04-31T00:00Z", "day 31 does not exist in 2026-04"),
        ("2026-01-01T", "expected 2 digits for the hour"),
        ("2026-01-01T1:00", "expected 2 digits for the hour"),
        ("2026-01-01T12", "expected ':' after the hour"),
        ("2026-01-01T24:00", "hour 24 is not 0-23"),
        ("2026-01-01T12:60", "minute 60 is not 0-59"),
        ("2026-01-01T12:00:60Z", "second 60 is not 0-59"),
        ("2026-01-01T12:00:00.Z", "expected digits after the decimal point"),
        ("2026-01-01T12:00+5", "expected 2 digits for the offset hours"),
        ("2026-01-01T12:00+05:3", "expected 2 digits for the offset minutes"),
        ("2026-01-01T12:00+19:00", "offset out of range"),
        ("2026-01-01T12:00+05:60", "offset out of range"),
        ("2026-01-01X", "unexpected 'X'"),
        ("2026-01-01T12:00 ", "unexpected ' '"),
        ("2026-01-01T12:00:00Zjunk", "unexpected text after the timestamp"),
        ("2026-01-01T12:00:00+01:00Z", "unexpected text after the timestamp"),
    ])
    func rejects(text: String, reason: String) {
        #expect(throws: TimestampError(text: text, reason: reason)) { try Timestamp.parse(text) }
    }

    @Test("the error message quotes the input, says what is wrong and shows the expected form")
    func errorMessage() {
        let error = TimestampError(text: "2026-13-01", reason: "month 13 is not 1-12")
        #expect(error.description == "invalid timestamp '2026-13-01': month 13 is not 1-12 (expected ISO 8601, e.g. 2026-03-08T02:30:00-05:00)")
        #expect(throws: error) { try Timestamp.parse("2026-13-01") }
    }
}
