import Hummingbird

/// Something served beside the API on its router (the dashboard): its own routes, and the
/// credential it vouches for on API routes when a request has no `Authorization` header
/// (a browser's session cookie for the event stream and the cron preview). What it returns
/// goes through the API's own key and role checks.
public protocol APIAddition: Sendable {
    /// Registers the addition's routes (after the API's).
    func addRoutes(to router: Router<APIRequestContext>)
    /// The key the request stands for, or `nil`.
    func credential(for request: Request) async -> APICredential?
}

/// A key an ``APIAddition`` vouches for.
public enum APICredential: Sendable, Hashable {
    /// An `Authorization` header value (`Bearer …`).
    case authorization(String)
    /// A stored key, by its ``KairosStore/APIKeyRecord/hash`` (a dashboard session keeps no secret).
    case keyHash(String)
}
