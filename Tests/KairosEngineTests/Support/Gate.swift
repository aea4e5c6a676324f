import Foundation
import KairosCore
import Synchronization

/// Something a task under test blocks on until the test opens it: a task that "runs for a
/// while" without real time passing. Once open it stays open; waiting on an open gate returns
/// at once.
final class Gate: Sendable {
    private struct State {
        var open = false
        /// Resumes a waiter: with success when the gate opens, with `CancellationError` when a
        /// waiter that honours cancellation is cancelled.
        var waiters: [UUID: @Sendable (Result<Void, any Error>) -> Void] = [:]
    }

    private let state = Locked(State())

    var isOpen: Bool { state.withLock { $0.open } }

    func open() {
        let waiters = state.withLock { state -> [@Sendable (Result<Void, any Error>) -> Void] in
            state.open = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for resume in waiters { resume(.success(())) }
    }

    /// Waits until the gate opens; throws `CancellationError` when the task is cancelled (a task
    /// that honours cancellation).
    func wait() async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { state -> Result<Void, any Error>? in
                    if state.open { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = { continuation.resume(with: $0) }
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let resume = state.withLock { $0.waiters.removeValue(forKey: id) }
            resume?(.failure(CancellationError()))
        }
    }

    /// Waits until the gate opens, whatever happens to the task (a task that ignores
    /// cancellation). `cancelled` runs when the task is cancelled meanwhile.
    func waitIgnoringCancellation(cancelled: @escaping @Sendable () -> Void = {}) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiters[UUID()] = { _ in continuation.resume() }
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            cancelled()
        }
    }
}
