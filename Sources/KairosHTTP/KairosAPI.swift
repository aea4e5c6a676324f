import Foundation
import Hummingbird
import KairosEngine
import KairosStore
import Logging
import NIOCore
import Prometheus

/// The Kairos REST API (docs/API.md) over one ``KairosEngine``: jobs, executions, status, cron
/// preview, tasks, live events, API keys, health, readiness, metrics and the OpenAPI document.
/// Every route checks its key's role (``APIRoute``); every error becomes a problem body.
///
/// ```swift
/// let api = KairosAPI(engine: engine, configuration: APIConfiguration(port: 8080), metrics: registry)
/// let app = api.makeApplication(logger: logger)
/// let group = ServiceGroup(services: engine.services + [app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct KairosAPI: Sendable {
    public let engine: KairosEngine
    public let configuration: APIConfiguration
    /// Verifies keys and roles; shared with what ``additions`` serve.
    public let authenticator: APIKeyAuthenticator
    /// Served beside the API on the same router (the dashboard), outside the OpenAPI document.
    public var additions: [any APIAddition] = []
    let metrics: PrometheusCollectorRegistry?
    let jobJSON = JobJSONWriter()

    public static let prefix = "/api/v1"

    public init(engine: KairosEngine, configuration: APIConfiguration = APIConfiguration(), metrics: PrometheusCollectorRegistry? = nil) {
        self.engine = engine
        self.configuration = configuration
        self.authenticator = APIKeyAuthenticator(store: engine.store, cacheTTL: configuration.keyCacheTTL)
        self.metrics = metrics
    }

    var store: any JobStore { engine.store }

    /// The router with every route, and the route table it was built from.
    public func makeRouter() -> (router: Router<APIRequestContext>, routes: [APIRoute]) {
        // HEAD on every GET route: the GET handler runs (auth included) and only its head is sent.
        let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware())
        let index = RouteIndex()
        router.add(middleware: ProblemMiddleware(routes: index))
        var table = RouteTable(router: router, authenticator: configuration.authEnabled ? authenticator : nil, credentials: additions)
        addJobRoutes(to: &table)
        addExecutionRoutes(to: &table)
        addSchedulerRoutes(to: &table)
        addKeyRoutes(to: &table)
        addSystemRoutes(to: &table)
        index.set(table.routes)
        for addition in additions { addition.addRoutes(to: router) }
        return (router, table.routes)
    }

    /// Every route with its access rule.
    public var routes: [APIRoute] { makeRouter().routes }

    /// The HTTP server as a `Service`, listening on the configured host and port.
    /// `onServerRunning` gets the bound channel (its port when `port` is 0).
    public func makeApplication(
        logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<RouterResponder<APIRequestContext>> {
        Application(
            router: makeRouter().router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "kairos"),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
