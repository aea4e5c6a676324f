import Foundation
import KairosCore
import KairosStore
import Logging
import ServiceLifecycle
import Synchronization

/// Registers this instance, heartbeats (which renews the leases of its running executions),
/// passes cancel requests to the worker pool, and reaps other instances' expired leases.
/// See `Maintenance/README.md`.
public final class HeartbeatService: Service, Sendable {
    private let store: any InstanceRegistry
    private let clock: any EngineClock
    private let events: EventBus
    private let configuration: EngineConfiguration
    private let logger: Logger
    private let workers: WorkerPool?
    private let instance: InstanceInfo
    /// Set to the store's clock at start and at every beat, when the store has one.
    private let storeClock: StoreClock?
    private let wakeup = Wakeup()
    private let stopping = Atomic<Bool>(false)

    init(
        store: any InstanceRegistry, clock: any EngineClock, events: EventBus, configuration: EngineConfiguration, logger: Logger,
        workers: WorkerPool?, instance: InstanceInfo, storeClock: StoreClock? = nil
    ) {
        self.store = store
        self.clock = clock
        self.events = events
        self.configuration = configuration
        self.logger = logger
        self.workers = workers
        self.instance = instance
        self.storeClock = storeClock
    }

    public func run() async throws {
        var instance = self.instance
        if let storeClock {
            let offset = try await storeClock.synchronize()
            logger.info(
                "clock set to the database's",
                metadata: ["offsetSeconds": "\(offset.seconds)", "roundTripSeconds": "\(offset.roundTrip)"])
            instance.startedAt = clock.now()
            instance.heartbeatAt = instance.startedAt
        }
        try await store.registerInstance(instance)
        logger.info("instance registered", metadata: ["instanceId": "\(instance.id)", "roles": "\(instance.roles.joined(separator: ","))"])
        if store.isExclusive {
            // The only process on this store: every other instance still recorded running died
            // (kill -9, power loss). Take its work back now instead of after a lease period.
            let recovered = try await store.recoverInstances(otherThan: instance.id, now: clock.now())
            if !recovered.isEmpty {
                logger.notice("recovered the work of instances that died", metadata: ["instances": "\(recovered.joined(separator: ","))"])
            }
        }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stopping.load(ordering: .relaxed) {
                await beat()
                await wakeup.wait(until: clock.now().addingTimeInterval(configuration.heartbeatInterval), clock: clock)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.wakeup.signal()
        }
        // Last in the service group: the workers have drained, so nothing of ours is running.
        // Also when the group was cancelled (another service failed to start): the record is
        // written by a task of its own, which that cancellation does not reach, and awaited.
        let (store, instanceId, now, logger) = (store, instance.id, clock.now(), logger)
        await Task {
            do {
                try await store.markInstanceStopped(instanceId: instanceId, now: now)
            } catch {
                logger.error("marking the instance stopped failed", metadata: ["error": "\(error)"])
            }
        }.value
    }

    func beat() async {
        if let storeClock {
            do {
                try await storeClock.synchronize()
            } catch {
                logger.warning("reading the database's clock failed; keeping the last offset", metadata: ["error": "\(error)"])
            }
        }
        let now = clock.now()
        do {
            let cancelled = try await store.heartbeat(
                instanceId: instance.id, now: now, leaseUntil: now.addingTimeInterval(configuration.leaseDuration))
            if !cancelled.isEmpty { workers?.cancelAttempts(cancelled) }
            let reaped = try await store.reapExpiredLeases(
                now: now, deadAfter: configuration.deadInstanceAfter, limit: 1000, sparing: instance.id)
            for execution in reaped where execution.startedAt != nil {
                events.emit(.executionFailed(execution, willRetry: execution.status == .queued))
            }
            if reaped.contains(where: { $0.status == .queued }) { workers?.workAvailable() }
        } catch {
            logger.error("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }
}
