import HTTPTypes
import Hummingbird

/// The headers every page carries, and the dashboard's own header names.
enum DashboardHeaders {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// Nothing from another origin, no inline script or style, no framing.
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    /// The security headers of every dashboard response.
    static var security: HTTPFields {
        [
            contentSecurityPolicy: policy,
            contentTypeOptions: "nosniff",
            frameOptions: "DENY",
            referrerPolicy: "same-origin",
        ]
    }
}
