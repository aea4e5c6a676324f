import Hummingbird
import KairosCore
import KairosStore

/// One route of the API and who may call it: the table the auth matrix test and the OpenAPI
/// coverage test read, built by the same code that registers the handlers.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public enum Access: Sendable, Hashable {
        /// No key needed.
        case open
        /// A key with at least this role.
        case role(APIKeyRole)
    }

    public var method: HTTPRequest.Method
    /// The path in OpenAPI form: `/api/v1/scheduler/jobs/{job}`.
    public var path: String
    public var access: Access

    public var description: String { "\(method.rawValue) \(path)" }
}

/// Registers handlers on a router, wrapping each with its access check, and records the table.
struct RouteTable {
    let router: Router<APIRequestContext>
    let authenticator: APIKeyAuthenticator?
    /// May vouch for a request without an `Authorization` header; the first answer wins.
    let credentials: [any APIAddition]
    private(set) var routes: [APIRoute] = []

    init(router: Router<APIRequestContext>, authenticator: APIKeyAuthenticator?, credentials: [any APIAddition] = []) {
        self.router = router
        self.authenticator = authenticator
        self.credentials = credentials
    }

    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: APIRoute.Access,
        _ handler: @escaping @Sendable (inout Request, APIRequestContext) async throws -> Response
    ) {
        routes.append(APIRoute(method: method, path: path, access: access))
        let authenticator = self.authenticator
        let credentials = self.credentials
        router.on(RouterPath(path), method: method) { request, context -> Response in
            var context = context
            if case .role(let required) = access, let authenticator {
                var credential = request.headers[.authorization].map(APICredential.authorization)
                for addition in credentials where credential == nil { credential = await addition.credential(for: request) }
                context.apiKey = try await authenticator.authorize(credential, for: required)
            }
            var request = request
            return try await handler(&request, context)
        }
    }
}

/// The route table as the error middleware sees it: which methods a path has, so that a known
/// path with another method answers 405 with `Allow`, not 404.
final class RouteIndex: Sendable {
    private let routes = Locked<[APIRoute]>([])

    func set(_ routes: [APIRoute]) { self.routes.withLock { $0 = routes } }

    /// The methods of the routes whose path pattern (`/jobs/{job}`) matches `path`, with HEAD
    /// wherever GET is (the router answers HEAD with the GET route's head).
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let methods = routes.withLock { routes in
            routes.filter { route in
                let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
                return pattern.count == segments.count
                    && zip(pattern, segments).allSatisfy { part, segment in (part.hasPrefix("{") && !segment.isEmpty) || part == segment }
            }.map(\.method)
        }
        return methods.contains(.get) ? methods + [.head] : methods
    }
}
