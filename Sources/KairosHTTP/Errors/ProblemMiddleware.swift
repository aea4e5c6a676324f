import Foundation
import Hummingbird
import KairosCore
import KairosStore
import Logging

/// Maps every error a route throws to a problem body, in one place: ``APIError`` as is,
/// `ValidationError` → 422, `StoreError` by code (404, 409, 400, 503), Hummingbird's own
/// errors (unknown route 404 — 405 with `Allow` when only the method is wrong —, body over
/// the limit 413) by status; anything else is a 500 that is logged and does not leak its text.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let routes: RouteIndex

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = Self.apiError(for: error)
            var allowed: [HTTPRequest.Method] = []
            // The router's own 404 (handlers throw APIError or StoreError for a missing job).
            if let routerError = error as? HTTPError, routerError.status == .notFound {
                allowed = routes.methods(matching: request.uri.path)
                if !allowed.isEmpty, !allowed.contains(request.method) {
                    apiError = APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
                }
            }
            if apiError.code == .internalError {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            var response = Response.problem(apiError, instance: request.uri.path)
            if apiError.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"kairos\"" }
            if apiError.code == .methodNotAllowed, !allowed.isEmpty { response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ") }
            return response
        }
    }

    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ValidationError:
            let fields = error.issues.map { $0.field.isEmpty ? "(body)" : $0.field }
            let noun = fields.count == 1 ? "field" : "fields"
            return APIError(.validationFailed, "\(fields.count) invalid \(noun): \(fields.joined(separator: ", ")) (see errors)", issues: error.issues)
        case let error as StoreError:
            switch error.code {
            case .notFound: return APIError(.notFound, error.message, jobId: error.jobId, executionId: error.executionId)
            case .keyConflict, .versionMismatch, .invalidState:
                return APIError(.conflict, error.message, jobId: error.jobId, executionId: error.executionId)
            case .invalidCursor: return .badParameter("cursor", error.message)
            case .unavailable: return APIError(.unavailable, error.message)
            }
        case let error as any HTTPResponseError:
            let body = (error as? HTTPError)?.body
            switch error.status {
            case .notFound: return APIError(.notFound, body ?? "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, body ?? "method not allowed on this route")
            case .contentTooLarge: return APIError(.contentTooLarge, body ?? "the request body is over the limit")
            case .unsupportedMediaType: return APIError(.unsupportedMediaType, body ?? "unsupported media type")
            default:
                return error.status.code < 500
                    ? APIError(.badRequest, body ?? error.status.reasonPhrase) : APIError(.internalError, "internal error")
            }
        default:
            return APIError(.internalError, "internal error")
        }
    }
}
