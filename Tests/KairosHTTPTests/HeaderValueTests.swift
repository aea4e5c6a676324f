import Foundation
import Testing

@testable import KairosHTTP

/// Header values parsed on the request path without Foundation.
@Suite("Header values")
struct HeaderValueTests {
    @Test("Bearer credentials: scheme in any case, spaces and tabs around ignored", arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("  Bearer \t abc \t", "abc"),
        ("Bearer kairos_x y", "kairos_x y"), ("Bearer ключ", "ключ"),
    ])
    func bearer(header: String, token: String) {
        #expect(HeaderValue.bearerToken(header) == token[...])
    }

    @Test("other forms have no Bearer credentials", arguments: ["", "Bearer", "Bearer   ", "Basic abc", "Bearerabc", "Bearex abc", "Bear abc", "Bearer\u{00A0}abc"])
    func notBearer(header: String) {
        #expect(HeaderValue.bearerToken(header) == nil)
    }

    @Test("trimming removes only spaces and tabs at both ends", arguments: [
        ("  a b  ", "a b"), ("\ta\t", "a"), ("", ""), ("   ", ""), ("é ", "é"), (" \"3\"", "\"3\""), ("a\u{00A0}", "a\u{00A0}"),
    ])
    func trimmed(value: String, expected: String) {
        #expect(HeaderValue.trimmed(value[...]) == expected[...])
    }
}

/// Ids in paths parse exactly as `UUID(uuidString:)` parses them.
@Suite("UUID text")
struct UUIDTextTests {
    @Test("parses like Foundation", arguments: [
        "376D1503-5342-4AE8-8521-D75EBEB15B12", "376d1503-5342-4ae8-8521-d75ebeb15b12", "00000000-0000-0000-0000-000000000000",
        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "376D1503-5342-4AE8-8521-D75EBEB15B1", "376D1503-5342-4AE8-8521-D75EBEB15B123",
        "376D150305342-4AE8-8521-D75EBEB15B12", "376D1503-5342-4AE8-8521-D75EBEB15B1G", "report.daily", "", "----",
        "376D1503-5342-4AE8-8521-D75EBEB15B1é", "{376D1503-5342-4AE8-8521-D75EBEB15B12}", " 376D1503-5342-4AE8-8521-D75EBEB15B12",
    ])
    func parse(text: String) {
        #expect(UUIDText.parse(text) == UUID(uuidString: text))
    }
}
