import Foundation
import KairosCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `shell.command`: runs a program with an argv array (no shell, no interpolation), an
/// optional environment (added to the server's) and working directory. The result is the exit
/// code and the tail of stdout/stderr; a non-zero exit fails the execution (`exit status`).
///
/// Refused unless the server allows shell tasks (`kairos serve --allow-shell-tasks`): a
/// disallowed server rejects such jobs when they are saved and never runs them.
///
/// The program starts with default signal handling, stdin from `/dev/null`, in its own process
/// group. Cancellation (a timeout, shutdown) sends SIGTERM to that group, then SIGKILL after
/// two seconds; the child is always reaped.
///
/// ```json
/// {"task": "shell.command", "args": {"argv": ["/usr/bin/env", "backup", "--quick"],
///                                     "env": {"LANG": "C"}, "cwd": "/var/backups"}}
/// ```
public struct ShellCommandTask: KairosTask {
    public let name = "shell.command"
    public let allowed: Bool
    /// Bytes of stdout and of stderr kept (the tail).
    static let tailBytes = 4096
    /// Characters of output in the result summary.
    static let resultOutputLimit = 200
    static let killAfter: TimeInterval = 2
    /// After the process exits, how long to wait for its pipes to close (a background child
    /// may hold them open).
    static let drainAfterExit: TimeInterval = 1

    public init(allowed: Bool) {
        self.allowed = allowed
    }

    struct Arguments {
        var argv: [String]
        var env: [(name: String, value: String)]
        var cwd: String?
    }

    static let disabledMessage = "shell.command tasks are disabled on this server; start it with --allow-shell-tasks"

    func parse(_ args: JSONValue) throws(ValidationError) -> Arguments {
        guard allowed else {
            throw ValidationError(field: "argv", code: "shellTasksDisabled", message: Self.disabledMessage)
        }
        var check = ArgumentChecker(args, known: ["argv", "env", "cwd"])
        let argv = check.stringArray("argv", required: true, nonEmpty: true)
        if let first = argv?.first, first.isEmpty {
            check.issue("argv[0]", "required", "argv[0] must name the program to run")
        }
        let env = check.stringObject("env")
        for (name, _) in env ?? [] where name.isEmpty || name.contains("=") || name.utf8.contains(0) {
            check.issue("env.\(name)", "invalidValue", "environment variable names must be non-empty and contain no '=' or NUL")
        }
        for (name, value) in env ?? [] where value.utf8.contains(0) {
            check.issue("env.\(name)", "invalidValue", "env.\(name) must not contain NUL characters")
        }
        let cwd = check.string("cwd")
        try check.finish()
        return Arguments(argv: argv ?? [], env: env ?? [], cwd: cwd)
    }

    public func validate(args: JSONValue) throws(ValidationError) {
        _ = try parse(args)
    }

    public func run(args: JSONValue, context: TaskContext) async throws -> String? {
        let arguments: Arguments
        do { arguments = try parse(args) } catch { throw invalidArguments(error, task: name) }

        var environment = ProcessInfo.processInfo.environment
        for (name, value) in arguments.env { environment[name] = value }

        if let cwd = arguments.cwd {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TaskFailure(message: "working directory '\(cwd)' does not exist or is not a directory")
            }
        }
        let program = arguments.argv[0]
        guard let executable = Self.resolveExecutable(program, path: environment["PATH"], cwd: arguments.cwd) else {
            throw TaskFailure(message: "executable '\(program)' not found" + (program.contains("/") ? "" : " in PATH"))
        }

        let runner = ProcessRunner(executable: executable.path, argv: arguments.argv, environment: environment, directory: arguments.cwd)
        let outcome = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessRunner.Outcome, any Error>) in
                runner.start(continuation)
            }
        } onCancel: {
            runner.cancel()
        }
        if runner.wasCancelled { throw CancellationError() }

        let output = [outcome.stdout, outcome.stderr]
            .map { oneLine($0, limit: Self.resultOutputLimit, fromEnd: true) }
            .filter { !$0.isEmpty }
            .joined(separator: " | ")
        let status = outcome.signalled ? "signal \(outcome.code)" : "exit \(outcome.code)"
        let result = output.isEmpty ? status : "\(status); \(oneLine(output, limit: Self.resultOutputLimit, fromEnd: true))"
        context.logger.debug("shell command finished", metadata: ["argv": "\(arguments.argv)", "result": "\(result)"])
        guard !outcome.signalled, outcome.code == 0 else {
            let how = outcome.signalled ? "was killed by signal \(outcome.code)" : "exited with status \(outcome.code)"
            throw TaskFailure(reason: "exit status", message: "\(program) \(how)", result: result)
        }
        return result
    }

    /// The program to run: a path when `program` contains a slash (relative to `cwd`), else the
    /// first executable file of that name in `path` (`PATH`).
    static func resolveExecutable(_ program: String, path: String?, cwd: String?) -> URL? {
        let fileManager = FileManager.default
        func isExecutable(_ candidate: String) -> Bool {
            var isDirectory: ObjCBool = false
            return fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fileManager.isExecutableFile(atPath: candidate)
        }
        if program.contains("/") {
            let full = program.hasPrefix("/") || cwd == nil ? program : "\(cwd!)/\(program)"
            return isExecutable(full) ? URL(fileURLWithPath: full) : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            if isExecutable(candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }
}

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

/// The last `limit` bytes written to it.
struct TailBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func append(_ data: some Collection<UInt8>) {
        if data.count >= limit {
            bytes = Array(data.suffix(limit))
        } else {
            bytes.append(contentsOf: data)
            if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
        }
    }

    /// The tail as text (a character cut at the start is dropped).
    var text: String {
        var text = String(decoding: bytes, as: UTF8.self)
        while text.first == "\u{FFFD}" { text.removeFirst() }
        return text
    }
}

extension ShellCommandTask {
    public var summary: String { "Runs a program (no shell) with arguments, environment and working directory; fails on a non-zero exit." }

    public var argumentSchema: JSONValue {
        [
            "type": "object", "required": ["argv"], "additionalProperties": false,
            "properties": [
                "argv": ["type": "array", "minItems": 1, "items": ["type": "string"], "description": "the program, then its arguments"],
                "env": ["type": "object", "additionalProperties": ["type": "string"]],
                "cwd": ["type": "string"],
            ],
        ]
    }
}
