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
