import Foundation
import KairosCore

/// One page of a list: its items and an opaque cursor for the next page (`nil` at the end).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Item: Equatable {}

/// Filters and pagination for job lists. Jobs are ordered by key.
public struct JobQuery: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Enabled, not paused, with a next fire.
        case active
        case paused
        case disabled
        /// Enabled and not paused, but the schedule has no next fire (a one-shot that ran).
        case finished
    }

    public var state: State?
    public var task: String?
    /// Keys starting with this prefix.
    public var keyPrefix: String?
    public var includeSystem: Bool
    public var limit: Int
    public var cursor: String?

    public static let maximumLimit = 500

    public init(state: State? = nil, task: String? = nil, keyPrefix: String? = nil, includeSystem: Bool = true, limit: Int = 100, cursor: String? = nil) {
        self.state = state
        self.task = task
        self.keyPrefix = keyPrefix
        self.includeSystem = includeSystem
        self.limit = limit
        self.cursor = cursor
    }
}

/// Filters and pagination for execution history. Newest first (by scheduled time).
public struct HistoryQuery: Sendable, Hashable {
    public var jobId: UUID?
    public var statuses: Set<ExecutionStatus>
    public var limit: Int
    public var cursor: String?

    public init(jobId: UUID? = nil, statuses: Set<ExecutionStatus> = [], limit: Int = 100, cursor: String? = nil) {
        self.jobId = jobId
        self.statuses = statuses
        self.limit = limit
        self.cursor = cursor
    }
}
