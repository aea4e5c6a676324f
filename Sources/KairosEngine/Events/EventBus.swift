import Foundation
import Synchronization

/// Fans engine events out to subscribers. Each subscriber gets its own `AsyncStream`; a slow
/// subscriber loses the oldest events beyond its buffer rather than slowing the engine.
///
/// ```swift
/// for await event in engine.events.subscribe() {
///     if case .executionFailed(let execution, _) = event { alert(execution) }
/// }
/// ```
public final class EventBus: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<EngineEvent>.Continuation]>([:])
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

    /// Logs, counts and delivers an event.
    public func emit(_ event: EngineEvent) {
        observer.observe(event)
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(event) }
    }

    func emit(_ events: [EngineEvent]) {
        for event in events { emit(event) }
    }
}
