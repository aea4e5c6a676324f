import Foundation
import Testing

@testable import KairosPostgres

/// `RecordsEncoder` writes what `JSONEncoder` with `convertToSnakeCase` wrote before it, for the
/// records `jsonb_to_recordset` reads.
@Suite("Records as JSON")
struct RecordsEncoderTests {
    private struct Sample: Encodable {
        var id: UUID
        var jobKey: String
        var scheduledAt: Int64
        var attempt: Int
        var coalesceFires: Bool
        var errorMessage: String?
        var durationMs: Int?
        var ratio: Double
    }

    /// Text a JSON writer can get wrong: quotes, backslashes, every control character, non-ASCII.
    private static let texts = [
        "", "plain", "say \"hi\"", #"C:\path\to"#, "line\nbreak\r\ttab", String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self),
        "\u{7F} del", "é ü ß 東京 🦀", "</script>", "\u{2028}\u{2029}",
    ]

    private static func samples() -> [Sample] {
        texts.enumerated().map { index, text in
            Sample(
                id: UUID(), jobKey: text, scheduledAt: index % 2 == 0 ? .max : .min, attempt: index - 3, coalesceFires: index % 3 == 0,
                errorMessage: index % 2 == 0 ? nil : text, durationMs: index % 4 == 0 ? nil : index * 1_000, ratio: Double(index) / 8)
        }
    }

    private static func parsed(_ json: String) throws -> NSArray {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSArray)
    }

    @Test("the same objects as JSONEncoder with snake_case keys, nil optionals left out")
    func sameAsJSONEncoder() throws {
        let records = Self.samples()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let expected = try Self.parsed(String(decoding: try encoder.encode(records), as: UTF8.self))
        let written = try RecordsEncoder.encode(records)
        #expect(try Self.parsed(written) == expected)
        #expect(!written.contains("null"), "a nil optional is left out, as JSONEncoder leaves it")
        #expect(try RecordsEncoder.encode([Sample]()) == "[]")
    }

    @Test("keys in snake_case", arguments: [("id", "id"), ("jobId", "job_id"), ("lastRunAt", "last_run_at"), ("durationMs", "duration_ms")])
    func snakeCase(key: String, expected: String) {
        #expect(RecordsEncoder.snakeCase(key) == expected)
    }

    @Test("a value that is not a column (nested, not finite) throws, naming the key")
    func refusesNested() {
        struct Nested: Encodable { var inner: [Int] }
        struct Infinite: Encodable { var ratio: Double }
        #expect(throws: EncodingError.self) { try RecordsEncoder.encode([Nested(inner: [1])]) }
        #expect(throws: EncodingError.self) { try RecordsEncoder.encode([Infinite(ratio: .infinity)]) }
    }
}
