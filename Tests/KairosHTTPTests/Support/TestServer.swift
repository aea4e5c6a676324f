import AsyncHTTPClient
import Foundation
import KairosCore
import KairosEngine
import KairosHTTP
import KairosSQLite
import KairosStore
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle

/// One Prometheus registry for the whole test process (the metrics system is bootstrapped once).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// A real Kairos server for one test: a fresh SQLite file, the engine's services and the API
/// on a free loopback port, with one key per role. Stopped gracefully when the body returns.
struct TestServer: Sendable {
    let baseURL: String
    let engine: KairosEngine
    let store: SQLiteJobStore
    let directory: URL
    let keys: [APIKeyRole: String]

    var admin: String { keys[.admin]! }
    var `operator`: String { keys[.operator]! }
    var viewer: String { keys[.viewer]! }

    /// Runs `body` against a started server.
    static func with<T: Sendable>(
        api: APIConfiguration = APIConfiguration(port: 0),
        roles: Set<EngineConfiguration.Role> = [.scheduler, .worker, .api],
        directory: URL? = nil,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("kairos-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteJobStore(path: directory.appendingPathComponent("kairos.db").path)
        var keys: [APIKeyRole: String] = [:]
        for role in APIKeyRole.allCases {
            let (secret, record) = APIKeySecret.make(name: "test \(role.rawValue)", role: role, now: Date())
            try await store.createAPIKey(record)
            keys[role] = secret
        }
        var configuration = EngineConfiguration(roles: roles, workers: 2, historyRetentionDays: nil)
        configuration.idlePollInterval = 0.5
        var logger = Logger(label: "kairos-http-test")
        logger.logLevel = .error
        let registry = TaskRegistry.builtIn(httpClient: HTTPRequestTask.defaultClient, history: store, allowShellTasks: false)
        // The metrics system first: the engine makes its counters when it is created.
        let metrics = TestMetrics.registry
        let engine = KairosEngine(store: store, registry: registry, configuration: configuration, logger: logger)
        let kairosAPI = KairosAPI(engine: engine, configuration: api, metrics: metrics)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = kairosAPI.makeApplication(logger: logger) { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let group = ServiceGroup(services: engine.services + [app], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw APIError(.internalError, "the test server did not start") }
            let server = TestServer(baseURL: "http://127.0.0.1:\(port)", engine: engine, store: store, directory: directory, keys: keys)
            let result: Result<T, any Error>
            do { result = .success(try await body(server)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Sends a request; `key` nil sends no Authorization header.
    func request(
        _ method: HTTPMethod, _ path: String, key: String?, json: String? = nil, contentType: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let json {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let contentType {
            request.headers.add(name: "Content-Type", value: contentType)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return TestResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
    }
}

struct TestResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
    var contentType: String? { headers.first(name: "Content-Type") }
    /// The `field` of each entry in a problem body's `errors`.
    var problemFields: [String] { (json["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }.sorted() }
}

