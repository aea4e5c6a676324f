import Foundation

/// How an engine runs. Defaults suit one server; tests shorten the lease and heartbeat.
public struct EngineConfiguration: Sendable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case scheduler, worker
        /// Serves the REST API (KairosHTTP). The engine runs no service for it; it is recorded
        /// in the instance's roles so that `/scheduler/status` shows what each process does.
        case api
    }

    /// This process's identity in the `instances` table.
    public var instanceId: String
    public var roles: Set<Role>
    /// Executions run at once (default 2 × cores).
    public var workers: Int
    /// Due jobs claimed per scheduling transaction.
    public var schedulerBatchSize: Int
    /// How far ahead of its time a fire is queued and claimed, so that a burst starts on time.
    /// 0.8 s leaves the scheduler's pass for the next second clear of the current burst and
    /// gives it room to absorb a slow commit (docs/PERFORMANCE.md).
    public var lookahead: TimeInterval
    /// Executions claimed per queue transaction.
    public var claimBatchSize: Int
    /// Executions claimed but not yet started that one instance holds at most.
    public var prefetchLimit: Int
    /// How long a claimed execution's lease lasts without renewal.
    public var leaseDuration: TimeInterval
    /// How often this instance heartbeats, renews its leases and reaps expired ones.
    public var heartbeatInterval: TimeInterval
    /// An instance silent for this long is marked stopped.
    public var deadInstanceAfter: TimeInterval
    /// The longest the scheduler and the workers sleep without looking at the store (changes
    /// made by other processes are seen within it).
    public var idlePollInterval: TimeInterval
    /// On SIGTERM/SIGINT, how long running executions may take to finish.
    public var shutdownGrace: TimeInterval
    /// After a timeout cancels a task, how long before the attempt is abandoned regardless.
    public var abandonAfter: TimeInterval
    /// Retention of the built-in `system.cleanup-history` job (installed when not `nil`).
    public var historyRetentionDays: Int?

    public init(
        instanceId: String = EngineConfiguration.defaultInstanceId(),
        roles: Set<Role> = [.scheduler, .worker],
        workers: Int = 2 * ProcessInfo.processInfo.activeProcessorCount,
        schedulerBatchSize: Int = 2000,
        lookahead: TimeInterval = 0.8,
        claimBatchSize: Int = 1000,
        prefetchLimit: Int = 20_000,
        leaseDuration: TimeInterval = 30,
        heartbeatInterval: TimeInterval = 5,
        deadInstanceAfter: TimeInterval = 60,
        idlePollInterval: TimeInterval = 5,
        shutdownGrace: TimeInterval = 30,
        abandonAfter: TimeInterval = 5,
        historyRetentionDays: Int? = 30
    ) {
        self.instanceId = instanceId
        self.roles = roles
        self.workers = max(1, workers)
        self.schedulerBatchSize = max(1, schedulerBatchSize)
        self.lookahead = max(0, lookahead)
        self.claimBatchSize = max(1, claimBatchSize)
        self.prefetchLimit = max(1, prefetchLimit)
        self.leaseDuration = leaseDuration
        self.heartbeatInterval = heartbeatInterval
        self.deadInstanceAfter = deadInstanceAfter
        self.idlePollInterval = idlePollInterval
        self.shutdownGrace = max(0, shutdownGrace)
        self.abandonAfter = abandonAfter
        self.historyRetentionDays = historyRetentionDays
    }

    public static func defaultInstanceId() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "kairos"
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
