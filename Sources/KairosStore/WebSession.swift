import Foundation

/// A browser signed in to the dashboard, as stored (docs/DASHBOARD.md, sessions). Neither
/// secret is written: the cookie's session id only as its SHA-256 `hash`, and the API key the
/// browser signed in with as the key's own stored hash (``APIKeyRecord/hash``), checked
/// again on every request so that a revoked key ends its sessions.
public struct WebSessionRecord: Sendable, Hashable {
    /// Lower-case hex SHA-256 of the session id the cookie carries; unique.
    public var hash: String
    /// The signed-in key's ``APIKeyRecord/hash``.
    public var keyHash: String
    public var createdAt: Date
    /// The last request seen (the dashboard writes it at most once a minute).
    public var lastSeenAt: Date

    public init(hash: String, keyHash: String, createdAt: Date, lastSeenAt: Date) {
        self.hash = hash
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// Dashboard sessions, stored so that they survive a restart and are shared by every
/// instance on one database. When a session ends (lifetime, idle time, sign-out) is the
/// dashboard's decision; a driver stores and deletes.
public protocol WebSessionStore: Sendable {
    /// Stores a new session. Throws `keyConflict` when one with the same hash exists.
    func createWebSession(_ session: WebSessionRecord) async throws
    /// The session with this hash (`nil` if none).
    func webSession(hash: String) async throws -> WebSessionRecord?
    /// Records a request at `now`: `lastSeenAt` becomes the later of the two. Nothing happens
    /// for an unknown hash.
    func touchWebSession(hash: String, now: Date) async throws
    /// Deletes the session (nothing happens for an unknown hash).
    func deleteWebSession(hash: String) async throws
    /// Deletes up to `limit` sessions created before `createdBefore` or last seen before
    /// `seenBefore` (those that have ended); returns how many.
    func deleteWebSessions(createdBefore: Date, seenBefore: Date, limit: Int) async throws -> Int
}
