import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    /// API keys, for admins: list, create (the secret shown once), revoke.
    func addKeyRoutes(to pages: inout PageTable) {
        pages.add(.get, "/keys", .admin) { page in
            try await keysPage(page, created: nil, name: "", role: "viewer", issues: [], status: .ok)
        }

        pages.add(.post, "/keys", .admin) { page in
            let name = page.form["name"] ?? ""
            let role = page.form["role"] ?? ""
            do {
                let (validName, validRole) = try KairosAPI.newKeyFields(.object(["name": .string(name), "role": .string(role)]))
                let (secret, record) = APIKeySecret.make(name: validName, role: validRole, now: engine.clock.now())
                try await store.createAPIKey(record)
                return try await keysPage(page, created: CreatedKey(name: record.name, role: record.role.rawValue, secret: secret),
                    name: "", role: "viewer", issues: [], status: .created)
            } catch let error as ValidationError {
                return try await keysPage(page, created: nil, name: name, role: role, issues: error.issues, status: .unprocessableContent)
            }
        }

        pages.add(.post, "/keys/{key}/revoke", .admin) { page in
            let reference = page.parameter("key")
            guard let id = UUID(uuidString: reference) else { throw DashboardError(.notFound, "There is no API key with the id '\(reference)'.") }
            _ = try await api.revokeKey(id: id)
            return Response.redirect(to: "/keys")
        }
    }

    func keysPage(_ page: PageRequest, created: CreatedKey?, name: String, role: String, issues: [FieldIssue], status: HTTPResponse.Status) async throws -> Response {
        let now = engine.clock.now()
        let showRevoked = page.query("revoked") == "true"
        let records = try await store.listAPIKeys(includeRevoked: showRevoked)
        let error = { (field: String) in issues.first { $0.field == field }?.message }
        let view = KeysPage(
            chrome: chrome(page, title: "API keys", section: "keys"),
            created: created,
            keys: records.map { KeyRow($0, now: now, current: $0.id == page.key.id) },
            showRevoked: showRevoked,
            name: name,
            nameError: error("name"),
            roles: APIKeyRole.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == role) },
            roleError: error("role"))
        return Response.html(renderer.render(view, template: "keys"), status: status)
    }
}

/// A key just created: the only time its secret is shown.
struct CreatedKey {
    var name: String
    var role: String
    var secret: String
}

struct KeyRow {
    var id: String
    var name: String
    var role: String
    var prefix: String
    var created: TimeView
    var revoked: TimeView?
    var current: Bool

    init(_ record: APIKeyRecord, now: Date, current: Bool) {
        id = record.id.uuidString
        name = record.name
        role = record.role.rawValue
        prefix = record.prefix
        created = TimeView(record.createdAt, now: now)
        revoked = record.revokedAt.map { TimeView($0, now: now) }
        self.current = current
    }
}

struct KeysPage {
    var chrome: Chrome
    var created: CreatedKey?
    var keys: [KeyRow]
    var showRevoked: Bool
    var name: String
    var nameError: String?
    var roles: [Option]
    var roleError: String?
}
