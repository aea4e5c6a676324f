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
/// The child is started with `posix_spawn` rather than Foundation's `Process`: the server
/// ignores SIGTERM and SIGINT (ServiceLifecycle's signal handling) and libdispatch threads block
/// most signals, and a child must not inherit either, or it could not be stopped by SIGTERM.
/// So the child gets default signal dispositions, an empty signal mask and its own process group.
/// A dedicated thread waits for it (`waitpid`), so it never stays a zombie.
///
/// Output is read with non-blocking reads driven by dispatch read sources; every callback takes
/// `lock`, and the continuation is resumed exactly once.
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

    /// One captured output stream: the read end of a pipe.
    private struct Stream {
        var fd: Int32 = -1
        var tail = TailBuffer(limit: ShellCommandTask.tailBytes)
        var source: (any DispatchSourceRead)?
        var open = false
    }

    private let lock = NSLock()
    private let queue = DispatchQueue(label: "kairos.shell-command.output")
    private let executable: String
    private let argv: [String]
    private let environment: [String: String]
    private let directory: String?
    private var streams = [Stream(), Stream()]
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
        var writeEnds: [Int32] = []
        defer { for fd in writeEnds { close(fd) } }
        do {
            for index in streams.indices {
                let (read, write) = try Self.makePipe()
                streams[index].fd = read
                streams[index].open = true
                writeEnds.append(write)
            }
            let pid = try Self.spawn(executable: executable, argv: argv, environment: environment, directory: directory,
                                     stdout: writeEnds[0], stderr: writeEnds[1])
            state = .running(pid: pid)
        } catch {
            state = .finished
            for index in streams.indices where streams[index].open {
                close(streams[index].fd)
                streams[index].open = false
            }
            continuation.resume(throwing: TaskFailure(message: "could not start \(executable): \(error)"))
            return
        }
        self.continuation = continuation
        for index in streams.indices { startReading(index) }
        guard case .running(let pid) = state else { return }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            exited(status: status)
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

    struct SpawnError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// A pipe whose two ends close on exec (the child gets its copies through `dup2`).
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnError(call: "pipe", code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    private static func spawn(
        executable: String, argv: [String], environment: [String: String], directory: String?, stdout: Int32, stderr: Int32
    ) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let directory {
            let result = addChdir(&actions, directory)
            guard result == 0 else { throw SpawnError(call: "posix_spawn_file_actions_addchdir_np", code: result) }
        }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, arguments, variables)
        guard result == 0 else { throw SpawnError(call: "posix_spawn", code: result) }
        return pid
    }

    #if canImport(Darwin)
    private static func addChdir(_ actions: inout posix_spawn_file_actions_t?, _ directory: String) -> Int32 {
        posix_spawn_file_actions_addchdir_np(&actions, directory)
    }
    #else
    private typealias AddChdirFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc (2.29+) has `posix_spawn_file_actions_addchdir_np`, but its header only declares
    /// it under `_GNU_SOURCE`; look it up at run time.
    private static let addChdirFunction: AddChdirFunction? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdirFunction.self) }

    private static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Int32 {
        guard let function = addChdirFunction else { return ENOSYS }
        return function(&actions, directory)
    }
    #endif

    /// Called with `lock` held.
    private func startReading(_ index: Int) {
        let fd = streams[index].fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in lock.withLock { drain(index) } }
        source.setCancelHandler { close(fd) }
        streams[index].source = source
        source.resume()
    }

    /// Reads what is available without blocking (at most 1 MiB per call, so a chatty child
    /// cannot starve the other callbacks). Called with `lock` held.
    private func drain(_ index: Int) {
        guard streams[index].open else { return }
        let fd = streams[index].fd
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<16 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                streams[index].tail.append(buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                closeStream(index)  // end of file, or an error
                finishIfDone()
                return
            }
        }
    }

    /// Stops reading a stream; its read source's cancel handler closes the descriptor.
    /// Called with `lock` held.
    private func closeStream(_ index: Int) {
        guard streams[index].open else { return }
        streams[index].open = false
        streams[index].source?.cancel()
    }

    private func exited(status: Int32) {
        lock.withLock {
            state = .exited(status: status)
            for index in streams.indices { drain(index) }
            finishIfDone()
        }
        // A background child may keep the pipes open: stop waiting for them after a moment.
        queue.asyncAfter(deadline: .now() + ShellCommandTask.drainAfterExit) { [self] in
            lock.withLock {
                for index in streams.indices {
                    drain(index)
                    closeStream(index)
                }
                finishIfDone()
            }
        }
    }

    /// Called with `lock` held: once the process exited and both streams are closed.
    private func finishIfDone() {
        guard case .exited(let status) = state, !streams.contains(where: \.open) else { return }
        state = .finished
        // waitpid status: low 7 bits are the terminating signal (0 when it exited normally).
        let signal = status & 0x7F
        let outcome = Outcome(
            code: signal == 0 ? (status >> 8) & 0xFF : signal,
            signalled: signal != 0,
            stdout: streams[0].tail.text,
            stderr: streams[1].tail.text)
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(returning: outcome)
    }
}
