import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

/// A request to a dashboard page that passed the checks: a live session whose key has the
/// page's role, and for a form post the session's CSRF token.
struct PageRequest: Sendable {
    var request: Request
    var context: APIRequestContext
    var session: DashboardSession
    var key: APIKeyRecord
    /// The posted form (empty for GET).
    var form: FormBody

    func parameter(_ name: String) -> String { context.parameters.get(name) ?? "" }
    func query(_ name: String) -> String? { request.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
}

/// Registers dashboard pages, each behind the session, role and CSRF checks, with every error
/// shown as a page (never a stack trace, never a 5xx for bad input).
struct PageTable {
    let dashboard: KairosDashboard
    let router: Router<APIRequestContext>
    static let maxFormSize = 1 << 20

    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, _ required: APIKeyRole,
        _ handler: @escaping @Sendable (PageRequest) async throws -> Response
    ) {
        let dashboard = self.dashboard
        router.on(RouterPath(path), method: method) { request, context -> Response in
            // Read once: the error page below shows the navigation of the same session.
            var found: DashboardSession?
            do {
                guard let session = try await dashboard.sessions.session(for: request) else {
                    return Self.signInRedirect(request)
                }
                found = session
                // A NUL would be cut off (SQLite) or refused (PostgreSQL) by the store: say so here.
                if let (name, _) = request.uri.queryParameters.first(where: { $0.value.unicodeScalars.contains("\u{0}") }) {
                    throw DashboardError(.badRequest, "The parameter \(name) must not contain U+0000 (NUL).")
                }
                var form = FormBody()
                if method == .post {
                    var request = request
                    form = try await FormBody.read(&request, limit: Self.maxFormSize)
                    if let field = form.fields.first(where: { $0.value.unicodeScalars.contains("\u{0}") }) {
                        throw DashboardError(.badRequest, "The field \(field.name) must not contain U+0000 (NUL).")
                    }
                    guard let token = form["_csrf"], CSRFToken.matches(token, session.csrfToken) else {
                        throw DashboardError(.forbidden, "The form's security token is missing or out of date. Reload the page and try again.")
                    }
                }
                let key: APIKeyRecord
                do {
                    key = try await dashboard.authenticator.authorize(.keyHash(session.keyHash), for: required)
                } catch let error as APIError where error.code == .unauthorized {
                    try await dashboard.sessions.end(session)
                    return Self.signInRedirect(request)
                }
                var response = try await handler(PageRequest(request: request, context: context, session: session, key: key, form: form))
                response.headers.append(contentsOf: DashboardHeaders.security)
                return response
            } catch {
                return dashboard.errorPage(DashboardError(error), session: found, request: request)
            }
        }
    }

    /// 303 to the sign-in page, coming back here afterwards.
    static func signInRedirect(_ request: Request) -> Response {
        let next = request.method == .get ? request.uri.path : "/"
        return Response.redirect(to: "/sign-in?next=" + FormBody.encode(next))
    }
}

extension Response {
    /// A 303 See Other to a path of this site.
    static func redirect(to location: String) -> Response {
        var headers = DashboardHeaders.security
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// An HTML page with the security headers.
    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = DashboardHeaders.security
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
