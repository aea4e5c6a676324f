import Foundation

/// The wall clock the engine schedules by. Injected so that tests can drive time; the
/// decisions themselves (``SchedulerStateMachine``, ``DispatchState``, `FirePlan`) take
/// instants as arguments and never read a clock.
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Sleeps until `deadline` or throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock.
public struct SystemClock: EngineClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .microseconds(Int64((min(seconds, 86_400) * 1_000_000).rounded(.up))))
    }
}
