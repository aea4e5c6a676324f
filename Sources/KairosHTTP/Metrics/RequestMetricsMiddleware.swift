import Hummingbird
import KairosCore
import Metrics

/// Counts and times requests by route, method and status (docs/API.md, metrics), under the names
/// and labels of Hummingbird's `MetricsMiddleware`: `hb_requests`, `http_server_request_duration`,
/// `hb_request_errors` (thrown errors only) and `http_server_active_requests`.
///
/// Unlike that middleware it records when the handler has returned its response, not after
/// the body is written: wrapping the body to run code after the write takes a response off
/// Hummingbird's single-write path (head, body and end become three writes to the channel),
/// which cost about 20 % of the throughput of every route (docs/PERFORMANCE.md). The duration
/// is therefore the time to produce a response; for an event stream, the time to its head.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    private let handles = RequestMetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let active = handles.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = handles.endpoint(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status)
            endpoint.requests.increment()
            endpoint.duration.record(duration: start.duration(to: .now))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = context.endpointPath ?? "NotFound"
            handles.endpoint(route: route, method: request.method, status: status).requests.increment()
            Counter(label: "hb.request.errors", dimensions: Self.dimensions(route, request.method, errorType: status)).increment()
            throw error
        }
    }

    static func dimensions(_ route: String, _ method: HTTPRequest.Method, status: HTTPResponse.Status) -> [(String, String)] {
        [("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", String(status.code))]
    }

    static func dimensions(_ route: String, _ method: HTTPRequest.Method, errorType status: HTTPResponse.Status) -> [(String, String)] {
        [("http.route", route), ("http.request.method", method.rawValue), ("error.type", String(status.code))]
    }
}

/// The metric handles of each route, method and status, made once: the metrics factory's own
/// lookup builds a label string per call.
final class RequestMetricHandles: Sendable {
    struct Endpoint: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
    }

    private struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private let endpoints = Locked<[Key: Endpoint]>([:])
    private let activeByMethod = Locked<[HTTPRequest.Method: Meter]>([:])

    func endpoint(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) -> Endpoint {
        let key = Key(route: route, method: method, status: status.code)
        if let endpoint = endpoints.withLock({ $0[key] }) { return endpoint }
        let dimensions = RequestMetricsMiddleware.dimensions(route, method, status: status)
        let endpoint = Endpoint(
            requests: Counter(label: "hb.requests", dimensions: dimensions),
            duration: Metrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds))
        endpoints.withLock { $0[key] = endpoint }
        return endpoint
    }

    func active(_ method: HTTPRequest.Method) -> Meter {
        if let meter = activeByMethod.withLock({ $0[method] }) { return meter }
        let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
        activeByMethod.withLock { $0[method] = meter }
        return meter
    }
}
