import Hummingbird

/// Something served beside the API on its router (the dashboard): its own routes, and the
/// credentials it vouches for on API routes when a request has no `Authorization` header
/// (a browser's session cookie for the event stream and the cron preview). What it returns
/// goes through the API's own key and role checks.
public protocol APIAddition: Sendable {
    /// Registers the addition's routes (after the API's).
    func addRoutes(to router: Router<APIRequestContext>)
    /// An `Authorization` header value (`Bearer …`) the request stands for, or `nil`.
    func authorization(for request: Request) async -> String?
}
