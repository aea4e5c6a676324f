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

/// Filters, order and pagination for job lists (docs/API.md). By default jobs are ordered by key.
public struct JobQuery: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Enabled, not paused, with a next fire.
        case active
        case paused
        case disabled
        /// Enabled and not paused, but the schedule has no next fire (a one-shot that ran).
        case finished
    }

    /// What a list can be ordered by. Ties are broken by key, in the same direction.
    public enum SortField: String, Sendable, Hashable, CaseIterable {
        case key, name, priority, createdAt
        /// Jobs without a next fire come after every other job (before them, descending).
        case nextRunAt
        /// Jobs that never ran come before every other job (after them, descending).
        case lastRunAt
    }

    /// How a job's last execution ended (`Job.lastStatus`), or that it never ran: the
    /// dashboard's "last outcome" filter and the API's `lastStatus`.
    public enum LastOutcome: Sendable, Hashable, CustomStringConvertible {
        case status(ExecutionStatus)
        case never

        /// `succeeded`, `failed`, `cancelled`, `missed` or `never`; `nil` for anything else
        /// (`queued` and `running` are never a job's last status).
        public init?(_ text: String) {
            if text == "never" {
                self = .never
            } else if let status = ExecutionStatus(rawValue: text), status.isFinal {
                self = .status(status)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .status(let status): status.rawValue
            case .never: "never"
            }
        }

        /// Every outcome, as written in a query.
        public static var allCases: [LastOutcome] { ExecutionStatus.allCases.filter(\.isFinal).map(LastOutcome.status) + [.never] }

        /// Whether a job whose last status is `status` has this outcome.
        public func matches(_ status: ExecutionStatus?) -> Bool {
            switch self {
            case .status(let wanted): status == wanted
            case .never: status == nil
            }
        }
    }

    /// An order: a field, ascending, or descending when written with a leading `-`
    /// (`-nextRunAt`).
    public struct Sort: Sendable, Hashable, CustomStringConvertible {
        public var field: SortField
        public var descending: Bool

        public static let key = Sort(field: .key)

        public init(field: SortField, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }

        /// `key`, `-key`, `nextRunAt`, `-nextRunAt` …; `nil` for anything else.
        public init?(_ text: String) {
            let descending = text.hasPrefix("-")
            guard let field = SortField(rawValue: descending ? String(text.dropFirst()) : text) else { return nil }
            self.init(field: field, descending: descending)
        }

        public var description: String { (descending ? "-" : "") + field.rawValue }

        /// Every order, as written in a query.
        public static var allCases: [Sort] { SortField.allCases.flatMap { [Sort(field: $0), Sort(field: $0, descending: true)] } }
    }

    public var state: State?
    public var task: String?
    /// Keys starting with this prefix.
    public var keyPrefix: String?
    /// Jobs whose key or name contains this text (ASCII letters in either case).
    public var search: String?
    public var enabled: Bool?
    public var paused: Bool?
    public var lastOutcome: LastOutcome?
    public var includeSystem: Bool
    public var sort: Sort
    public var limit: Int
    /// From the previous page of the same query (same order); opaque.
    public var cursor: String?

    public static let maximumLimit = 500

    /// True when a text filter holds U+0000. No stored text can (``JobSpec/validate()`` refuses
    /// it: neither SQLite's C strings nor PostgreSQL's `text` keep it), so such a query matches
    /// no job, and a driver answers an empty page without asking its database.
    public var matchesNothing: Bool {
        [task, keyPrefix, search].contains { $0?.unicodeScalars.contains("\u{0}") == true }
    }

    /// Whether a filter other than `includeSystem` applies: then a driver that walks an order's
    /// index may read a bounded slice of it per page (``walkBound(limit:liveJobs:)``) and answer
    /// a short page whose cursor continues after the slice (docs/STORE.md, "How a page is read").
    public var isFiltered: Bool {
        keyPrefix?.isEmpty == false || search?.isEmpty == false || task != nil || state != nil || enabled != nil || paused != nil
            || lastOutcome != nil
    }

    /// How many jobs of the order one filtered page reads at most: √((limit + 1) × live jobs),
    /// where a walk of the order and a read of one filter's matches cost the same, clamped to
    /// 1,000…20,000.
    public static func walkBound(limit: Int, liveJobs: Int) -> Int {
        min(max(Int(Double((limit + 1) * max(liveJobs, 1)).squareRoot()), 1_000), 20_000)
    }

    public init(
        state: State? = nil, task: String? = nil, keyPrefix: String? = nil, search: String? = nil, enabled: Bool? = nil, paused: Bool? = nil,
        lastOutcome: LastOutcome? = nil, includeSystem: Bool = true, sort: Sort = .key, limit: Int = 100, cursor: String? = nil
    ) {
        self.state = state
        self.task = task
        self.keyPrefix = keyPrefix
        self.search = search
        self.enabled = enabled
        self.paused = paused
        self.lastOutcome = lastOutcome
        self.includeSystem = includeSystem
        self.sort = sort
        self.limit = limit
        self.cursor = cursor
    }
}

/// Filters and pagination for execution history. Newest first (by scheduled time).
public struct HistoryQuery: Sendable, Hashable {
    public var jobId: UUID?
    public var statuses: Set<ExecutionStatus>
    /// Executions scheduled at or after this time (to the microsecond, as stored).
    public var scheduledFrom: Date?
    /// Executions scheduled before this time.
    public var scheduledBefore: Date?
    public var limit: Int
    public var cursor: String?

    public init(
        jobId: UUID? = nil, statuses: Set<ExecutionStatus> = [], scheduledFrom: Date? = nil, scheduledBefore: Date? = nil, limit: Int = 100,
        cursor: String? = nil
    ) {
        self.jobId = jobId
        self.statuses = statuses
        self.scheduledFrom = scheduledFrom
        self.scheduledBefore = scheduledBefore
        self.limit = limit
        self.cursor = cursor
    }

    /// The time range in stored microseconds: from (inclusive), before (exclusive).
    public var scheduledRange: (from: Int64?, before: Int64?) {
        (scheduledFrom.map(HistoryCursor.micros), scheduledBefore.map(HistoryCursor.micros))
    }
}
