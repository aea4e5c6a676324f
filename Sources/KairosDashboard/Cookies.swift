import HTTPTypes
import Hummingbird

/// Reading and writing the dashboard's cookies.
enum Cookies {
    /// The value of the cookie `name` in the request's `Cookie` headers.
    static func value(named name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                if parts[0].trimmingCharacters(in: .whitespaces) == name { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`; `Secure` over TLS; `maxAge` 0 deletes.
    static func header(name: String, value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// Whether the browser reached the server over TLS (directly or through a proxy that says so).
    static func isSecure(_ request: Request, forced: Bool) -> Bool {
        forced || request.uri.scheme == .https || request.headers[DashboardHeaders.forwardedProto]?.lowercased() == "https"
    }
}
