import Foundation
import KairosCore
import KairosEngine

/// Everything an engine emits, recorded (synchronously, through ``EventBus/listen(_:)``) from the
/// moment it is made, so that a test waits for events instead of sleeping or polling the store.
/// A wait suspends until an event makes its condition hold, bounded by a real-time timeout that
/// throws a ``WaitTimeout`` naming what was awaited and the events seen:
///
/// ```swift
/// let log = EventLog(engine.events)
/// clock.advance(by: 1)
/// try await log.wait(for: "execution.succeeded", count: 3)
/// ```
public final class EventLog: Sendable {
    private struct Waiter {
        var condition: @Sendable ([EngineEvent]) -> Bool
        var continuation: CheckedContinuation<[EngineEvent], any Error>
    }

    private final class Storage: Sendable {
        let state = Locked<(events: [EngineEvent], waiters: [UUID: Waiter])>(([], [:]))
    }

    private let storage = Storage()
    private let listener: EventListener

    public init(_ bus: EventBus) {
        let storage = self.storage
        listener = bus.listen { event in
            let woken = storage.state.withLock { state -> [(CheckedContinuation<[EngineEvent], any Error>, [EngineEvent])] in
                state.events.append(event)
                let ready = state.waiters.filter { $0.value.condition(state.events) }
                for id in ready.keys { state.waiters.removeValue(forKey: id) }
                return ready.values.map { ($0.continuation, state.events) }
            }
            for (continuation, events) in woken { continuation.resume(returning: events) }
        }
    }

    deinit { listener.cancel() }

    public var events: [EngineEvent] { storage.state.withLock { $0.events } }

    /// How many events of this name (`execution.succeeded` …) were emitted.
    public func count(_ name: String) -> Int { events.count { $0.name == name } }

    /// Waits until `condition` holds for the events so far (at once if it already does), at most
    /// `seconds` of real time; returns the events at that moment.
    @discardableResult
    public func wait(
        _ what: String = "a condition on the events", within seconds: Double = 30,
        until condition: @escaping @Sendable ([EngineEvent]) -> Bool
    ) async throws -> [EngineEvent] {
        try await withDeadline(seconds, { "\(what); events so far: \(self.events.map(\.name))" }) {
            try await self.suspend(until: condition)
        }
    }

    /// Waits until at least `count` events named `name` that match `predicate` were emitted
    /// (counting those emitted already); returns every such event at that moment, in order.
    @discardableResult
    public func wait(
        for name: String, count: Int = 1, within seconds: Double = 30,
        where predicate: @escaping @Sendable (EngineEvent) -> Bool = { _ in true }
    ) async throws -> [EngineEvent] {
        let matches: @Sendable ([EngineEvent]) -> [EngineEvent] = { $0.filter { $0.name == name && predicate($0) } }
        let events = try await wait("\(count) × \(name)", within: seconds) { matches($0).count >= count }
        return matches(events)
    }

    /// The first event named `name` that matches `predicate`, emitted already or the next one to come.
    public func first(
        _ name: String, within seconds: Double = 30, where predicate: @escaping @Sendable (EngineEvent) -> Bool = { _ in true }
    ) async throws -> EngineEvent {
        try await wait(for: name, within: seconds, where: predicate)[0]
    }

    private func suspend(until condition: @escaping @Sendable ([EngineEvent]) -> Bool) async throws -> [EngineEvent] {
        let id = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[EngineEvent], any Error>) in
                let now = storage.state.withLock { state -> Result<[EngineEvent], any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if condition(state.events) { return .success(state.events) }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = storage.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
