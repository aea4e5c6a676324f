import KairosCore

/// Values decoded from stored JSON texts that many rows share — the default retry policy,
/// `{}` arguments, a schedule given to many jobs — so that a driver reading thousands of
/// jobs per second decodes each distinct text once. Measured (docs/PERFORMANCE.md, "Past
/// capacity"): with more due jobs than a driver's spec cache holds, `JSONDecoder` took a
/// fifth of the SQLite writer's time in every scheduling pass.
///
/// Up to `limit` distinct texts of at most ``maximumLength`` bytes (a long text is decoded
/// each time: large arguments are rarely shared, and would make the cache large); when full
/// it starts again empty (texts that do repeat are back after one read each; texts that
/// never repeat cost a lookup).
///
/// ```swift
/// let retries = StoredTextCache<RetryPolicy>(limit: 1_024)
/// let retry = try retries.value(for: text) { try JSONDecoder().decode(RetryPolicy.self, from: Data($0.utf8)) }
/// ```
package final class StoredTextCache<Value: Sendable>: Sendable {
    private let entries = Locked<[String: Value]>([:])
    private let limit: Int

    package init(limit: Int) {
        self.limit = limit
    }

    /// The longest text kept, in UTF-8 bytes.
    package static var maximumLength: Int { 1_024 }

    /// The value of `text`, decoded by `decode` unless a read of the same text decoded it.
    package func value(for text: String, decode: (String) throws -> Value) throws -> Value {
        guard text.utf8.count <= Self.maximumLength else { return try decode(text) }
        if let value = entries.withLock({ $0[text] }) { return value }
        let value = try decode(text)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[text] = value
        }
        return value
    }
}
