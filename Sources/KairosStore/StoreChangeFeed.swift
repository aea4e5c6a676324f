import Foundation

/// What another process changed in a shared store: a reason to look at the store again now
/// instead of at the next safety poll.
public enum StoreChange: Sendable, Hashable {
    /// Jobs were created, changed, paused, resumed, enabled, disabled or deleted: schedulers
    /// look at the due jobs again.
    case jobs
    /// Executions became runnable: a manual run, a retry, a released claim, scheduled fires
    /// queued, a slot freed under `maxInstances`. Idle workers claim.
    case work
    /// The job stopped being runnable (paused, disabled, deleted) by a change at `at`, which
    /// removed its fires claimed ahead of their time (scheduled after `at`, not started): the
    /// workers that hold one forget it.
    case jobStopped(UUID, at: Date)
}

/// A store shared by several processes that reports their committed changes (the PostgreSQL
/// driver, through LISTEN/NOTIFY). Single-process stores (SQLite, memory) do not adopt it: the
/// engine wakes itself after its own changes. Delivery is best effort; a change that is not
/// reported is found by the engine's safety poll (`EngineConfiguration.idlePollInterval`).
public protocol StoreChangeFeed: Sendable {
    /// The changes committed through any handle on the store (this one's included), from now
    /// until the consuming task is cancelled. Changes that arrive faster than they are read
    /// may collapse; after the feed was interrupted (a lost connection) `jobs` and `work` are
    /// reported once.
    func changes() -> AsyncStream<StoreChange>
}
