import Foundation
import KairosCore
import KairosStore

/// The worker pool's decisions as a value: what to claim, which claimed execution to start,
/// when to wake up. The pool's I/O loop asks it and does what it says.
///
/// Claims come in two kinds: *due* work (`runAfter <= now`), up to the free worker slots plus
/// what the pool runs in about 50 ms at its recent pace (nothing extra while executions are
/// slow, up to a claim batch when they take microseconds), so a backlog of long work stays in
/// the store where other instances can take it while a backlog of quick work is drained in
/// batches; and *prefetch* of work due within the look-ahead, taken only when a slot is free,
/// so that a burst of fires on a minute boundary is in memory and starts on time.
public struct DispatchState: Sendable {
    public struct ClaimRequest: Sendable, Hashable {
        public var horizon: Date
        public var limit: Int
    }

    public let capacity: Int
    public let claimBatchSize: Int
    public let prefetchLimit: Int
    public let lookahead: TimeInterval
    /// Claimed, not started; ordered by `runAfter`, then priority (highest first).
    private(set) var buffer: [ClaimedExecution] = []
    private var head = 0
    public private(set) var inFlight = 0
    public private(set) var shuttingDown = false
    /// Recent execution time (seconds, moving average); starts pessimistic.
    public private(set) var averageDuration: TimeInterval = 1
    /// How much due work beyond the free slots may wait in memory, in run time.
    public static let dueBacklogWindow: TimeInterval = 0.05
    /// The same for fires the scheduler takes for this pool (at most two claim batches): long
    /// enough to cover a scheduling pass and an outcome flush (the pool must not run dry while
    /// they hold the store's writer), short enough that a job's next fire is not planned while
    /// its last one still waits here (`maxInstances` would queue it).
    public static let localBacklogWindow: TimeInterval = 0.25

    public init(capacity: Int, claimBatchSize: Int, prefetchLimit: Int, lookahead: TimeInterval) {
        self.capacity = capacity
        self.claimBatchSize = claimBatchSize
        self.prefetchLimit = prefetchLimit
        self.lookahead = lookahead
    }

    public var buffered: Int { buffer.count - head }

    /// Due executions held at most: the slots plus the backlog allowance.
    public var dueTarget: Int { target(window: Self.dueBacklogWindow, cap: claimBatchSize) }

    /// Due executions held at most before the scheduler stops taking fires for this pool.
    public var localTarget: Int { target(window: Self.localBacklogWindow, cap: 2 * claimBatchSize) }

    /// The slots plus what they run in `window` at the recent pace, at most `cap` more.
    private func target(window: TimeInterval, cap: Int) -> Int {
        let allowance = Double(capacity) * window / max(averageDuration, 0.000_01)
        return capacity + Int(min(Double(cap), allowance))
    }

    /// Buffered executions due at `now`, counted up to `limit`: a binary search, since the
    /// buffer is ordered by `runAfter` (the pool asks after every completion while the
    /// scheduler waits for room).
    private func dueBuffered(now: Date, upTo limit: Int? = nil) -> Int {
        var low = head
        var high = buffer.count
        while low < high {
            let middle = (low + high) / 2
            if buffer[middle].execution.runAfter <= now { low = middle + 1 } else { high = middle }
        }
        return min(low - head, limit ?? capacity)
    }

    /// The claim for due work, or `nil` when every slot (and the backlog allowance) is spoken for.
    public func dueClaim(now: Date) -> ClaimRequest? {
        guard !shuttingDown else { return nil }
        let target = dueTarget
        let free = target - inFlight - dueBuffered(now: now, upTo: target)
        return free > 0 ? ClaimRequest(horizon: now, limit: min(free, claimBatchSize)) : nil
    }

    /// The claim for work due within the look-ahead, or `nil` when the buffer is full or every
    /// worker slot is busy (due work then stays in the store, where priority orders it).
    public func prefetchClaim(now: Date) -> ClaimRequest? {
        guard !shuttingDown, lookahead > 0, capacity - inFlight - dueBuffered(now: now) > 0 else { return nil }
        let room = prefetchLimit - buffered - inFlight
        return room > 0 ? ClaimRequest(horizon: now.addingTimeInterval(lookahead), limit: min(room, claimBatchSize)) : nil
    }

    /// How many fires the scheduler may take for this pool in its own transaction: up to the
    /// prefetch limit, while the due work held stays under ``localTarget`` (the slots plus about
    /// 250 ms of work at the recent pace). So quick work keeps coming in the scheduler's own
    /// write even when the pool is behind (under overload a fire claimed through the queue
    /// costs a second write), while slow work stays in the store for any instance.
    public func localClaimRoom(now: Date) -> Int {
        let target = localTarget
        guard !shuttingDown, target - inFlight - dueBuffered(now: now, upTo: target) > 0 else { return 0 }
        return max(0, prefetchLimit - buffered - inFlight)
    }

    public mutating func received(_ claimed: [ClaimedExecution]) {
        guard !claimed.isEmpty else { return }
        if head > 0 {
            buffer.removeFirst(head)
            head = 0
        }
        let batch = claimed.sorted(by: Self.runsBefore)
        // Batches usually come in time order: append without re-sorting the whole buffer.
        let inOrder = buffer.last.map { !Self.runsBefore(batch[0], $0) } ?? true
        buffer.append(contentsOf: batch)
        if !inOrder { buffer.sort(by: Self.runsBefore) }
    }

    static func runsBefore(_ a: ClaimedExecution, _ b: ClaimedExecution) -> Bool {
        if a.execution.runAfter != b.execution.runAfter { return a.execution.runAfter < b.execution.runAfter }
        if a.execution.priority != b.execution.priority { return a.execution.priority > b.execution.priority }
        return a.execution.scheduledAt < b.execution.scheduledAt
    }

    /// Removes claimed executions that have not started and match `predicate`.
    public mutating func drop(where predicate: (ClaimedExecution) -> Bool) {
        buffer.removeSubrange(..<head)
        head = 0
        buffer.removeAll(where: predicate)
    }

    /// The next execution to start now, if a slot is free and one is due.
    public mutating func nextToStart(now: Date) -> ClaimedExecution? {
        guard !shuttingDown, inFlight < capacity, head < buffer.count, buffer[head].execution.runAfter <= now else { return nil }
        let next = buffer[head]
        head += 1
        inFlight += 1
        if head > 4096, head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return next
    }

    public mutating func finished(after duration: TimeInterval) {
        inFlight -= 1
        averageDuration = 0.8 * averageDuration + 0.2 * max(0, duration)
    }

    /// One execution finished; the next one to start in its slot, if one is due. Lets a worker
    /// go straight on to the next execution of a burst without a round trip through the loop.
    public mutating func finished(after duration: TimeInterval, thenNextAt now: Date) -> ClaimedExecution? {
        finished(after: duration)
        return nextToStart(now: now)
    }

    /// When the loop should look again, at the latest: the next buffered `runAfter` if a slot
    /// is free for it.
    public func nextDeadline() -> Date? {
        guard inFlight < capacity, head < buffer.count else { return nil }
        return buffer[head].execution.runAfter
    }

    /// Until when the loop sleeps when it has nothing to start or claim now: the next buffered
    /// start (if a slot is free for it), the next queued execution's claim time (`nextQueued`,
    /// the earliest queued after the look-ahead the claims just covered, minus the look-ahead),
    /// capped by the idle poll interval. Queued work the claims could not take (its job at
    /// `maxInstances`, or held elsewhere) is not polled for: a completion written, or new work,
    /// wakes the loop.
    public func sleepDeadline(now: Date, nextQueued: Date?, idlePollInterval: TimeInterval) -> Date {
        var deadline = now.addingTimeInterval(idlePollInterval)
        if let next = nextDeadline() { deadline = min(deadline, next) }
        if buffered == 0, let queued = nextQueued { deadline = min(deadline, max(now, queued.addingTimeInterval(-lookahead))) }
        return deadline
    }

    /// What the pool does next while it shuts down.
    public enum ShutdownStep: Sendable, Hashable {
        /// Nothing runs any more: stop.
        case finished
        /// Running attempts may finish until `deadline` (engine clock); wait for them.
        case drain(until: Date)
        /// The grace period is over: cancel the running attempts (failed `shutdown`, retried
        /// where the job allows).
        case cancelRunning
        /// Cancelled attempts are returning (or being abandoned): look again in `seconds` of
        /// real time.
        case awaitReturn(seconds: TimeInterval)
        /// The pool's task itself was cancelled: stop every attempt and give their workers
        /// `patience` seconds of real time to return, then stop regardless.
        case abandon(patience: TimeInterval)
    }

    /// When a graceful shutdown began and whether running attempts were cancelled since.
    public private(set) var shutdownDeadline: Date?
    private var cancelledRunning = false
    private var claimFailures = 0

    /// Begins a graceful shutdown at `now` (once; `nil` afterwards): stops claiming and
    /// starting, lets running attempts finish for `grace`, and returns the claimed executions
    /// that never started, to release back to the queue.
    public mutating func beginShutdown(now: Date, grace: TimeInterval) -> [ClaimedExecution]? {
        guard shutdownDeadline == nil else { return nil }
        shutdownDeadline = now.addingTimeInterval(grace)
        return shutdown()
    }

    /// The next step of a shutdown begun with ``beginShutdown(now:grace:)`` (drain → cancel →
    /// abandon), or `nil` while none is under way. `cancelled`: the pool's task was cancelled.
    public mutating func shutdownStep(now: Date, cancelled: Bool) -> ShutdownStep? {
        guard let deadline = shutdownDeadline else { return nil }
        if inFlight == 0 { return .finished }
        if cancelled { return .abandon(patience: 5) }
        if now >= deadline, !cancelledRunning {
            cancelledRunning = true
            return .cancelRunning
        }
        return cancelledRunning ? .awaitReturn(seconds: 0.25) : .drain(until: deadline)
    }

    /// After a claim failed (a store error): how long to back off, growing with consecutive
    /// failures up to a second.
    public mutating func claimFailed() -> TimeInterval {
        claimFailures += 1
        return min(1, 0.05 * Double(claimFailures))
    }

    public mutating func claimSucceeded() { claimFailures = 0 }

    /// Stops claiming and starting; returns the claimed executions that never started, to
    /// release back to the queue.
    public mutating func shutdown() -> [ClaimedExecution] {
        shuttingDown = true
        let unstarted = Array(buffer[head...])
        buffer = []
        head = 0
        return unstarted
    }
}
