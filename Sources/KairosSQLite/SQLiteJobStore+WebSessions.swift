import Foundation
import GRDB
import KairosStore

extension SQLiteJobStore {
    public func createWebSession(_ session: WebSessionRecord) async throws {
        try await write { db in
            do {
                try db.cachedStatement(sql: "INSERT INTO web_sessions (hash, key_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [session.hash, session.keyHash, Micros.from(session.createdAt), Micros.from(session.lastSeenAt)])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.keyConflict, "a dashboard session with the same hash already exists")
            }
        }
    }

    public func webSession(hash: String) async throws -> WebSessionRecord? {
        try await pointRead { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT hash, key_hash, created_at, last_seen_at FROM web_sessions WHERE hash = ?"), arguments: [hash])
            else { return nil }
            return WebSessionRecord(hash: row[0], keyHash: row[1], createdAt: Micros.date(row[2] as Int64), lastSeenAt: Micros.date(row[3] as Int64))
        }
    }

    public func touchWebSession(hash: String, now: Date) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE web_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE hash = ?")
                .execute(arguments: [Micros.from(now), hash])
        }
    }

    public func deleteWebSession(hash: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM web_sessions WHERE hash = ?").execute(arguments: [hash])
        }
    }

    public func deleteWebSessions(createdBefore: Date, seenBefore: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    DELETE FROM web_sessions WHERE hash IN (
                      SELECT hash FROM web_sessions WHERE created_at < ?1
                      UNION SELECT hash FROM web_sessions WHERE last_seen_at < ?2
                      LIMIT ?3)
                    """
            ).execute(arguments: [Micros.from(createdBefore), Micros.from(seenBefore), limit])
            return db.changesCount
        }
    }
}
