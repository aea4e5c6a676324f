import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One child process: launch, capture the tails of its output, wait for it to exit, and stop it
/// on cancellation (SIGTERM to its process group, SIGKILL after ``ShellCommandTask/killAfter``).
///
/// The child is started with `posix_spawn` (``ChildSpawn``) rather than Foundation's `Process`: the server
/// ignores SIGTERM and SIGINT (ServiceLifecycle's signal handling) and libdispatch threads block
/// most signals, and a child must not inherit either, or it could not be stopped by SIGTERM.
/// So the child gets default signal dispositions, an empty signal mask and its own process group,
/// and no descriptor but its stdin, stdout and stderr. Its pipes are created close-on-exec
/// (`pipe2`), so no child another thread spawns meanwhile inherits an end of them.
///
/// Two dedicated threads serve the child: one waits for it (`waitpid`), so it never stays a
/// zombie; one reads its output with `poll` and non-blocking reads until both pipes reach their
/// end of file, or until ``ShellCommandTask/drainAfterExit`` after the exit (a background child
/// may keep them open). No dispatch read source watches the pipes: libdispatch on Linux
/// acknowledges the deletion of a read source whose pipe hung up on the source's own queue,
/// freeing its epoll record there while the event loop thread may still be using it, which
/// crashed the event loop (`_dispatch_event_loop_drain`) when many children ended at once.
/// Every state change takes `lock`, and the continuation is resumed exactly once.
final class ProcessRunner: @unchecked Sendable {
    struct Outcome: Sendable {
        var code: Int32
        var signalled: Bool
        var stdout: String
        var stderr: String
    }

    private enum State {
        case idle
        case running(pid: pid_t)
        case exited(status: Int32)
        case finished
    }

    private let lock = NSLock()
    private let queue = DispatchQueue(label: "kairos.shell-command.kill")
    private let executable: String
    private let argv: [String]
    private let environment: [String: String]
    private let directory: String?
    private var tails = [TailBuffer(limit: ShellCommandTask.tailBytes), TailBuffer(limit: ShellCommandTask.tailBytes)]
    private var reading = false
    private var state = State.idle
    private var cancelled = false
    private var continuation: CheckedContinuation<Outcome, any Error>?

    init(executable: String, argv: [String], environment: [String: String], directory: String?) {
        self.executable = executable
        self.argv = argv
        self.environment = environment
        self.directory = directory
    }

    var wasCancelled: Bool { lock.withLock { cancelled } }

    func start(_ continuation: CheckedContinuation<Outcome, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        guard !cancelled else {
            state = .finished
            continuation.resume(throwing: CancellationError())
            return
        }
        // stdout, stderr, and the pipe the waiting thread closes to tell the reader the child exited.
        var pipes: [(read: Int32, write: Int32)] = []
        let pid: pid_t
        do {
            for _ in 0..<3 { pipes.append(try ChildSpawn.makePipe()) }
            pid = try ChildSpawn.spawn(executable: executable, argv: argv, environment: environment, directory: directory,
                                 stdout: pipes[0].write, stderr: pipes[1].write)
        } catch {
            state = .finished
            for pipe in pipes {
                close(pipe.read)
                close(pipe.write)
            }
            continuation.resume(throwing: TaskFailure(message: "could not start \(executable): \(error)"))
            return
        }
        close(pipes[0].write)
        close(pipes[1].write)
        state = .running(pid: pid)
        reading = true
        self.continuation = continuation
        let output = [pipes[0].read, pipes[1].read]
        let exitRead = pipes[2].read
        let exitWrite = pipes[2].write
        Thread.detachNewThread { [self] in
            readOutput(output, exitSignal: exitRead)
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            exited(status: status)
            close(exitWrite)
        }
    }

    /// SIGTERM now, SIGKILL after a grace period if it still runs.
    func cancel() {
        lock.lock()
        cancelled = true
        guard case .running(let pid) = state else {
            lock.unlock()
            return
        }
        Self.signal(pid, SIGTERM)
        lock.unlock()
        queue.asyncAfter(deadline: .now() + ShellCommandTask.killAfter) { [self] in
            lock.withLock {
                if case .running(let pid) = state { Self.signal(pid, SIGKILL) }
            }
        }
    }

    /// Signals the child's process group, so the programs it started stop too; falls back to
    /// the child alone. Only called while the child is not yet reaped (its pid cannot be reused).
    private static func signal(_ pid: pid_t, _ signal: Int32) {
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    /// The reading thread: reads both pipes as their data comes, until both reach their end of
    /// file or `drainAfterExit` has passed since the child exited (the waiting thread closes
    /// `exitSignal`'s write end then); what is left unread at that point is read, then the pipes
    /// are closed.
    private func readOutput(_ fds: [Int32], exitSignal: Int32) {
        let clock = ContinuousClock()
        var open = fds
        var deadline: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open.contains(where: { $0 >= 0 }) {
            var timeout: Int32 = -1
            if let deadline {
                let left = clock.now.duration(to: deadline)
                guard left > .zero else { break }
                timeout = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            }
            var watched = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            watched.append(pollfd(fd: deadline == nil ? exitSignal : -1, events: Int16(POLLIN), revents: 0))
            guard poll(&watched, nfds_t(watched.count), timeout) >= 0 || errno == EINTR else { break }
            if watched[open.count].revents != 0 {
                deadline = clock.now + .seconds(ShellCommandTask.drainAfterExit)
            }
            for index in open.indices where open[index] >= 0 && watched[index].revents != 0 {
                if !readAvailable(open[index], into: index, buffer: &buffer) {
                    close(open[index])
                    open[index] = -1
                }
            }
        }
        for index in open.indices where open[index] >= 0 {
            _ = readAvailable(open[index], into: index, buffer: &buffer)
            close(open[index])
        }
        close(exitSignal)
        lock.withLock {
            reading = false
            finishIfDone()
        }
    }

    /// Reads what `fd` has, without blocking, into the tail of stream `index` (at most 1 MiB a
    /// call, so a chatty child cannot starve the other stream). False at its end of file (or on
    /// an error, which ends the stream too).
    private func readAvailable(_ fd: Int32, into index: Int, buffer: inout [UInt8]) -> Bool {
        var reads = 0
        while reads < 16 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                lock.withLock { tails[index].append(buffer[0..<count]) }
                reads += 1
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
            }
        }
        return true
    }

    private func exited(status: Int32) {
        lock.withLock {
            state = .exited(status: status)
            finishIfDone()
        }
    }

    /// Called with `lock` held: once the process exited and its output was read.
    private func finishIfDone() {
        guard case .exited(let status) = state, !reading else { return }
        state = .finished
        // waitpid status: low 7 bits are the terminating signal (0 when it exited normally).
        let signal = status & 0x7F
        let outcome = Outcome(
            code: signal == 0 ? (status >> 8) & 0xFF : signal,
            signalled: signal != 0,
            stdout: tails[0].text,
            stderr: tails[1].text)
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(returning: outcome)
    }
}
