import Foundation
import KairosCore
import KairosStore

/// How far a local clock is from the store's, as measured.
public struct ClockOffset: Sendable, Hashable {
    /// Seconds to add to the local clock to read the store's (positive: the local clock is behind).
    public var seconds: TimeInterval
    /// The measurement's round trip; the offset is exact to within half of it.
    public var roundTrip: TimeInterval

    public init(seconds: TimeInterval, roundTrip: TimeInterval) {
        self.seconds = seconds
        self.roundTrip = roundTrip
    }
}

/// The engine's clock on a store shared by several hosts (``StoreClockSource``): `base` plus
/// the last measured offset to the database's clock, so that every instance agrees on when a
/// fire is due and when a lease expires, whatever its own clock says (docs/POSTGRES.md, "Time").
/// The heartbeat measures the offset at start and at every beat (``synchronize(samples:)``).
public final class StoreClock: EngineClock, Sendable {
    public let base: any EngineClock
    private let source: any StoreClockSource
    private struct State {
        var offset: ClockOffset?
        var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Locked(State())

    public init(base: any EngineClock, source: any StoreClockSource) {
        self.base = base
        self.source = source
    }

    /// The offset in use; `nil` until the first measurement.
    public var offset: ClockOffset? { state.withLock { $0.offset } }

    private var seconds: TimeInterval { state.withLock { $0.offset?.seconds ?? 0 } }

    public func now() -> Date { base.now().addingTimeInterval(seconds) }

    public func sleep(until deadline: Date) async throws {
        try await base.sleep(until: deadline.addingTimeInterval(-seconds))
    }

    /// Reads the database's clock `samples` times and uses the reading with the shortest round
    /// trip, its midpoint taken as the local instant it was read at.
    @discardableResult
    public func synchronize(samples: Int = 3) async throws -> ClockOffset {
        var best: ClockOffset?
        for _ in 0..<max(1, samples) {
            let sent = base.now()
            let database = try await source.databaseTime()
            let received = base.now()
            let roundTrip = max(0, received.timeIntervalSince(sent))
            let sample = ClockOffset(seconds: database.timeIntervalSince(sent.addingTimeInterval(roundTrip / 2)), roundTrip: roundTrip)
            if best.map({ sample.roundTrip < $0.roundTrip }) ?? true { best = sample }
        }
        let offset = best ?? ClockOffset(seconds: 0, roundTrip: 0)
        let waiting = state.withLock { state in
            state.offset = offset
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiting { waiter.resume() }
        return offset
    }

    /// Returns once the offset has been measured, or when the task is cancelled first.
    func synchronized() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.offset != nil || Task.isCancelled { return true }
                    state.waiting[id] = waiter
                    return false
                }
                if resumeNow { waiter.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
        }
    }
}
