import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosEngine
import KairosHTTP
import KairosStore

/// The web dashboard (docs/DASHBOARD.md): server-rendered pages on the API's router, signed in
/// with an API key and then a session cookie; every page and form checks the session's key
/// with the API's own ``APIKeyAuthenticator`` (so revocations and roles apply the same way).
///
/// ```swift
/// var api = KairosAPI(engine: engine, configuration: configuration)
/// api.additions = [KairosDashboard(api: api)]
/// let app = api.makeApplication(logger: logger)
/// ```
public struct KairosDashboard: APIAddition {
    let api: KairosAPI
    let engine: KairosEngine
    let authenticator: APIKeyAuthenticator
    let sessions: DashboardSessions
    let configuration: DashboardConfiguration
    let renderer: PageRenderer

    public init(api: KairosAPI, configuration: DashboardConfiguration = DashboardConfiguration()) {
        self.api = api
        self.engine = api.engine
        self.authenticator = api.authenticator
        self.configuration = configuration
        self.sessions = DashboardSessions(store: api.engine.store, configuration: configuration)
        self.renderer = PageRenderer.shared
    }

    var store: any JobStore { engine.store }

    public func addRoutes(to router: Router<APIRequestContext>) {
        var pages = PageTable(dashboard: self, router: router)
        addAssetRoutes(to: router)
        addSessionRoutes(to: &pages)
        addJobRoutes(to: &pages)
        addFormRoutes(to: &pages)
        addExecutionRoutes(to: &pages)
        addKeyRoutes(to: &pages)
        addStatusRoutes(to: &pages)
        addUpcomingRoutes(to: &pages)
    }

    /// The session cookie vouches for API requests from the dashboard's own script (the event
    /// stream, the cron preview); a request that changes anything must also carry the
    /// session's CSRF token in `X-CSRF-Token`.
    public func credential(for request: Request) async -> APICredential? {
        // A store that cannot be read vouches for nothing: the API answers 401, the script retries.
        guard let session = try? await sessions.session(for: request) else { return nil }
        if request.method != .get && request.method != .head {
            guard let token = request.headers[DashboardHeaders.csrfToken], CSRFToken.matches(token, session.csrfToken) else { return nil }
        }
        return .keyHash(session.keyHash)
    }
}

/// How the dashboard's sessions behave.
public struct DashboardConfiguration: Sendable {
    /// Seconds a session lives at most after sign-in.
    public var sessionLifetime: TimeInterval
    /// Seconds without a request after which a session ends.
    public var idleTimeout: TimeInterval
    /// Mark the session cookie `Secure` even without `X-Forwarded-Proto: https` (behind a TLS proxy).
    public var secureCookies: Bool

    public init(sessionLifetime: TimeInterval = 8 * 3600, idleTimeout: TimeInterval = 3600, secureCookies: Bool = false) {
        self.sessionLifetime = sessionLifetime
        self.idleTimeout = idleTimeout
        self.secureCookies = secureCookies
    }
}
