import Foundation

/// One running Kairos process as recorded in the store
/// (Sources/KairosEngine/Maintenance/README.md).
public struct InstanceInfo: Sendable, Hashable, Identifiable {
    public var id: String
    public var hostname: String
    public var pid: Int
    /// The roles it runs: `scheduler`, `worker`, `api`.
    public var roles: [String]
    public var version: String
    public var startedAt: Date
    public var heartbeatAt: Date
    /// `nil` while running; set by a clean stop or when another instance finds it dead.
    public var stoppedAt: Date?

    public init(id: String, hostname: String, pid: Int, roles: [String], version: String, startedAt: Date, heartbeatAt: Date, stoppedAt: Date? = nil) {
        self.id = id
        self.hostname = hostname
        self.pid = pid
        self.roles = roles
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
    }

    /// Seconds since its last heartbeat at `now` (never negative).
    public func heartbeatAge(at now: Date) -> TimeInterval {
        max(0, now.timeIntervalSince(heartbeatAt))
    }

    /// Not stopped, and heard from within `deadAfter` seconds: the one rule the status API and
    /// the dashboard show an instance by.
    public func isAlive(at now: Date, deadAfter: TimeInterval) -> Bool {
        stoppedAt == nil && heartbeatAge(at: now) < deadAfter
    }
}
