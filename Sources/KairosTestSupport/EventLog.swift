import Foundation
import KairosEngine
import Synchronization

/// Everything an engine emits, recorded (synchronously, through ``EventBus/listen(_:)``) from the moment it is made, so that a test waits for
/// events instead of sleeping or polling the store:
///
/// ```swift
/// let log = EventLog(engine.events)
/// clock.advance(by: 1)
/// #expect(try await log.wait { $0.filter { $0.name == "execution.succeeded" }.count == 3 })
/// ```
public final class EventLog: Sendable {
    private final class Storage: Sendable {
        let state = Mutex<(events: [EngineEvent], waiters: [UUID: CheckedContinuation<Void, Never>])>(([], [:]))
    }

    private let storage = Storage()
    private let listener: EventListener

    public init(_ bus: EventBus) {
        let storage = self.storage
        listener = bus.listen { event in
            let waiters = storage.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.events.append(event)
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    deinit { listener.cancel() }

    public var events: [EngineEvent] { storage.state.withLock { $0.events } }

    /// Waits until `condition` holds for the events so far, at most `seconds` of real time;
    /// returns whether it held. The bound only guards against a hang (a passing wait returns at
    /// the event), so it is generous: CPU-bound suites running beside can starve the
    /// cooperative pool for seconds.
    public func wait(within seconds: Double = 30, until condition: @escaping @Sendable ([EngineEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            // Woken by the next event, or after a short while to look at the deadline again.
            let id = UUID()
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.storage.state.withLock { state -> Bool in
                            if condition(state.events) { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                }
                group.addTask { try? await Task.sleep(for: .milliseconds(50)) }
                await group.next()
                let waiter = self.storage.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume()
                group.cancelAll()
            }
        }
        return condition(events)
    }

    /// How many events of this name (`execution.succeeded` …) were emitted.
    public func count(_ name: String) -> Int { events.count { $0.name == name } }
}
