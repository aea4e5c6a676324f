import Foundation
import Hummingbird
import KairosCore

/// One signed-in browser: the API key it signed in with (checked again on every request, so a
/// revoked key ends the session), its CSRF token and its expiry.
struct DashboardSession: Sendable {
    var id: String
    var secret: String
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date
}

/// The sessions of this process, in memory: they end with a restart (sign in again), and on a
/// store shared by several instances a browser must reach the same instance (docs/DASHBOARD.md).
final class DashboardSessions: Sendable {
    static let cookieName = "kairos_session"
    static let maximumCount = 10_000

    private let sessions = Locked<[String: DashboardSession]>([:])
    let configuration: DashboardConfiguration

    init(configuration: DashboardConfiguration) {
        self.configuration = configuration
    }

    /// A new session for a verified key secret.
    func create(secret: String, now: Date = Date()) -> DashboardSession {
        let session = DashboardSession(id: CSRFToken.random(), secret: secret, csrfToken: CSRFToken.random(), createdAt: now, lastSeenAt: now)
        sessions.withLock { sessions in
            if sessions.count >= Self.maximumCount {
                sessions = sessions.filter { !self.isExpired($0.value, now: now) }
                if sessions.count >= Self.maximumCount, let oldest = sessions.values.min(by: { $0.lastSeenAt < $1.lastSeenAt }) {
                    sessions.removeValue(forKey: oldest.id)
                }
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session the request's cookie names (and marks it seen), or `nil`.
    func session(for request: Request, now: Date = Date()) -> DashboardSession? {
        guard let id = Cookies.value(named: Self.cookieName, in: request) else { return nil }
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard !isExpired(session, now: now) else {
                sessions.removeValue(forKey: id)
                return nil
            }
            session.lastSeenAt = now
            sessions[id] = session
            return session
        }
    }

    func end(_ id: String) {
        sessions.withLock { _ = $0.removeValue(forKey: id) }
    }

    func isExpired(_ session: DashboardSession, now: Date) -> Bool {
        now.timeIntervalSince(session.createdAt) >= configuration.sessionLifetime
            || now.timeIntervalSince(session.lastSeenAt) >= configuration.idleTimeout
    }
}
