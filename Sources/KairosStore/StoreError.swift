import Foundation

/// A store failure with a code and the context that identifies what it concerns.
/// The HTTP layer maps codes to statuses in one place (404, 409, 412, 503 …).
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// No job or execution with that id or key (or it is deleted).
        case notFound
        /// A job with that key already exists.
        case keyConflict
        /// `expectedVersion` did not match the stored version.
        case versionMismatch
        /// The operation does not apply in the current state (trigger a disabled job,
        /// cancel a finished execution).
        case invalidState
        /// The database cannot be opened or used: missing directory, not a database,
        /// read-only, a newer schema than this binary knows.
        case unavailable
        /// A list cursor that this store did not produce (malformed or from another list).
        case invalidCursor
    }

    public var code: Code
    public var message: String
    public var jobId: UUID?
    public var jobKey: String?
    public var executionId: UUID?

    public init(_ code: Code, _ message: String, jobId: UUID? = nil, jobKey: String? = nil, executionId: UUID? = nil) {
        self.code = code
        self.message = message
        self.jobId = jobId
        self.jobKey = jobKey
        self.executionId = executionId
    }

    public var description: String { message }
}
