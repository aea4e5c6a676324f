import Foundation
import KairosStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock a process serving an SQLite database holds for as long as it runs: an exclusive
/// `flock` on `<database>.lock` beside the file. SQLite itself lets several processes share a
/// file, but Kairos's scheduler and workers on SQLite are built for one serving process (one
/// writer; no cross-process wake-ups), so a second `kairos serve` on the same file is refused
/// with an error naming the file and the process that holds it. Short-lived commands (`kairos
/// keys`, `kairos migrate`) open the database without it. The kernel drops the lock when the
/// process dies, however it dies (kill -9 included), so a restart never finds a stale lock.
final class ServingLock: Sendable {
    let path: String
    private let descriptor: Int32

    init(databasePath: String) throws(StoreError) {
        path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(.unavailable, "cannot open the lock file '\(path)' of the SQLite database at '\(databasePath)': \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw StoreError(
                    .unavailable,
                    "the SQLite database at '\(databasePath)' is already served by another kairos process\(holder.map { " (pid \($0))" } ?? "") holding '\(path)': one process serves an SQLite file; stop it, or use PostgreSQL for several instances")
            }
            throw StoreError(.unavailable, "cannot lock '\(path)' for the SQLite database at '\(databasePath)': \(String(cString: strerror(reason)))")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = descriptor
    }

    /// The pid the holder wrote into the lock file, if readable.
    private static func holder(_ descriptor: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        close(descriptor)
    }
}
