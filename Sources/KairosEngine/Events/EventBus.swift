import Foundation
import KairosCore

/// Fans engine events out to subscribers. Each subscriber gets its own `AsyncStream`; a slow
/// subscriber loses the oldest events beyond its buffer rather than slowing the engine.
///
/// ```swift
/// for await event in engine.events.subscribe() {
///     if case .executionFailed(let execution, _) = event { alert(execution) }
/// }
/// ```
public final class EventBus: Sendable {
    private let subscribers = Locked<[UUID: AsyncStream<EngineEvent>.Continuation]>([:])
    private let listeners = Locked<[UUID: @Sendable (EngineEvent) -> Void]>([:])
    private let observer: EngineObserver

    init(observer: EngineObserver) {
        self.observer = observer
    }

    /// A stream of every event from now on. It ends when the consumer stops iterating.
    public func subscribe(bufferSize: Int = 1024) -> AsyncStream<EngineEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Calls `listener` for every event from now on, synchronously on the task that emits it
    /// (APScheduler's `add_listener`): it sees events in order and none is dropped, so keep it
    /// short — it runs on the engine's path. `cancel()` on the returned handle removes it.
    public func listen(_ listener: @escaping @Sendable (EngineEvent) -> Void) -> EventListener {
        let id = UUID()
        listeners.withLock { $0[id] = listener }
        return EventListener { [weak self] in _ = self?.listeners.withLock { $0.removeValue(forKey: id) } }
    }

    /// Logs, counts and delivers an event.
    public func emit(_ event: EngineEvent) {
        observer.observe(event)
        for listener in listeners.withLock({ Array($0.values) }) { listener(event) }
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(event) }
    }

    func emit(_ events: [EngineEvent]) {
        for event in events { emit(event) }
    }
}

/// A listener added with ``EventBus/listen(_:)``; removed by ``cancel()`` (or when the bus goes).
public final class EventListener: Sendable {
    private let remove: @Sendable () -> Void

    init(remove: @escaping @Sendable () -> Void) {
        self.remove = remove
    }

    public func cancel() { remove() }
}
