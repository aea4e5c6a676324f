import Foundation
import KairosCore
import KairosStore
import Logging
import ServiceLifecycle

/// Turns due fires into executions: one ``SchedulerStateMachine`` driven by a thin I/O loop.
/// Sleeps until the earliest `nextRunAt` (minus the look-ahead) or until jobs change, never
/// on a fixed short poll. Stops claiming at graceful shutdown. When only this instance's
/// workers can run what it schedules (an exclusive store), it takes no more fires than they
/// have room for and waits for room past capacity (back-pressure, ``SchedulerStateMachine``).
public final class SchedulerService: Service, Sendable {
    private let store: any FireScheduling & JobRepository
    private let clock: any EngineClock
    private let events: EventBus
    private let logger: Logger
    private let wakeup = Wakeup()
    private let workers: WorkerPool?
    private let machine: Locked<SchedulerStateMachine>
    /// The workers' room bounds each pass: nobody else can run the fires.
    private let boundedByWorkers: Bool

    /// `exclusive`: this process is the store's only user (``InstanceRegistry/isExclusive``).
    init(
        store: any FireScheduling & JobRepository, clock: any EngineClock, events: EventBus, configuration: EngineConfiguration, logger: Logger,
        workers: WorkerPool?, exclusive: Bool
    ) {
        self.store = store
        self.clock = clock
        self.events = events
        self.logger = logger
        self.workers = workers
        self.boundedByWorkers = exclusive && workers != nil
        self.machine = Locked(
            SchedulerStateMachine(
                batchSize: configuration.schedulerBatchSize, lookahead: configuration.lookahead,
                idlePollInterval: configuration.idlePollInterval))
    }

    /// Jobs changed (created, edited, resumed …): look at the store now.
    public func jobsChanged() { wakeup.signal() }

    /// How many fires the workers can take at `now`, when they bound the passes.
    private func room(now: Date) -> Int? {
        guard boundedByWorkers, let workers else { return nil }
        return workers.localRoom(now: now)
    }

    /// The first action of a loop turn, at the clock's now.
    private func start() -> SchedulerStateMachine.Action {
        let now = clock.now()
        let room = room(now: now)
        return machine.withLock { $0.start(now: now, room: room) }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            var action = start()
            while !Task.isCancelled {
                switch action {
                case .stop:
                    return
                case .sleep(let deadline):
                    await wakeup.wait(until: deadline, clock: clock)
                    action = start()
                case .waitForRoom(let deadline):
                    workers?.wakeWhenRoom(wakeup)
                    await wakeup.wait(until: deadline, clock: clock)
                    action = start()
                case .claim(let now, let horizon, let limit):
                    do {
                        // The store takes fires for this instance's workers only while nothing
                        // runnable waits in the queue (``FireScheduling``).
                        let localClaim = workers?.localClaim(now: now)
                        let batch = try await store.claimDueFires(now: now, horizon: horizon, limit: limit, localClaim: localClaim)
                        workers?.receive(batch.claimed)
                        if !batch.queued.isEmpty { workers?.workAvailable() }
                        for execution in batch.missed { events.emit(.executionMissed(execution)) }
                        for claimed in batch.claimed { events.emit(.executionSubmitted(claimed.execution)) }
                        for execution in batch.queued { events.emit(.executionSubmitted(execution)) }
                        let earliest = batch.jobsClaimed >= limit ? nil : try await store.earliestNextRun()
                        let after = clock.now()
                        let room = room(now: after)
                        action = machine.withLock {
                            $0.passFinished(jobsClaimed: batch.jobsClaimed, limit: limit, earliestNextRun: earliest, now: after, room: room)
                        }
                    } catch {
                        logger.error("scheduling pass failed", metadata: ["error": "\(error)"])
                        action = machine.withLock { $0.passFailed(now: clock.now()) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.machine.withLock { $0.shutdown() }
            self.wakeup.signal()
        }
    }
}
