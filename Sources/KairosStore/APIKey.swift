import Foundation

/// What an API key may do (docs/API.md, authentication). Each role includes the ones before it.
public enum APIKeyRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Read jobs, executions, status, events and metrics.
    case viewer
    /// Also act: create, change and delete jobs, trigger, pause, resume, enable, disable, cancel.
    case `operator`
    /// Also manage API keys.
    case admin

    public static func < (lhs: APIKeyRole, rhs: APIKeyRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A stored API key. The secret itself is never stored: only its SHA-256 `hash` (hex) and a
/// short `prefix` that lets people recognise a key in lists.
public struct APIKeyRecord: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var name: String
    public var role: APIKeyRole
    /// The first characters of the secret, e.g. `kairos_3fA9`, shown in lists.
    public var prefix: String
    /// Lower-case hex SHA-256 of the whole secret; unique.
    public var hash: String
    public var createdAt: Date
    /// Set once when the key is revoked; a revoked key authenticates nothing.
    public var revokedAt: Date?

    public init(id: UUID = UUID(), name: String, role: APIKeyRole, prefix: String, hash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}

/// API keys, stored hashed.
public protocol APIKeyStore: Sendable {
    /// Stores a new key. Throws `keyConflict` when a key with the same hash exists.
    func createAPIKey(_ key: APIKeyRecord) async throws
    /// The key with this hash, revoked or not (`nil` if none).
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// Every key, oldest first; revoked ones only when asked.
    func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord]
    /// Revokes the key (idempotent: revoking a revoked key keeps its first `revokedAt`).
    /// Throws `notFound` for an unknown id.
    @discardableResult
    func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord
    /// How many keys were ever created, revoked ones included (0 means a fresh store).
    func apiKeyCount() async throws -> Int
    /// Stores `key` only if the store never had a key, atomically across handles and processes
    /// (instances starting together on an empty database create one first key between them);
    /// returns whether it was stored.
    func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool
}
