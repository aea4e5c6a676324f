import AsyncHTTPClient
import Foundation
import KairosCore
import KairosDashboard
import KairosEngine
import KairosHTTP
import KairosSQLite
import KairosStore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// A real Kairos server with the dashboard for one test: a fresh SQLite file, the engine and
/// the API with the dashboard on a free loopback port, one key per role.
struct DashboardServer: Sendable {
    let baseURL: String
    let engine: KairosEngine
    let keys: [APIKeyRole: String]

    /// Does not follow redirects: the tests look at them.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// `tasks` are registered beside the built-in ones. With `directory`, the server uses (and
    /// keeps) the store there, so that a second server can start on it as after a restart.
    static func with<T: Sendable>(
        tasks: [any KairosTask] = [], directory given: URL? = nil, _ body: @Sendable (DashboardServer) async throws -> T
    ) async throws -> T {
        let directory = given ?? FileManager.default.temporaryDirectory.appendingPathComponent("kairos-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if given == nil { try? FileManager.default.removeItem(at: directory) } }
        let store = try SQLiteJobStore(path: directory.appendingPathComponent("kairos.db").path)
        var keys: [APIKeyRole: String] = [:]
        for role in APIKeyRole.allCases {
            let (secret, record) = APIKeySecret.make(name: "test \(role.rawValue)", role: role, now: Date())
            try await store.createAPIKey(record)
            keys[role] = secret
        }
        var logger = Logger(label: "kairos-dashboard-test")
        logger.logLevel = .error
        var registry = TaskRegistry.builtIn(httpClient: HTTPRequestTask.defaultClient, history: store, allowShellTasks: false)
        for task in tasks { registry.register(task) }
        let engine = KairosEngine(
            store: store, registry: registry, configuration: EngineConfiguration(roles: [.api, .scheduler, .worker], workers: 2, historyRetentionDays: nil),
            logger: logger)
        var api = KairosAPI(engine: engine, configuration: APIConfiguration(port: 0))
        api.additions = [KairosDashboard(api: api)]
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = api.makeApplication(logger: logger) { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let group = ServiceGroup(services: engine.services + [app], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw APIError(.internalError, "the test server did not start") }
            let server = DashboardServer(baseURL: "http://127.0.0.1:\(port)", engine: engine, keys: keys)
            let result: Result<T, any Error>
            do { result = .success(try await body(server)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Sends a request with the given cookies; `form` is sent url-encoded.
    func request(
        _ method: HTTPMethod, _ path: String, cookies: [String: String] = [:], form: [(String, String)]? = nil,
        headers: [(String, String)] = [], body: String? = nil
    ) async throws -> PageResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let text = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: text))
        } else if let body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return PageResponse(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }

    /// Signs in through the form (as a browser does) and returns the session.
    func signIn(_ role: APIKeyRole) async throws -> Session {
        let form = try await request(.GET, "/sign-in")
        let signIn = try await request(
            .POST, "/sign-in", cookies: form.cookies, form: [("_csrf", form.csrfToken ?? ""), ("key", keys[role]!), ("next", "/")])
        guard signIn.status == 303, let id = signIn.cookies["kairos_session"], !id.isEmpty else {
            throw APIError(.internalError, "sign-in failed with \(signIn.status)")
        }
        let page = try await request(.GET, "/", cookies: ["kairos_session": id])
        return Session(cookies: ["kairos_session": id], csrf: page.csrfToken ?? "")
    }

    struct Session: Sendable {
        var cookies: [String: String]
        var csrf: String
    }
}

struct PageResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: String

    /// The cookies set, by name (the value before the first `;`).
    var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers["Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            cookies[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
        }
        return cookies
    }

    /// The whole `Set-Cookie` header of a cookie.
    func setCookie(_ name: String) -> String? { headers["Set-Cookie"].first { $0.hasPrefix(name + "=") } }

    /// The first form's CSRF token.
    var csrfToken: String? {
        guard let range = body.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}
