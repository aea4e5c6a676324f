import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

/// A request a page refuses, as shown to the user: the HTTP status and a sentence.
struct DashboardError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Any error a page handler throws, mapped as the API maps it; unknown errors are a 500
    /// without their text.
    init(_ error: any Error) {
        switch error {
        case let error as DashboardError:
            self = error
        case let error as APIError:
            switch error.code {
            case .forbidden: self.init(.forbidden, "Your key's role does not allow this. " + error.detail)
            case .notFound: self.init(.notFound, error.detail)
            case .conflict: self.init(.conflict, error.detail)
            case .contentTooLarge: self.init(.contentTooLarge, error.detail)
            case .validationFailed, .badRequest, .unsupportedMediaType, .methodNotAllowed: self.init(.badRequest, error.detail)
            case .unauthorized: self.init(.unauthorized, error.detail)
            case .unavailable: self.init(.serviceUnavailable, error.detail)
            case .internalError: self.init(.internalServerError, "Something went wrong on the server.")
            }
        case let error as StoreError:
            switch error.code {
            case .notFound: self.init(.notFound, error.message)
            case .keyConflict, .versionMismatch, .invalidState: self.init(.conflict, error.message)
            case .invalidCursor: self.init(.badRequest, "That page link is not valid any more: " + error.message)
            case .unavailable: self.init(.serviceUnavailable, error.message)
            }
        case let error as ValidationError:
            self.init(.badRequest, error.description)
        case let error as any HTTPResponseError where error.status.code < 500:
            self.init(error.status, (error as? HTTPError)?.body ?? error.status.reasonPhrase)
        default:
            self.init(.internalServerError, "Something went wrong on the server.")
        }
    }
}
