#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value only reachable under a lock: the package's one lock type, used wherever state is
/// shared between threads (`Locked(State())`, then `state.withLock { $0... }`).
///
/// It is a `pthread_mutex_t` rather than the standard library's `Synchronization.Mutex`
/// because on Linux `Mutex` locks with raw `futex` system calls, which the thread sanitizer
/// does not see: every value a `Mutex` protected was reported as raced, and so would have been
/// anything it published to another thread. The sanitizer intercepts `pthread_mutex_lock` and
/// `pthread_mutex_unlock`, so under this lock it checks the code as it really synchronizes
/// (README, "Thread sanitizer").
package final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ initialValue: sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value; the lock is held until it returns.
    /// Never call `withLock` on the same instance from inside `body` (it deadlocks).
    package func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
