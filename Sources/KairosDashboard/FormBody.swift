import Foundation
import Hummingbird
import KairosHTTP

/// An `application/x-www-form-urlencoded` body: the fields in order (a name may repeat).
struct FormBody: Sendable {
    var fields: [(name: String, value: String)] = []

    subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Reads and parses the request body; over `limit` bytes is a 413, another media type a 415.
    static func read(_ request: inout Request, limit: Int) async throws -> FormBody {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw DashboardError(.unsupportedMediaType, "A form must be sent as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw DashboardError(.contentTooLarge, "The form is larger than \(limit / 1024) KiB.")
        }
        return FormBody(parsing: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    init() {}

    init(parsing text: String) {
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes a query value.
    static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A query string from pairs whose value is not empty (`?a=1&b=2`, or "").
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(encode(name))=\(encode($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
