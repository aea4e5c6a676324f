import Foundation
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    /// The columns of `api_keys` in the order ``decodeAPIKey(_:)`` reads them.
    static let apiKeyColumns = "id, name, role, prefix, hash, created_at, revoked_at"

    /// A key's values in the order of ``apiKeyColumns``.
    static func apiKeyBinds(_ key: APIKeyRecord) -> [Bind] {
        [
            Bind(key.id), Bind(key.name), Bind(key.role.rawValue), Bind(key.prefix), Bind(key.hash), Bind(Micros.from(key.createdAt)),
            Bind(Micros.optional(key.revokedAt)),
        ]
    }

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try await write { session in
            do {
                try await session.execute(
                    "INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7)", Self.apiKeyBinds(key))
            } catch where Self.sqlState(error) == "23505" {
                if (error as? PSQLError)?.serverInfo?[.constraintName] == "api_keys_pkey" {
                    throw StoreError(.keyConflict, "an API key with id \(key.id.uuidString) already exists")
                }
                throw StoreError(.keyConflict, "an API key with the same hash already exists (prefix '\(key.prefix)')")
            }
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await read { session in
            try await session.rows("SELECT \(Self.apiKeyColumns) FROM api_keys WHERE hash = $1", [Bind(hash)]).first.map { try self.decodeAPIKey($0) }
        }
    }

    public func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        let condition = includeRevoked ? "" : "WHERE revoked_at IS NULL"
        return try await read { session in
            try await session.rows("SELECT \(Self.apiKeyColumns) FROM api_keys \(condition) ORDER BY created_at, id").map { try self.decodeAPIKey($0) }
        }
    }

    @discardableResult
    public func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord {
        try await write { session in
            // Idempotent: a revoked key keeps its first revocation time.
            let rows = try await session.rows(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING \(Self.apiKeyColumns)",
                [Bind(Micros.from(now)), Bind(id)])
            guard let row = rows.first else { throw StoreError(.notFound, "no API key with id \(id.uuidString)") }
            return try self.decodeAPIKey(row)
        }
    }

    /// The lock that makes "create the first key if there is none" one decision across instances.
    static let firstKeyLock: Int64 = 0x4B61_6972_6F73_4B31  // "KairosK1"

    /// Under a transaction-level advisory lock: a second instance's insert waits, then sees the
    /// first one's key (its statement's snapshot is taken after the lock) and stores nothing.
    public func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool {
        try await write { session in
            try await session.execute("SELECT pg_advisory_xact_lock($1)", [Bind(Self.firstKeyLock)])
            return try await !session.rows(
                """
                INSERT INTO api_keys (\(Self.apiKeyColumns)) SELECT $1, $2, $3, $4, $5, $6, $7
                WHERE NOT EXISTS (SELECT 1 FROM api_keys) RETURNING 1
                """, Self.apiKeyBinds(key)
            ).isEmpty
        }
    }

    public func apiKeyCount() async throws -> Int {
        try await read { session in try await session.rows("SELECT count(*) FROM api_keys").first?[0].decode(Int.self) ?? 0 }
    }

    func decodeAPIKey(_ row: PostgresRandomAccessRow) throws -> APIKeyRecord {
        var cells = RowReader(row)
        let id: UUID = try cells.next()
        let name: String = try cells.next()
        let roleText: String = try cells.next()
        let prefix: String = try cells.next()
        let hash: String = try cells.next()
        let createdAt: Int64 = try cells.next()
        let revokedAt: Int64? = try cells.next()
        guard let role = APIKeyRole(rawValue: roleText) else {
            throw StoreError(.unavailable, "the PostgreSQL database \(configuration) holds an API key that cannot be read (role '\(roleText)')")
        }
        return APIKeyRecord(id: id, name: name, role: role, prefix: prefix, hash: hash, createdAt: Micros.date(createdAt), revokedAt: Micros.date(revokedAt))
    }
}
