import Foundation
import GRDB
import KairosStore

extension SQLiteJobStore {
    /// The columns of `api_keys` in the order ``decodeAPIKey(_:)`` uses.
    static let apiKeyColumns = "id, name, role, prefix, hash, created_at, revoked_at"

    /// A key's values in the order of ``apiKeyColumns``.
    static func apiKeyArguments(_ key: APIKeyRecord) -> StatementArguments {
        [key.id, key.name, key.role.rawValue, key.prefix, key.hash, Micros.from(key.createdAt), Micros.optional(key.revokedAt)]
    }

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try await write { db in
            do {
                try db.cachedStatement(sql: "INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .execute(arguments: Self.apiKeyArguments(key))
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError(.keyConflict, "an API key with the same hash already exists (prefix '\(key.prefix)')")
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError(.keyConflict, "an API key with id \(key.id.uuidString) already exists")
            }
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE hash = ?"), arguments: [hash]) else {
                return nil
            }
            return try self.decodeAPIKey(row)
        }
    }

    public func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        let condition = includeRevoked ? "" : "WHERE revoked_at IS NULL"
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.apiKeyColumns) FROM api_keys \(condition) ORDER BY created_at, id")
                .map { try self.decodeAPIKey($0) }
        }
    }

    @discardableResult
    public func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord {
        try await write { db in
            // Idempotent: a revoked key keeps its first revocation time.
            try db.cachedStatement(sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
                .execute(arguments: [Micros.from(now), id])
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.apiKeyColumns) FROM api_keys WHERE id = ?"), arguments: [id]) else {
                throw StoreError(.notFound, "no API key with id \(id.uuidString)")
            }
            return try self.decodeAPIKey(row)
        }
    }

    /// One statement: SQLite holds the write lock from the start of an `INSERT … SELECT`.
    public func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(
                sql: "INSERT INTO api_keys (\(Self.apiKeyColumns)) SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM api_keys)"
            ).execute(arguments: Self.apiKeyArguments(key))
            return db.changesCount == 1
        }
    }

    public func apiKeyCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM api_keys")) ?? 0 }
    }

    func decodeAPIKey(_ row: Row) throws -> APIKeyRecord {
        let roleText: String = row[2]
        guard let id = UUID.fromDatabaseValue(row[0]), let role = APIKeyRole(rawValue: roleText) else {
            throw StoreError(.unavailable, "the SQLite database at '\(path)' holds an API key that cannot be read (role '\(roleText)')")
        }
        return APIKeyRecord(
            id: id, name: row[1], role: role, prefix: row[3], hash: row[4], createdAt: Micros.date(row[5] as Int64),
            revokedAt: Micros.date(row[6] as Int64?))
    }
}
