import Foundation
import KairosCore
import KairosEngine

/// A clock that only moves when the test says so, for running the real engine without real
/// time: an outage of minutes takes no time. Sleepers wake when ``advance(to:)`` passes their
/// deadline, or throw `CancellationError` when cancelled. The clock reports its sleepers (as
/// postgres-nio's `MockClock.nextTimerScheduled()`): ``nextSleeper(count:within:)`` and
/// ``sleeper(until:within:)`` suspend until the engine waits, so that a test advances time
/// exactly when the engine has nothing left to do now.
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

    /// A test waiting for the sleepers to satisfy a condition.
    private struct Watcher {
        var condition: @Sendable ([Date]) -> Bool
        var continuation: CheckedContinuation<[Date], any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
        var watchers: [UUID: Watcher] = [:]

        var deadlines: [Date] { sleepers.values.map(\.deadline).sorted() }

        /// The watchers whose condition holds now, removed, with the deadlines they saw.
        mutating func readyWatchers() -> [(CheckedContinuation<[Date], any Error>, [Date])] {
            let deadlines = deadlines
            let ready = watchers.filter { $0.value.condition(deadlines) }
            for id in ready.keys { watchers.removeValue(forKey: id) }
            return ready.values.map { ($0.continuation, deadlines) }
        }
    }

    private let state: Locked<State>

    public init(_ start: Date) {
        state = Locked(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, ready) = state.withLock { state -> (Bool, [(CheckedContinuation<[Date], any Error>, [Date])]) in
                    if deadline <= state.now || Task.isCancelled { return (true, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (false, state.readyWatchers())
                }
                if resumeNow { continuation.resume() }
                for (watcher, deadlines) in ready { watcher.resume(returning: deadlines) }
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

    /// The earliest deadline anyone sleeps until, once at least `count` sleepers wait. Suspends
    /// until they do (woken as each sleep begins), at most `seconds` of real time, then throws
    /// ``WaitTimeout``.
    public func nextSleeper(count: Int = 1, within seconds: Double = 30) async throws -> Date {
        try await watch("\(count) sleepers", within: seconds) { $0.count >= count }[0]
    }

    /// Waits until someone sleeps until exactly `deadline` (a loop or a task of the engine went
    /// to sleep on a deadline the test knows), at most `seconds` of real time.
    public func sleeper(until deadline: Date, within seconds: Double = 30) async throws {
        try await watch("a sleeper until \(deadline)", within: seconds) { $0.contains(deadline) }
    }

    /// Advances to the earliest sleeper's deadline (see ``nextSleeper(count:within:)``); returns it.
    @discardableResult
    public func advanceToNextSleeper(count: Int = 1, within seconds: Double = 30) async throws -> Date {
        let next = try await nextSleeper(count: count, within: seconds)
        advance(to: next)
        return next
    }

    /// How many sleepers wait now.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until `condition` holds for the sleepers' deadlines (sorted); returns them.
    @discardableResult
    private func watch(_ what: String, within seconds: Double, _ condition: @escaping @Sendable ([Date]) -> Bool) async throws -> [Date] {
        try await withDeadline(seconds, { "\(what); sleepers until \(self.state.withLock { $0.deadlines })" }) {
            let id = UUID()
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Date], any Error>) in
                    let now = self.state.withLock { state -> Result<[Date], any Error>? in
                        if Task.isCancelled { return .failure(CancellationError()) }
                        let deadlines = state.deadlines
                        if condition(deadlines) { return .success(deadlines) }
                        state.watchers[id] = Watcher(condition: condition, continuation: continuation)
                        return nil
                    }
                    if let now { continuation.resume(with: now) }
                }
            } onCancel: {
                let watcher = self.state.withLock { $0.watchers.removeValue(forKey: id) }
                watcher?.continuation.resume(throwing: CancellationError())
            }
        }
    }
}
