import Foundation

/// The UTC offsets of one IANA time zone as a table of transitions, built once per zone.
///
/// Cron fields are matched against local wall-clock time. Converting with `Calendar` on every
/// step is slow, so the zone's history is flattened into *periods*: maximal runs of instants
/// that share one UTC offset. Period `p` starts at `starts[p]` (the first period starts at the
/// beginning of time) and has offset `offsets[p]`. Within a period, local time is plain
/// arithmetic: `local = instant + offset`.
///
/// The table covers 1900 to 2200, the range in which Foundation's zone data is meaningful;
/// outside it the nearest known offset applies.
///
/// ```swift
/// let rules = try ZoneRules.named("America/New_York")
/// rules.offset(at: 1_772_953_200)   // -14400 (EDT, just after 2026-03-08 02:00 EST)
/// ```
public final class ZoneRules: Sendable, CustomStringConvertible {
    /// The IANA identifier, e.g. `Europe/London`.
    public let identifier: String
    /// Start instant (seconds since 1970, UTC) of each period; `starts[0]` is `Int64.min`.
    let starts: [Int64]
    /// UTC offset in seconds of each period.
    let offsets: [Int64]
    /// The smallest and largest offset the zone ever uses; they bound the search for the
    /// instants a local time may correspond to.
    let minOffset: Int64
    let maxOffset: Int64

    /// UTC: one period, offset zero.
    public static let utc = ZoneRules(identifier: "UTC", starts: [.min], offsets: [0])

    init(identifier: String, starts: [Int64], offsets: [Int64]) {
        self.identifier = identifier
        self.starts = starts
        self.offsets = offsets
        self.minOffset = offsets.min() ?? 0
        self.maxOffset = offsets.max() ?? 0
    }

    public var description: String { identifier }

    /// Year 1900 and year 2200 as seconds since 1970: the span of the transition table.
    static let tableStart: Int64 = -2_208_988_800
    static let tableEnd: Int64 = 7_258_118_400

    private static let cache = Locked<[String: ZoneRules]>(["UTC": .utc])

    /// The rules of the named IANA zone (cached; the first call per zone costs well under a
    /// millisecond).
    /// - Throws: ``ZoneError`` when the name is not a known time zone.
    public static func named(_ identifier: String) throws(ZoneError) -> ZoneRules {
        if let cached = cache.withLock({ $0[identifier] }) { return cached }
        guard Self.isPlausibleIdentifier(identifier), let zone = TimeZone(identifier: identifier) else {
            throw ZoneError(identifier: identifier, suggestion: Self.knownIdentifier(caseInsensitive: identifier))
        }
        let rules = ZoneRules(zone: zone, identifier: identifier)
        return cache.withLock { cache in
            if let raced = cache[identifier] { return raced }
            cache[identifier] = rules
            return rules
        }
    }

    /// The known zone spelled like `identifier` but for case (`europe/paris` → `Europe/Paris`),
    /// for a hint; only looked for when a name is refused.
    static func knownIdentifier(caseInsensitive identifier: String) -> String? {
        let wanted = identifier.lowercased()
        return (["UTC"] + TimeZone.knownTimeZoneIdentifiers).first { $0.lowercased() == wanted && $0 != identifier }
    }

    /// Foundation accepts some odd spellings (empty strings on some platforms, paths); allow
    /// only what IANA identifiers and fixed `GMT+hh` style names look like.
    private static func isPlausibleIdentifier(_ identifier: String) -> Bool {
        guard !identifier.isEmpty, identifier.utf8.count <= 64 else { return false }
        return identifier.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2F || byte == 0x5F || byte == 0x2D || byte == 0x2B
        } && !identifier.hasPrefix("/") && !identifier.contains("..")
    }

    private convenience init(zone: TimeZone, identifier: String) {
        var starts: [Int64] = [.min]
        var offsets: [Int64] = [Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.tableStart))))]
        var cursor = Date(timeIntervalSince1970: Double(Self.tableStart))
        // Each step moves strictly forward; the bound only guards against a misbehaving zone.
        for _ in 0..<10_000 {
            guard let next = zone.nextDaylightSavingTimeTransition(after: cursor),
                next.timeIntervalSince1970 < Double(Self.tableEnd), next > cursor
            else { break }
            cursor = next
            let offset = Int64(zone.secondsFromGMT(for: next))
            if offset != offsets[offsets.count - 1] {
                starts.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
            }
        }
        self.init(identifier: identifier, starts: starts, offsets: offsets)
    }

    /// Index of the period that contains `instant`.
    @inline(__always)
    func period(containing instant: Int64) -> Int {
        var low = 0
        var high = starts.count  // invariant: starts[low] <= instant < starts[high] (high may be count)
        while high - low > 1 {
            let mid = (low + high) >> 1
            if starts[mid] <= instant { low = mid } else { high = mid }
        }
        return low
    }

    /// First instant after period `p`, or `Int64.max` for the last period.
    @inline(__always)
    func end(ofPeriod p: Int) -> Int64 {
        p + 1 < starts.count ? starts[p + 1] : .max
    }

    /// The UTC offset, in seconds, in force at `instant` (seconds since 1970).
    public func offset(at instant: Int64) -> Int64 {
        offsets[period(containing: instant)]
    }

    /// How a local wall-clock time maps to a real instant (docs/CRON.md, daylight saving).
    enum LocalResolution: Equatable {
        /// The wall time occurs once (or the earlier of two occurrences during a fall-back).
        case exists(Int64)
        /// The wall time lies in a gap; the value is the first instant after the gap.
        case gap(instant: Int64, gapEndLocal: Int64)
    }

    /// Maps a local time (seconds since 1970-01-01T00:00 local) to the earliest instant that
    /// shows it, or to the end of the gap it falls in.
    func resolve(local: Int64) -> LocalResolution {
        let first = period(containing: local &- maxOffset)
        let last = period(containing: local &- minOffset)
        var p = first
        while p <= last {
            let instant = local &- offsets[p]
            if instant >= starts[p] && instant < end(ofPeriod: p) { return .exists(instant) }
            p += 1
        }
        // No period shows this wall time: it lies in a gap that ends at some period start.
        p = max(first, 1)
        while p <= last {
            let gapStart = starts[p] &+ offsets[p - 1]
            let gapEnd = starts[p] &+ offsets[p]
            if local >= gapStart && local < gapEnd { return .gap(instant: starts[p], gapEndLocal: gapEnd) }
            p += 1
        }
        // Unreachable for consistent tables; fall back to the offset before the candidates.
        return .exists(local &- offsets[first])
    }
}

/// An unknown or malformed time-zone name, with the known name it differs from only by case.
public struct ZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name that was given.
    public var identifier: String
    /// The known zone spelled the same in another case (IANA names are case-sensitive).
    public var suggestion: String?

    public var description: String {
        if let suggestion { return "unknown time zone '\(identifier)': did you mean '\(suggestion)'? (zone names are case-sensitive)" }
        return "unknown time zone '\(identifier)': expected an IANA name such as 'Europe/London' or 'UTC'"
    }
}
