import Foundation
import Hummingbird
import KairosCore
import KairosStore

extension KairosAPI {
    func addKeyRoutes(to table: inout RouteTable) {
        let keys = Self.prefix + "/keys"

        table.add(.get, keys, .role(.admin)) { request, _ in
            try request.checkQuery(allowed: ["includeRevoked"])
            let includeRevoked = try request.query("includeRevoked").map { try Self.bool("includeRevoked", $0) } ?? false
            let records = try await store.listAPIKeys(includeRevoked: includeRevoked)
            return try Response.json(ListResource(items: records.map { KeyResource($0) }, nextCursor: nil))
        }

        table.add(.post, keys, .role(.admin)) { request, _ in
            try request.checkQuery(allowed: [])
            let body = try await request.jsonBody(limit: configuration.maxBodySize)
            let (name, role) = try Self.newKeyFields(body)
            let (secret, record) = APIKeySecret.make(name: name, role: role, now: engine.clock.now())
            try await store.createAPIKey(record)
            return try Response.json(KeyResource(record, secret: secret), status: .created, headers: [.location: "\(keys)/\(record.id)"])
        }

        table.add(.delete, keys + "/{key}", .role(.admin)) { request, context in
            try request.checkQuery(allowed: [])
            let text = context.parameters.get("key") ?? ""
            guard let id = UUIDText.parse(text) else { throw APIError(.notFound, "no API key with id '\(text)' (a key id is a UUID)") }
            return try Response.json(KeyResource(try await revokeKey(id: id)))
        }
    }

    /// Revokes a key (the API's and the dashboard's one path): never the last active admin key
    /// (409); the key stops working in this process at once.
    public func revokeKey(id: UUID) async throws -> APIKeyRecord {
        let active = try await store.listAPIKeys(includeRevoked: false)
        if let target = active.first(where: { $0.id == id }), target.role == .admin, active.filter({ $0.role == .admin }).count == 1 {
            throw APIError(.conflict, "'\(target.name)' is the last active admin key; create another admin key before revoking it")
        }
        let revoked = try await store.revokeAPIKey(id: id, now: engine.clock.now())
        authenticator.forget(keyId: id)
        return revoked
    }

    /// The name and role of a new key, validated: every bad field at once.
    public static func newKeyFields(_ body: JSONValue) throws -> (name: String, role: APIKeyRole) {
        guard case .object(let fields) = body else {
            throw APIError(.validationFailed, "the body must be a JSON object like {\"name\": \"deploy\", \"role\": \"operator\"}",
                issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
        }
        var issues = fields.keys.filter { !["name", "role"].contains($0) }.sorted().map {
            FieldIssue(field: $0, code: "unknownField", message: "\($0) is not a field of an API key")
        }
        let name = fields["name"]?.stringValue?.trimmingCharacters(in: .whitespaces)
        if name == nil || name!.isEmpty || name!.count > 100 {
            issues.append(FieldIssue(field: "name", code: fields["name"] == nil ? "required" : "invalidValue", message: "name must be a string of 1 to 100 characters"))
        } else if name!.unicodeScalars.contains("\u{0}") {
            issues.append(FieldIssue(field: "name", code: "invalidCharacter", message: "name must not contain U+0000 (NUL)"))
        }
        let roles = APIKeyRole.allCases.map(\.rawValue).joined(separator: ", ")
        let role = fields["role"]?.stringValue.flatMap(APIKeyRole.init(rawValue:))
        if role == nil {
            issues.append(FieldIssue(field: "role", code: fields["role"] == nil ? "required" : "invalidValue", message: "role must be one of \(roles)"))
        }
        guard issues.isEmpty, let name, let role else { throw ValidationError(issues) }
        return (name, role)
    }
}

/// An API key as listed: never its secret, except once in the answer that created it.
struct KeyResource: Encodable {
    let record: APIKeyRecord
    var secret: String?

    init(_ record: APIKeyRecord, secret: String? = nil) {
        self.record = record
        self.secret = secret
    }

    private enum Keys: String, CodingKey { case id, name, role, prefix, createdAt, revokedAt, secret }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(record.name, forKey: .name)
        try container.encode(record.role, forKey: .role)
        try container.encode(record.prefix, forKey: .prefix)
        try container.encode(record.createdAt, forKey: .createdAt)
        try container.encode(record.revokedAt, forKey: .revokedAt)
        if let secret { try container.encode(secret, forKey: .secret) }
    }
}
