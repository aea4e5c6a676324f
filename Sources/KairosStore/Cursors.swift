import Foundation
import KairosCore

/// Where a page of a job list ends: the order it was made in, the last item's sort value and
/// its key (keyset pagination). Opaque to clients (base64 of a small JSON object); a cursor of
/// another order, or anything else, is refused with `invalidCursor`. Drivers share it so that
/// every store answers bad cursors the same way.
public struct JobCursor: Codable, Sendable, Hashable {
    /// A sort value: text (key, name) or an integer (priority, instants in microseconds).
    public enum Value: Codable, Sendable, Hashable {
        case text(String)
        case integer(Int64)
    }

    public let sort: String
    public let value: Value
    public let key: String

    public init(sort: JobQuery.Sort, value: Value, key: String) {
        self.sort = sort.description
        self.value = value
        self.key = key
    }

    /// Parses a cursor produced for a list in `sort` order.
    public init(_ text: String, sort: JobQuery.Sort) throws {
        guard let data = Data(base64Encoded: text), let cursor = try? JSONDecoder().decode(Self.self, from: data), !cursor.key.isEmpty else {
            throw StoreError(.invalidCursor, "the cursor '\(text)' is not a cursor of the job list")
        }
        guard cursor.sort == sort.description else {
            throw StoreError(.invalidCursor, "the cursor is for the job list sorted by '\(cursor.sort)', not by '\(sort)'")
        }
        self = cursor
    }

    public var text: String { ((try? JSONEncoder().encode(self)) ?? Data()).base64EncodedString() }
}

/// Where a page of execution history ends: the last item's scheduled time (microseconds) and
/// id, newest first. Opaque to clients: base64 of `"<micros>:<id>"`.
public struct HistoryCursor: Sendable, Hashable {
    public var micros: Int64
    public var id: UUID

    public init(after execution: Execution) {
        micros = Self.micros(execution.scheduledAt)
        id = execution.id
    }

    public init(_ text: String) throws {
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":"), let micros = Int64(decoded[..<colon]),
            let id = UUID(uuidString: String(decoded[decoded.index(after: colon)...]))
        else {
            throw StoreError(.invalidCursor, "the cursor '\(text)' is not a cursor of the execution history")
        }
        self.micros = micros
        self.id = id
    }

    public var text: String { Data("\(micros):\(id.uuidString)".utf8).base64EncodedString() }

    /// An instant as whole microseconds since 1970, the precision stores keep.
    public static func micros(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return value > 0 ? Int64.max : Int64.min }
        return Int64(max(min(value, 9.2e18), -9.2e18))
    }
}

extension UUID {
    /// Byte order, as databases compare 16-byte ids.
    public static func bytesPrecede(_ a: UUID, _ b: UUID) -> Bool {
        withUnsafeBytes(of: a.uuid) { x in withUnsafeBytes(of: b.uuid) { y in x.lexicographicallyPrecedes(y) } }
    }
}
