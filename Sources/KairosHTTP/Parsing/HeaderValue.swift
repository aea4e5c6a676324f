/// Header value parsing on the request path, on UTF-8 bytes: Foundation's
/// `trimmingCharacters(in:)` bridges through `NSString` and took 3.4 % of the CPU of
/// `GET /jobs/{id}` under wrk (docs/PERFORMANCE.md).
enum HeaderValue {
    /// `value` without leading and trailing spaces and tabs (RFC 9110 "OWS").
    static func trimmed(_ value: Substring) -> Substring {
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return value[value.endIndex...]
        }
        return value[first..<utf8.index(after: last)]
    }

    /// The credentials of `Bearer <key>` (the scheme in any case, RFC 9110 §11.1), or `nil`
    /// when the header has another form.
    static func bearerToken(_ authorization: String) -> Substring? {
        let value = trimmed(authorization[...])
        guard let space = value.utf8.firstIndex(where: isSpace) else { return nil }
        // `| 0x20` lowercases ASCII letters; every byte of "bearer" is a lowercase letter.
        guard value[..<space].utf8.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = trimmed(value[space...])
        return token.isEmpty ? nil : token
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
