import Foundation
import KairosCore

/// An RFC 9457 problem body (`application/problem+json`). `type` is a stable URI per error
/// code; `errors` lists every invalid field; `jobId` / `executionId` say what it concerns.
public struct ProblemDetails: Codable, Sendable, Hashable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var instance: String?
    public var code: String
    public var errors: [FieldIssue]?
    public var jobId: UUID?
    public var executionId: UUID?

    public static let mediaType = "application/problem+json"

    init(_ error: APIError, instance: String?) {
        self.type = "https://kairos.dev/problems/\(error.code.rawValue)"
        self.title = error.code.title
        self.status = Int(error.code.status.code)
        self.detail = error.detail
        self.instance = instance
        self.code = error.code.rawValue
        self.errors = error.issues.isEmpty ? nil : error.issues
        self.jobId = error.jobId
        self.executionId = error.executionId
    }
}
