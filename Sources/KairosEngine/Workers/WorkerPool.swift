import Foundation
import KairosCore
import KairosStore
import Logging
import ServiceLifecycle
import Synchronization

/// Claims runnable executions and runs their tasks with bounded concurrency. Decisions come
/// from ``DispatchState``; this type does the I/O. Outcomes are written to the store in
/// batches by a flush loop.
///
/// Graceful shutdown: stop claiming, release claimed executions that have not started, let
/// running ones finish within `shutdownGrace`, then cancel them (recorded failed, reason
/// `shutdown`, retried if the job allows), flush every outcome and return.
public final class WorkerPool: Service, Sendable {
    private let store: any ExecutionQueue & ExecutionHistory
    private let clock: any EngineClock
    private let events: EventBus
    private let registry: TaskRegistry
    private let configuration: EngineConfiguration
    private let logger: Logger
    private let wakeup = Wakeup()
    private let flushWakeup = Wakeup()
    private let state: Locked<DispatchState>
    /// Outcomes and starts waiting for the flush loop.
    private let pending = Locked<PendingWrites>(PendingWrites())
    private let shutdownRequested = Atomic<Bool>(false)
    private let attempts: RunningAttempts
    private let runner: AttemptRunner
    /// The scheduler's loop while it waits for room in this pool (``wakeWhenRoom(_:)``).
    private let roomWaiter = Locked<Wakeup?>(nil)

    init(store: any ExecutionQueue & ExecutionHistory, clock: any EngineClock, events: EventBus, registry: TaskRegistry, configuration: EngineConfiguration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.events = events
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.state = Locked(
            DispatchState(
                capacity: configuration.workers, claimBatchSize: configuration.claimBatchSize,
                prefetchLimit: configuration.prefetchLimit, lookahead: configuration.lookahead))
        self.attempts = RunningAttempts(abandonAfter: configuration.abandonAfter)
        self.runner = AttemptRunner(attempts: attempts)
    }

    /// Executions were queued: look at the store now.
    public func workAvailable() { wakeup.signal() }

    /// How many fires the scheduler may claim for this pool as it creates them.
    func localClaim(now: Date) -> LocalClaim? {
        let room = localRoom(now: now)
        guard room > 0 else { return nil }
        return LocalClaim(
            instanceId: configuration.instanceId, leaseUntil: now.addingTimeInterval(configuration.leaseDuration), limit: room,
            finishing: pending.withLock { $0.finishing })
    }

    /// How many fires ``localClaim(now:)`` would take at `now` (the scheduler's bound when only
    /// this pool runs its fires), without gathering the rest of the claim.
    func localRoom(now: Date) -> Int { state.withLock { $0.localClaimRoom(now: now) } }

    /// Signals `wakeup` once, as soon as ``localClaim(now:)`` has room again: the scheduler
    /// waits for it past capacity instead of queueing fires only this pool can run.
    func wakeWhenRoom(_ wakeup: Wakeup) {
        roomWaiter.withLock { $0 = wakeup }
        offerRoom()
    }

    /// Wakes the scheduler waiting for room, if there is room now.
    private func offerRoom() {
        guard roomWaiter.withLock({ $0 }) != nil, localRoom(now: clock.now()) > 0 else { return }
        roomWaiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }?.signal()
    }

    /// Fires the scheduler claimed for this pool.
    func receive(_ claimed: [ClaimedExecution]) {
        guard !claimed.isEmpty else { return }
        state.withLock { $0.received(claimed) }
        wakeup.signal()
    }

    /// Forgets the claimed, unstarted fires of a job scheduled after `now` (the job was
    /// paused, disabled or deleted before their time; the store removed them).
    func dropFiresAhead(of jobId: UUID, scheduledAfter now: Date) {
        state.withLock { $0.drop { $0.job.id == jobId && $0.execution.trigger == .scheduled && $0.execution.scheduledAt > now } }
    }

    /// Stops running attempts of these executions (cancelled by a user meanwhile).
    func cancelAttempts(_ ids: [UUID]) { attempts.stop(ids, reason: ExecutionError.cancelled, now: clock.now()) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.flushLoop() }
                group.addTask { await self.attempts.runTimers(clock: self.clock) }
                await self.dispatchLoop(group: &group)
                self.attempts.finish()
                self.pending.withLock { $0.done = true }
                self.flushWakeup.signal()
            }
        } onGracefulShutdown: {
            self.shutdownRequested.store(true, ordering: .relaxed)
            self.wakeup.signal()
        }
    }

    private func dispatchLoop(group: inout DiscardingTaskGroup) async {
        while true {
            let now = clock.now()
            if shutdownRequested.load(ordering: .relaxed) || Task.isCancelled, let unstarted = state.withLock({ $0.beginShutdown(now: now, grace: configuration.shutdownGrace) }) {
                release(unstarted, now: now)
                logger.info("worker pool draining", metadata: ["running": "\(state.withLock { $0.inFlight })", "released": "\(unstarted.count)"])
            }
            if let step = state.withLock({ $0.shutdownStep(now: now, cancelled: Task.isCancelled) }) {
                switch step {
                case .finished:
                    return
                case .abandon(let patience):
                    // Cancelled, not asked to stop: nothing can wait any more. The timer loop
                    // abandons running attempts; give their workers a moment to return.
                    attempts.stopAll(reason: ExecutionError.shutdown, now: now)
                    let giveUp = ContinuousClock.now + .seconds(patience)
                    while state.withLock({ $0.inFlight }) > 0, ContinuousClock.now < giveUp { await Task.yield() }
                    return
                case .cancelRunning:
                    attempts.stopAll(reason: ExecutionError.shutdown, now: now)
                case .awaitReturn(let seconds):
                    // Waiting for stopped attempts to return (or be abandoned): real time.
                    await wakeup.wait(until: Date().addingTimeInterval(seconds), clock: SystemClock())
                case .drain(let deadline):
                    await wakeup.wait(until: deadline, clock: clock)
                }
                continue
            }

            // Start what is due.
            while let claimed = state.withLock({ $0.nextToStart(now: now) }) {
                start(claimed, group: &group)
            }

            // Claim: due work up to the free slots, then the near future.
            var claimedAny = false
            var fullBatch = false
            do {
                if let request = state.withLock({ $0.dueClaim(now: now) }) {
                    let claimed = try await claim(request, now: now)
                    claimedAny = !claimed.isEmpty
                    fullBatch = claimed.count == request.limit
                }
                if !fullBatch, let request = state.withLock({ $0.prefetchClaim(now: clock.now()) }) {
                    let claimed = try await claim(request, now: clock.now())
                    claimedAny = claimedAny || !claimed.isEmpty
                    fullBatch = claimed.count == request.limit
                }
                state.withLock { $0.claimSucceeded() }
            } catch {
                let backoff = state.withLock { $0.claimFailed() }
                logger.error("claiming executions failed", metadata: ["error": "\(error)"])
                // A store error: back off in real time (the engine clock is for schedules).
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                continue
            }
            if claimedAny || fullBatch { continue }

            // Every slot busy: the next completion wakes the loop (no timer, no store read).
            let (busy, buffered) = state.withLock { ($0.inFlight >= $0.capacity, $0.buffered) }
            if busy {
                await wakeup.wait()
                continue
            }
            // Otherwise sleep until the next buffered start, the next queued execution after
            // what the claims just looked at, or a signal (a completion written, new work).
            let sleepNow = clock.now()
            let queued = buffered == 0 ? try? await store.earliestQueued(after: sleepNow.addingTimeInterval(configuration.lookahead)) : nil
            let deadline = state.withLock {
                $0.sleepDeadline(now: sleepNow, nextQueued: queued, idlePollInterval: configuration.idlePollInterval)
            }
            await wakeup.wait(until: deadline, clock: clock)
        }
    }

    private func claim(_ request: DispatchState.ClaimRequest, now: Date) async throws -> [ClaimedExecution] {
        let claimed = try await store.claimExecutions(
            instanceId: configuration.instanceId, now: now, horizon: request.horizon, limit: request.limit,
            leaseUntil: clock.now().addingTimeInterval(configuration.leaseDuration))
        state.withLock { $0.received(claimed) }
        return claimed
    }

    /// Runs `claimed`, then whatever else is due, in a new worker slot (see ``WorkerSlot``).
    private func start(_ claimed: ClaimedExecution, group: inout DiscardingTaskGroup) {
        group.addTask {
            let slot = WorkerSlot()
            self.attempts.register(slot)
            // Held by the slot and awaited through it; unstructured only so that a task ignoring
            // cancellation can be abandoned instead of holding the slot forever.
            slot.start(Task { await self.runSlot(slot, first: claimed) })
            let end = await slot.end.value
            self.attempts.unregister(slot)
            if case .abandoned(let attempt) = end {
                let completion = self.finish(attempt.claimed, startedAt: attempt.startedAt, result: attempt.abandonedResult)
                self.record(completion)
                self.state.withLock { $0.finished(after: completion.finishedAt.timeIntervalSince(completion.startedAt)) }
                self.offerRoom()
            }
            self.wakeup.signal()
        }
    }

    private func runSlot(_ slot: WorkerSlot, first: ClaimedExecution) async {
        var current = first
        while true {
            // Abandoned: the slot's group child recorded the attempt and gave the slot back.
            guard let completion = await execute(current, in: slot) else { return }
            // Returned (not abandoned: an abandoned task may still run), so its slot is free in
            // all but the store: the scheduler may take the job's next fire meanwhile.
            record(completion, finishedRunOf: current.job.id)
            let duration = completion.finishedAt.timeIntervalSince(completion.startedAt)
            if Task.isCancelled {
                // The attempt was stopped; a new slot takes what is due next.
                state.withLock { $0.finished(after: duration) }
                offerRoom()
                break
            }
            let next = state.withLock { $0.finished(after: duration, thenNextAt: clock.now()) }
            offerRoom()
            guard let next else { break }
            current = next
        }
        slot.end.set(.drained)
    }

    private func record(_ completion: Completion, finishedRunOf jobId: UUID? = nil) {
        let count = pending.withLock { pending -> Int in
            pending.completions.append(completion)
            if let jobId { pending.finishing[completion.executionId] = jobId }
            return pending.count
        }
        if count == 1 { flushWakeup.signal() }
    }

    private func record(_ start: AttemptStart) {
        let count = pending.withLock { pending -> Int in
            pending.starts.append(start)
            return pending.count
        }
        if count == 1 { flushWakeup.signal() }
    }

    /// Writes `start` with the next batch and waits until it is written; `false` when it never
    /// will be (the pool was cancelled meanwhile).
    private func recordBeforeRunning(_ start: AttemptStart) async -> Bool {
        await withCheckedContinuation { continuation in
            pending.withLock { pending in
                if pending.done {
                    continuation.resume(returning: false)
                } else {
                    pending.starts.append(start)
                    pending.startWaiters.append((start.executionId, continuation))
                }
            }
            flushWakeup.signal()
        }
    }

    /// Whether this instance still holds `start`'s attempt, started, as the store says now. A
    /// claim whose lease expired before its start was written (this instance stalled for a
    /// lease period) may have been released and claimed again elsewhere, as the same attempt:
    /// its start then matched nothing, and running it here would run it twice.
    private func holds(_ start: AttemptStart) async -> Bool {
        guard let stored = try? await store.execution(id: start.executionId) else { return false }
        return stored.status == .running && stored.instanceId == start.instanceId && stored.attempt == start.attempt && stored.startedAt != nil
    }

    /// Runs one attempt; `nil` when it was abandoned meanwhile.
    private func execute(_ claimed: ClaimedExecution, in slot: WorkerSlot) async -> Completion? {
        let startedAt = clock.now()
        let start = AttemptStart(executionId: claimed.execution.id, instanceId: configuration.instanceId, attempt: claimed.execution.attempt, startedAt: startedAt)
        let task = registry.task(named: claimed.job.spec.task)
        if task?.recordsStartBeforeRunning == true {
            guard await recordBeforeRunning(start), await holds(start) else {
                // Never started: the claim goes back to the queue (its lease, if the release
                // cannot be written either; the store ignores it if the claim is not ours).
                return Completion(
                    executionId: claimed.execution.id, instanceId: configuration.instanceId, attempt: claimed.execution.attempt,
                    startedAt: startedAt, finishedAt: startedAt, outcome: .released(runAfter: claimed.execution.runAfter))
            }
        } else {
            record(start)
        }
        events.emit(.executionStarted(running(claimed, startedAt: startedAt)))
        let attemptResult: AttemptResult
        if let task {
            let execution = claimed.execution
            let context = TaskContext(
                jobId: execution.jobId, jobKey: execution.jobKey, executionId: execution.id, attempt: execution.attempt,
                scheduledAt: execution.scheduledAt, logger: logger)
            guard let result = await runner.run(claimed, task: task, context: context, startedAt: startedAt, slot: slot) else { return nil }
            attemptResult = result
        } else {
            attemptResult = AttemptResult(
                result: .failure(ExecutionError(reason: "unknown task", message: "task '\(claimed.job.spec.task)' is not registered in instance \(configuration.instanceId)")))
        }
        return finish(claimed, startedAt: startedAt, result: attemptResult)
    }

    private func running(_ claimed: ClaimedExecution, startedAt: Date) -> Execution {
        var execution = claimed.execution
        execution.status = .running
        execution.startedAt = startedAt
        execution.instanceId = configuration.instanceId
        return execution
    }

    /// The completion to write for an attempt that ended now, and its event.
    private func finish(_ claimed: ClaimedExecution, startedAt: Date, result attemptResult: AttemptResult) -> Completion {
        let finishedAt = clock.now()
        let completion = AttemptDecision.completion(
            for: claimed, instanceId: configuration.instanceId, startedAt: startedAt, finishedAt: finishedAt,
            result: attemptResult.result, failureResult: attemptResult.failureResult, cancelledOnRequest: attemptResult.cancelledOnRequest, jitterFraction: .random(in: 0...1))
        var execution = running(claimed, startedAt: startedAt)
        execution.finishedAt = finishedAt
        execution.durationMs = Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded())
        switch completion.outcome {
        case .succeeded(let result):
            execution.status = .succeeded
            execution.result = result
            events.emit(.executionSucceeded(execution))
        case .failed(let error, let result, _) where attemptResult.cancelledOnRequest:
            execution.status = .cancelled
            execution.error = error
            execution.result = result
            events.emit(.executionCancelled(execution))
        case .failed(let error, let result, let retryAt):
            execution.status = retryAt == nil ? .failed : .queued
            execution.error = error
            execution.result = result
            events.emit(.executionFailed(execution, willRetry: retryAt != nil))
        case .released:
            break
        }
        return completion
    }

    private func release(_ unstarted: [ClaimedExecution], now: Date) {
        guard !unstarted.isEmpty else { return }
        let completions = unstarted.map {
            Completion(
                executionId: $0.execution.id, instanceId: configuration.instanceId, attempt: $0.execution.attempt,
                startedAt: now, finishedAt: now, outcome: .released(runAfter: $0.execution.runAfter))
        }
        pending.withLock { $0.completions.append(contentsOf: completions) }
        flushWakeup.signal()
    }

    private func flushLoop() async {
        var failures = 0
        var failingSince: ContinuousClock.Instant?
        while true {
            await flushWakeup.wait()
            // Cancelled: the store refuses work from a cancelled task, so outcomes not written
            // yet are left to lease expiry (the reaper records them as `worker lost`).
            if Task.isCancelled {
                pending.withLock {
                    $0.done = true
                    $0.resumeStartWaiters(recorded: false)
                }
                return
            }
            // Batch outcomes that finish together: wait while they keep arriving (a burst is
            // being run; writing now would compete with it), at most 250 ms.
            // Real time, not the engine clock: this is about I/O batching, not schedules.
            let windowEnd = ContinuousClock.now + .milliseconds(250)
            var seen = -1
            while !pending.withLock({ $0.done }), ContinuousClock.now < windowEnd {
                // An attempt waiting for its start to be written: no batching window.
                let (count, waiting) = pending.withLock { ($0.count, !$0.startWaiters.isEmpty) }
                if count == seen || count >= 5000 || waiting { break }
                seen = count
                try? await Task.sleep(for: .milliseconds(5))
            }
            var batch = pending.withLock { $0.take() }
            if !batch.isEmpty {
                do {
                    try await store.recordStarts(batch.starts)
                    batch.resumeStartWaiters(recorded: true)
                    try await store.complete(batch.completions, now: clock.now())
                    pending.withLock { $0.written(batch) }
                    failures = 0
                    failingSince = nil
                    // A job that was at maxInstances may have queued work to start now.
                    if !batch.completions.isEmpty { wakeup.signal() }
                } catch {
                    failures += 1
                    let since = failingSince ?? ContinuousClock.now
                    failingSince = since
                    logger.error("recording execution outcomes failed", metadata: ["error": "\(error)", "count": "\(batch.completions.count)"])
                    // While this instance runs, its heartbeat renews the leases of these attempts:
                    // an outcome given up on would leave them running for good. So the batch is
                    // kept and retried (backing off up to 1 s) until the store answers again, and
                    // given up only when the pool has stopped and the store failed for 10 s: the
                    // leases then expire and the reaper records them (worker lost, retried where
                    // allowed).
                    if pending.withLock({ $0.done }) && ContinuousClock.now - since > .seconds(10) {
                        logger.critical("giving up on recording outcomes", metadata: ["count": "\(batch.completions.count)"])
                        batch.resumeStartWaiters(recorded: false)
                        pending.withLock { $0.written(batch) }
                        failures = 0
                        failingSince = nil
                    } else {
                        // Stopping: attempts waiting for their start to be written are released
                        // instead of waiting for the store.
                        if shutdownRequested.load(ordering: .relaxed) { batch.resumeStartWaiters(recorded: false) }
                        pending.withLock { $0.putBack(batch) }
                        try? await Task.sleep(for: .milliseconds(min(1000, 200 * failures)))
                    }
                }
            }
            let (empty, finished) = pending.withLock { ($0.isEmpty, $0.done) }
            if finished && empty { return }
            if !empty { flushWakeup.signal() }
        }
    }
}
