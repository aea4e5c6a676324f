import Foundation
import HTTPTypes
import KairosCore

/// A request the API refuses, with a stable code, the HTTP status it maps to, a message for
/// people and, for validation failures, every invalid field. ``ProblemMiddleware`` turns it
/// (and the store's and the core's errors) into an RFC 9457 problem body in one place.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case badRequest = "bad-request"
        case unauthorized
        case forbidden
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case conflict
        case contentTooLarge = "content-too-large"
        case unsupportedMediaType = "unsupported-media-type"
        case validationFailed = "validation-failed"
        case unavailable
        case internalError = "internal-error"

        var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .contentTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .validationFailed: .unprocessableContent
            case .unavailable: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }

        var title: String {
            switch self {
            case .badRequest: "Bad request"
            case .unauthorized: "Authentication required"
            case .forbidden: "Not allowed"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .conflict: "Conflict"
            case .contentTooLarge: "Request body too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .validationFailed: "Invalid input"
            case .unavailable: "Service unavailable"
            case .internalError: "Internal error"
            }
        }
    }

    public var code: Code
    public var detail: String
    /// Invalid fields (422) or parameters (400), by JSON path or parameter name.
    public var issues: [FieldIssue]
    public var jobId: UUID?
    public var executionId: UUID?

    public init(_ code: Code, _ detail: String, issues: [FieldIssue] = [], jobId: UUID? = nil, executionId: UUID? = nil) {
        self.code = code
        self.detail = detail
        self.issues = issues
        self.jobId = jobId
        self.executionId = executionId
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    /// A bad query parameter or header: 400 naming it.
    static func badParameter(_ name: String, _ message: String) -> APIError {
        APIError(.badRequest, message, issues: [FieldIssue(field: name, code: "invalidParameter", message: message)])
    }
}
