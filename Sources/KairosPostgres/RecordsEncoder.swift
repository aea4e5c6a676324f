import Foundation

/// Writes an array of flat records as the JSON that `jsonb_to_recordset` reads: one object per
/// record, its keys in snake_case (`jobId` → `job_id`), a `nil` optional left out (a missing
/// key reads as NULL). It stands in for Foundation's `JSONEncoder` with `convertToSnakeCase`,
/// which builds a tree of every value and converts every key again for every record: a third
/// of an engine's CPU at 5,000 fires a second (docs/PERFORMANCE.md, 2026-12-07 evening).
///
/// Records are flat: strings, booleans, integers, finite doubles and UUIDs (as text). Anything
/// nested throws `EncodingError.invalidValue`.
///
/// ```swift
/// let json = try RecordsEncoder.encode([LastRunRecord(id: id, lastRunAt: 1, lastStatus: "succeeded")])
/// // [{"id":"…","last_run_at":1,"last_status":"succeeded"}]
/// ```
struct RecordsEncoder {
    static func encode<T: Encodable>(_ records: [T]) throws -> String {
        let writer = RecordWriter()
        writer.bytes.reserveCapacity(64 + records.count * 160)
        writer.bytes.append(UInt8(ascii: "["))
        for (index, record) in records.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.bytes.append(UInt8(ascii: "{"))
            writer.firstKey = true
            try record.encode(to: writer)
            writer.bytes.append(UInt8(ascii: "}"))
        }
        writer.bytes.append(UInt8(ascii: "]"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `camelCase` as `snake_case`, as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`
    /// converts keys without acronyms (the records' keys have none).
    static func snakeCase(_ key: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(key.unicodeScalars.count + 4)
        for scalar in key.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                if !result.isEmpty { result.unicodeScalars.append("_") }
                result.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// The encoder a record writes itself to: the open object's bytes and the keys converted so far.
private final class RecordWriter: Encoder {
    var bytes: [UInt8] = []
    var firstKey = true
    private var keys: [String: [UInt8]] = [:]
    let codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RecordContainer<Key>(writer: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("RecordsEncoder writes flat records only: a record encodes itself through a keyed container")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        preconditionFailure("RecordsEncoder writes flat records only: a record encodes itself through a keyed container")
    }

    /// `,"key":` (no comma before the object's first key).
    func key(_ key: any CodingKey) {
        if firstKey { firstKey = false } else { bytes.append(UInt8(ascii: ",")) }
        if let converted = keys[key.stringValue] {
            bytes.append(contentsOf: converted)
            return
        }
        var converted: [UInt8] = [UInt8(ascii: "\"")]
        converted.append(contentsOf: RecordsEncoder.snakeCase(key.stringValue).utf8)
        converted.append(contentsOf: "\":".utf8)
        keys[key.stringValue] = converted
        bytes.append(contentsOf: converted)
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`,
    /// everything else as its UTF-8 bytes.
    func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func number<N: BinaryInteger>(_ value: N) {
        bytes.append(contentsOf: String(value).utf8)
    }
}

private struct RecordContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: RecordWriter
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        writer.key(key)
        writer.bytes.append(contentsOf: "null".utf8)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        writer.key(key)
        writer.bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        writer.key(key)
        writer.string(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [key], debugDescription: "\(value) is not a JSON number"))
        }
        writer.key(key)
        writer.bytes.append(contentsOf: "\(value)".utf8)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws { try encode(Double(value), forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { writer.key(key); writer.number(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { writer.key(key); writer.number(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        guard let uuid = value as? UUID else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [key], debugDescription: "RecordsEncoder writes flat records: \(T.self) is not a column value"))
        }
        writer.key(key)
        writer.string(uuid.uuidString)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("RecordsEncoder writes flat records: '\(key.stringValue)' is nested")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("RecordsEncoder writes flat records: '\(key.stringValue)' is nested")
    }

    mutating func superEncoder() -> any Encoder { preconditionFailure("RecordsEncoder writes flat records") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("RecordsEncoder writes flat records") }
}
