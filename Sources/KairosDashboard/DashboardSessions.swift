import Foundation
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

/// One signed-in browser: the API key it signed in with (by the key's stored hash, checked again
/// on every request, so a revoked key ends the session), its CSRF token and its times.
struct DashboardSession: Sendable {
    /// The cookie's value: 32 random bytes. Only its hash is stored.
    var id: String
    var keyHash: String
    /// Derived from the id (a hash of it), so nothing more is stored: another site can neither
    /// read the HttpOnly cookie nor, without it, compute the token.
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date

    init(id: String, record: WebSessionRecord) {
        self.id = id
        keyHash = record.keyHash
        csrfToken = APIKeySecret.hash("kairos-csrf:" + id)
        createdAt = record.createdAt
        lastSeenAt = record.lastSeenAt
    }
}

/// The dashboard's sessions, kept in the job store (`WebSessionStore`): they survive a restart
/// and every instance on one database knows them, so a load balancer needs no sticky sessions.
/// A session ends after ``DashboardConfiguration/sessionLifetime``, after
/// ``DashboardConfiguration/idleTimeout`` without a request, or on sign-out. A request writes its
/// time only when the stored one is a minute old or more, so most page views cost one read.
struct DashboardSessions: Sendable {
    static let cookieName = "kairos_session"
    /// How old the stored `lastSeenAt` may be before a request writes it again.
    static let touchInterval: TimeInterval = 60
    /// Ended sessions deleted at each sign-in, at most.
    static let purgeLimit = 1_000

    let store: any WebSessionStore
    let configuration: DashboardConfiguration

    /// A new session for a verified key.
    func create(keyHash: String, now: Date = Date()) async throws -> DashboardSession {
        _ = try await store.deleteWebSessions(
            createdBefore: now.addingTimeInterval(-configuration.sessionLifetime), seenBefore: now.addingTimeInterval(-configuration.idleTimeout),
            limit: Self.purgeLimit)
        let id = CSRFToken.random()
        let record = WebSessionRecord(hash: APIKeySecret.hash(id), keyHash: keyHash, createdAt: now, lastSeenAt: now)
        try await store.createWebSession(record)
        return DashboardSession(id: id, record: record)
    }

    /// The live session the request's cookie names (its time of use recorded), or `nil`.
    func session(for request: Request, now: Date = Date()) async throws -> DashboardSession? {
        guard let id = Cookies.value(named: Self.cookieName, in: request), !id.isEmpty else { return nil }
        let hash = APIKeySecret.hash(id)
        guard let record = try await store.webSession(hash: hash) else { return nil }
        var session = DashboardSession(id: id, record: record)
        if isExpired(session, now: now) {
            try await store.deleteWebSession(hash: hash)
            return nil
        }
        if now.timeIntervalSince(record.lastSeenAt) >= Self.touchInterval {
            try await store.touchWebSession(hash: hash, now: now)
            session.lastSeenAt = now
        }
        return session
    }

    func end(_ session: DashboardSession) async throws {
        try await store.deleteWebSession(hash: APIKeySecret.hash(session.id))
    }

    func isExpired(_ session: DashboardSession, now: Date) -> Bool {
        now.timeIntervalSince(session.createdAt) >= configuration.sessionLifetime
            || now.timeIntervalSince(session.lastSeenAt) >= configuration.idleTimeout
    }
}
