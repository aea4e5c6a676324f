import Foundation

/// A stored job: the user's ``JobSpec`` plus identity and the state the scheduler keeps.
public struct Job: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var spec: JobSpec
    /// The next nominal fire the scheduler has not handled yet; `nil` when the schedule is
    /// finished, and for a recurring job that is paused or disabled (a paused one-shot keeps its
    /// time, which tells resume it has not fired; ``shownNextRunAt`` hides it).
    public var nextRunAt: Date?
    /// When the last run started (a missed fire: its nominal time) and how it ended: a summary
    /// of the history, which a shared store may write up to a second after the outcome
    /// (docs/POSTGRES.md, "Last runs").
    public var lastRunAt: Date?
    public var lastStatus: ExecutionStatus?
    public var deleted: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// Increments on every change (optimistic concurrency, `If-Match`).
    public var version: Int
    /// Jobs created by Kairos itself (the history cleanup), shown but owned by the server.
    public var system: Bool

    public init(
        id: UUID, spec: JobSpec, nextRunAt: Date?, lastRunAt: Date? = nil, lastStatus: ExecutionStatus? = nil,
        deleted: Bool = false, createdAt: Date, updatedAt: Date, version: Int = 1, system: Bool = false
    ) {
        self.id = id
        self.spec = spec
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.lastStatus = lastStatus
        self.deleted = deleted
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.system = system
    }

    public var key: String { spec.key }

    /// Whether the scheduler fires this job on its own.
    public var isScheduled: Bool { isRunnable && nextRunAt != nil }

    /// Enabled, not paused, not deleted: its fires may run. A job that stops being runnable
    /// loses the fires claimed ahead of their time (``JobStore``).
    public var isRunnable: Bool { spec.enabled && !spec.paused && !deleted }

    /// The next fire as users see it (API, CLI): none while the job is not runnable, as
    /// APScheduler clears it on pause — a paused job's planned fire slides into the past and
    /// would read "next run 4m ago". Resume and enable compute it again from then.
    public var shownNextRunAt: Date? { isRunnable ? nextRunAt : nil }
}
