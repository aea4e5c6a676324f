import Foundation
import KairosEngine
import Synchronization

/// A clock that only moves when the test says so, for running the real engine without real
/// time: an outage of minutes takes no time. Sleepers wake when ``advance(to:)`` passes their
/// deadline, or throw `CancellationError` when cancelled. ``nextSleeper(within:)`` tells a test
/// when the engine waits and until when (as postgres-nio's `MockClock.nextTimerScheduled()`),
/// so that it advances time exactly when the engine has nothing left to do now.
///
/// ```swift
/// let clock = ManualClock(t0)
/// let engine = KairosEngine(store: MemoryJobStore(), registry: tasks, clock: clock)
/// // … run its services, then:
/// try await clock.advanceToNextSleeper()
/// ```
public final class ManualClock: EngineClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
        /// How many sleeps have begun: a test waits for this to grow.
        var sleepsStarted = 0
    }

    private let state: Mutex<State>

    public init(_ start: Date) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    state.sleepsStarted += 1
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(to instant: Date) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, instant)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func advance(by seconds: TimeInterval) { advance(to: now().addingTimeInterval(seconds)) }

    /// The earliest deadline anyone sleeps until, once at least `count` sleepers wait (a bounded
    /// real-time wait for the engine's loops to go to sleep); `nil` when they do not within
    /// `seconds`.
    public func nextSleeper(count: Int = 1, within seconds: Double = 30) async throws -> Date? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let next = state.withLock { state -> Date? in
                state.sleepers.count >= count ? state.sleepers.values.map(\.deadline).min() : nil
            }
            if let next { return next }
            try await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    /// Advances to the earliest sleeper's deadline (see ``nextSleeper(count:within:)``); returns it.
    @discardableResult
    public func advanceToNextSleeper(count: Int = 1, within seconds: Double = 30) async throws -> Date? {
        guard let next = try await nextSleeper(count: count, within: seconds) else { return nil }
        advance(to: next)
        return next
    }

    /// How many sleepers wait now.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }
}
