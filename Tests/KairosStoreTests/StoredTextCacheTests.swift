import KairosCore
@testable import KairosStore
import Testing

@Suite("Stored text cache")
struct StoredTextCacheTests {
    /// Counts the decodes it is asked for.
    final class Decodes: @unchecked Sendable {
        var count = 0
        func decode(_ text: String) -> Int {
            count += 1
            return text.count
        }
    }

    @Test func aTextSharedByManyRowsIsDecodedOnce() throws {
        let cache = StoredTextCache<Int>(limit: 8)
        let decodes = Decodes()
        for _ in 0..<100 { #expect(try cache.value(for: #"{"maxRetries":0}"#, decode: decodes.decode) == 16) }
        #expect(decodes.count == 1)
    }

    @Test func aLongTextIsDecodedEachTimeAndAFullCacheStartsAgain() throws {
        let cache = StoredTextCache<Int>(limit: 8)
        let decodes = Decodes()
        let long = String(repeating: "x", count: StoredTextCache<Int>.maximumLength + 1)
        for _ in 0..<3 { _ = try cache.value(for: long, decode: decodes.decode) }
        #expect(decodes.count == 3)
        for index in 0..<9 { _ = try cache.value(for: "text \(index)", decode: decodes.decode) }
        #expect(decodes.count == 12)
        _ = try cache.value(for: "text 8", decode: decodes.decode)
        _ = try cache.value(for: "text 0", decode: decodes.decode)
        #expect(decodes.count == 13, "the ninth text started an empty cache; the first is decoded again")
    }

    @Test func aFailedDecodeIsNotKept() throws {
        struct Bad: Error {}
        let cache = StoredTextCache<Int>(limit: 8)
        #expect(throws: Bad.self) { try cache.value(for: "{", decode: { _ in throw Bad() }) }
        #expect(try cache.value(for: "{", decode: { _ in 7 }) == 7)
    }
}
