import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    static let signInCookie = "kairos_sign_in"

    func addSessionRoutes(to pages: inout PageTable) {
        pages.router.get("/sign-in") { request, _ -> Response in
            if (try? await sessions.session(for: request)) != nil { return Response.redirect(to: Self.localPath(request.uri.queryParameters["next"].map(String.init))) }
            return signInPage(request, error: nil, status: .ok)
        }

        pages.router.post("/sign-in") { request, _ -> Response in
            var request = request
            let form: FormBody
            do {
                form = try await FormBody.read(&request, limit: PageTable.maxFormSize)
            } catch {
                return errorPage(DashboardError(error), session: nil, request: request)
            }
            guard let expected = Cookies.value(named: Self.signInCookie, in: request), let token = form["_csrf"], CSRFToken.matches(token, expected) else {
                return signInPage(request, error: "The sign-in form had expired. Please try again.", status: .forbidden)
            }
            let secret = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { return signInPage(request, error: "Enter an API key.", status: .badRequest) }
            let session: DashboardSession
            do {
                let key = try await authenticator.authenticate("Bearer " + secret)
                session = try await sessions.create(keyHash: key.hash)
            } catch let error as APIError where error.code == .unauthorized {
                return signInPage(request, error: "That API key is not valid (unknown or revoked).", status: .unauthorized)
            } catch {
                return errorPage(DashboardError(error), session: nil, request: request)
            }
            var response = Response.redirect(to: Self.localPath(form["next"]))
            let secure = Cookies.isSecure(request, forced: configuration.secureCookies)
            response.headers.append(HTTPField(name: .setCookie, value: Cookies.header(
                name: DashboardSessions.cookieName, value: session.id, maxAge: Int(configuration.sessionLifetime), secure: secure)))
            response.headers.append(HTTPField(name: .setCookie, value: Cookies.header(name: Self.signInCookie, value: "", maxAge: 0, secure: secure)))
            return response
        }

        pages.add(.post, "/sign-out", .viewer) { page in
            try await sessions.end(page.session)
            var response = Response.redirect(to: "/sign-in")
            response.headers.append(HTTPField(name: .setCookie, value: Cookies.header(
                name: DashboardSessions.cookieName, value: "", maxAge: 0, secure: Cookies.isSecure(page.request, forced: configuration.secureCookies))))
            return response
        }
    }

    /// The sign-in form, with a fresh token in a cookie and in the form (double submit: a
    /// page of another site cannot sign a browser in with its own key).
    func signInPage(_ request: Request, error: String?, status: HTTPResponse.Status) -> Response {
        struct Page {
            var chrome: Chrome
            var csrf: String
            var next: String
            var error: String?
        }
        let token = CSRFToken.random()
        let page = Page(
            chrome: Chrome(title: "Sign in", csrf: nil, user: nil, role: nil, canOperate: false, isAdmin: false, live: nil, section: "sign-in"),
            csrf: token, next: Self.localPath(request.uri.queryParameters["next"].map(String.init)), error: error)
        var response = Response.html(renderer.render(page, template: "sign-in"), status: status)
        response.headers.append(HTTPField(name: .setCookie, value: Cookies.header(
            name: Self.signInCookie, value: token, maxAge: 3600, secure: Cookies.isSecure(request, forced: configuration.secureCookies))))
        return response
    }

    /// A page saying what went wrong, with the navigation when signed in.
    func errorPage(_ error: DashboardError, session: DashboardSession?, request: Request) -> Response {
        struct Page {
            var chrome: Chrome
            var status: Int
            var message: String
        }
        let chrome = Chrome(
            title: "Error \(error.status.code)", csrf: session?.csrfToken, user: nil, role: nil,
            canOperate: false, isAdmin: false, live: nil, section: "error")
        return Response.html(renderer.render(Page(chrome: chrome, status: Int(error.status.code), message: error.message), template: "error"), status: error.status)
    }

    /// A path of this site to go to after a form (`/jobs/x`), or `/`: never another origin.
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return "/" }
        return text
    }

    /// The chrome of a signed-in page.
    func chrome(_ page: PageRequest, title: String, section: String, live: String? = nil) -> Chrome {
        Chrome(
            title: title, csrf: page.session.csrfToken, user: page.key.name, role: page.key.role.rawValue,
            canOperate: page.key.role >= .operator, isAdmin: page.key.role >= .admin, live: live, section: section)
    }
}
