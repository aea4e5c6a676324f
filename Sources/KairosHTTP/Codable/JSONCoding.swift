import Foundation
import Hummingbird
import KairosCore

/// The API's JSON: camelCase keys, instants as ISO 8601 in UTC with fractional seconds when
/// there are any (``Timestamp/formatPrecise(_:in:)``), the same text the store keeps.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.formatPrecise(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            do { return try Timestamp.parse(text) } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
            }
        }
        return decoder
    }()

    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try encoder.encode(value))
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: try JSONCoding.encode(value)))
    }

    /// An RFC 9457 problem response.
    static func problem(_ error: APIError, instance: String?) -> Response {
        let body = (try? JSONCoding.encode(ProblemDetails(error, instance: instance))) ?? ByteBuffer(string: "{}")
        return Response(status: error.code.status, headers: [.contentType: ProblemDetails.mediaType], body: .init(byteBuffer: body))
    }
}

extension Request {
    /// The body as JSON, after checking its media type (415) and size (413, before reading it
    /// all when `Content-Length` says so); malformed JSON is a 400 naming where it broke, and
    /// so are trailing commas and repeated member names (``StrictJSON``).
    mutating func jsonBody(limit: Int) async throws -> JSONValue {
        let data = Data(buffer: try await collectJSONBody(limit: limit))
        let value: JSONValue
        do {
            value = try JSONCoding.decoder.decode(JSONValue.self, from: data)
        } catch {
            throw APIError(.badRequest, "the request body is not valid JSON: \(Self.describe(error))")
        }
        do {
            try data.withUnsafeBytes { try StrictJSON.check($0) }
        } catch let error as StrictJSONError {
            throw APIError(.badRequest, "the request body is not valid JSON: \(error)",
                issues: [FieldIssue(field: error.path, code: error.code.rawValue, message: error.description)])
        }
        return value
    }

    /// An optional JSON body: an empty body (and no `Content-Type`) is `nil`.
    mutating func optionalJSONBody(limit: Int) async throws -> JSONValue? {
        if headers[.contentType] == nil, headers[.contentLength] == nil || headers[.contentLength] == "0" {
            let buffer = try await collectBody(upTo: limit)
            guard buffer.readableBytes == 0 else {
                throw APIError(.unsupportedMediaType, "a request body must be JSON with Content-Type: application/json")
            }
            return nil
        }
        return try await jsonBody(limit: limit)
    }

    private mutating func collectJSONBody(limit: Int) async throws -> ByteBuffer {
        guard let contentType = headers[.contentType] else {
            throw APIError(.unsupportedMediaType, "a request body must be JSON with Content-Type: application/json")
        }
        let mediaType = contentType.split(separator: ";").first.map { HeaderValue.trimmed($0).lowercased() } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw APIError(.unsupportedMediaType, "Content-Type '\(contentType)' is not supported: send application/json")
        }
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "the request body is \(length) bytes; the limit is \(limit) bytes")
        }
        do {
            return try await collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "the request body is over the limit of \(limit) bytes")
        }
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError as NSError? {
                return underlying.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            }
            return context.debugDescription
        }
        return "\(error)"
    }

    /// A query parameter, if present.
    func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }

    /// Rejects query parameters the route does not know, naming them.
    func checkQuery(allowed: Set<String>) throws {
        let unknown = Set(uri.queryParameters.map { String($0.key) }).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            let known = allowed.isEmpty ? "this route takes none" : "known: " + allowed.sorted().joined(separator: ", ")
            throw APIError(
                .badRequest, "unknown query parameter\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) (\(known))",
                issues: unknown.map { FieldIssue(field: $0, code: "unknownParameter", message: "\($0) is not a parameter of this route") })
        }
        // A NUL would be cut off (SQLite) or refused (PostgreSQL) by the store: say so here.
        if let (name, _) = uri.queryParameters.first(where: { $0.value.unicodeScalars.contains("\u{0}") }) {
            throw APIError.badParameter(String(name), "\(name) must not contain U+0000 (NUL)")
        }
    }
}
