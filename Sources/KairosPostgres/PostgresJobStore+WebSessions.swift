import Foundation
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    public func createWebSession(_ session: WebSessionRecord) async throws {
        try await write { connection in
            do {
                try await connection.execute(
                    "INSERT INTO web_sessions (hash, key_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
                    [Bind(session.hash), Bind(session.keyHash), Bind(Micros.from(session.createdAt)), Bind(Micros.from(session.lastSeenAt))])
            } catch where Self.sqlState(error) == "23505" {
                throw StoreError(.keyConflict, "a dashboard session with the same hash already exists")
            }
        }
    }

    public func webSession(hash: String) async throws -> WebSessionRecord? {
        try await read { connection in
            guard let row = try await connection.rows(
                "SELECT hash, key_hash, created_at, last_seen_at FROM web_sessions WHERE hash = $1", [Bind(hash)]).first
            else { return nil }
            var cells = RowReader(row)
            let hash: String = try cells.next()
            let keyHash: String = try cells.next()
            let createdAt: Int64 = try cells.next()
            let lastSeenAt: Int64 = try cells.next()
            return WebSessionRecord(hash: hash, keyHash: keyHash, createdAt: Micros.date(createdAt), lastSeenAt: Micros.date(lastSeenAt))
        }
    }

    public func touchWebSession(hash: String, now: Date) async throws {
        try await write { connection in
            try await connection.execute(
                "UPDATE web_sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE hash = $2", [Bind(Micros.from(now)), Bind(hash)])
        }
    }

    public func deleteWebSession(hash: String) async throws {
        try await write { connection in
            try await connection.execute("DELETE FROM web_sessions WHERE hash = $1", [Bind(hash)])
        }
    }

    public func deleteWebSessions(createdBefore: Date, seenBefore: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await write { connection in
            try await connection.rows(
                """
                WITH ended AS (
                  SELECT hash FROM web_sessions WHERE created_at < $1 OR last_seen_at < $2 LIMIT $3 FOR UPDATE SKIP LOCKED)
                DELETE FROM web_sessions WHERE hash IN (SELECT hash FROM ended) RETURNING 1
                """, [Bind(Micros.from(createdBefore)), Bind(Micros.from(seenBefore)), Bind(limit)]
            ).count
        }
    }
}
