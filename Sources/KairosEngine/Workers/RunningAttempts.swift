import Foundation
import KairosCore
import Synchronization

/// The worker slots of one pool, so that a timeout, a cancel request or shutdown can reach the
/// attempts running in them. One timer loop per pool (``runTimers(clock:)``) enforces timeouts
/// and abandons attempts that ignore cancellation, so an attempt costs no timer of its own.
final class RunningAttempts: Sendable {
    /// The slots, and when the timer loop wakes next (`nil`: only on a signal). One lock, so
    /// that a timeout set while the loop computes its wake-up is never missed.
    private let state = Locked<(slots: [ObjectIdentifier: WorkerSlot], wake: Date?)>(([:], nil))
    private let timers = Wakeup()
    private let finished = Atomic<Bool>(false)
    let abandonAfter: TimeInterval

    init(abandonAfter: TimeInterval) {
        self.abandonAfter = abandonAfter
    }

    func register(_ slot: WorkerSlot) {
        state.withLock { $0.slots[ObjectIdentifier(slot)] = slot }
    }

    func unregister(_ slot: WorkerSlot) {
        let empty = state.withLock { state -> Bool in
            state.slots[ObjectIdentifier(slot)] = nil
            return state.slots.isEmpty
        }
        if empty { timers.signal() }
    }

    /// An attempt with a timeout began: wakes the timer loop if it is the earliest deadline.
    func timeoutSet(_ timeoutAt: Date) {
        let signal = state.withLock { state -> Bool in
            guard state.wake.map({ timeoutAt < $0 }) ?? true else { return false }
            state.wake = timeoutAt
            return true
        }
        if signal { timers.signal() }
    }

    func stop(_ ids: [UUID], reason: String, now: Date) {
        let ids = Set(ids)
        stop(where: { ids.contains($0.claimed.execution.id) }, reason: reason, now: now)
    }

    func stopAll(reason: String, now: Date) {
        stop(where: { _ in true }, reason: reason, now: now)
    }

    private func stop(where matches: (WorkerSlot.Attempt) -> Bool, reason: String, now: Date) {
        for slot in state.withLock({ Array($0.slots.values) }) {
            slot.requestStop(where: matches, reason: reason, abandonAt: now.addingTimeInterval(abandonAfter))
        }
        timers.signal()
    }

    /// Ends ``runTimers(clock:)`` once no slot is left.
    func finish() {
        finished.store(true, ordering: .relaxed)
        timers.signal()
    }

    /// Stops attempts at their timeout and abandons those still running `abandonAfter` later.
    func runTimers(clock: any EngineClock) async {
        while true {
            let now = clock.now()
            if Task.isCancelled {
                // The service group is being torn down (another service failed): no timer can
                // wait any more, so every attempt is stopped and abandoned now.
                for slot in state.withLock({ Array($0.slots.values) }) {
                    slot.requestStop(where: { _ in true }, reason: ExecutionError.shutdown, abandonAt: now)
                    if let attempt = slot.attempt { slot.abandon(serial: attempt.serial) }
                }
                return
            }
            var next: Date?
            var timedOut: [(WorkerSlot, Int)] = []
            var abandoned: [(WorkerSlot, Int)] = []
            let empty = state.withLock { state -> Bool in
                for slot in state.slots.values {
                    guard let attempt = slot.attempt else { continue }
                    if let at = attempt.timeoutAt {
                        if at <= now { timedOut.append((slot, attempt.serial)) } else { next = min(next ?? at, at) }
                    } else if let at = attempt.abandonAt {
                        if at <= now { abandoned.append((slot, attempt.serial)) } else { next = min(next ?? at, at) }
                    }
                }
                if !timedOut.isEmpty { next = min(next ?? now.addingTimeInterval(abandonAfter), now.addingTimeInterval(abandonAfter)) }
                state.wake = next
                return state.slots.isEmpty
            }
            for (slot, serial) in timedOut {
                slot.requestStop(where: { $0.serial == serial }, reason: ExecutionError.timeout, abandonAt: now.addingTimeInterval(abandonAfter))
            }
            for (slot, serial) in abandoned { slot.abandon(serial: serial) }
            if empty && finished.load(ordering: .relaxed) { return }
            await timers.wait(until: next, clock: clock)
        }
    }
}
