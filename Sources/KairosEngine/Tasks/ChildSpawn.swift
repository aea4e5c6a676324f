import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn` with what a server's child needs, shared by ``ProcessRunner`` and the CLI
/// tests' process helpers (Foundation's `Process.run()` on Linux crashed when called from
/// several threads at once): default signal dispositions and an empty signal mask (the server
/// ignores SIGTERM and SIGINT, libdispatch threads block most signals, and a child must not
/// inherit either), no descriptor but its stdin, stdout and stderr, and pipes that are
/// close-on-exec from the start.
package enum ChildSpawn {
    package struct SpawnError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        package var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// A pipe whose two ends close on exec (the child gets its copies through `dup2`), made so
    /// in one call (`pipe2`): with `pipe` then `fcntl`, a child another thread spawns in between
    /// inherits both ends and holds the pipe open, so its reader sees no end of file until that
    /// unrelated child exits. The read end does not block unless `blockingRead`.
    package static func makePipe(blockingRead: Bool = false) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Darwin)
        guard pipe(&fds) == 0 else { throw SpawnError(call: "pipe", code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        #else
        guard let pipe2 = pipe2Function else { throw SpawnError(call: "pipe2", code: ENOSYS) }
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw SpawnError(call: "pipe2", code: errno) }
        #endif
        if !blockingRead { _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    /// Starts `executable` with `argv` (its first element the program's name) and exactly
    /// `environment`, its stdin from `stdin` (`/dev/null` when `nil`), its stdout and stderr to
    /// the given descriptors, in a process group of its own unless `ownProcessGroup` is false.
    package static func spawn(
        executable: String, argv: [String], environment: [String: String], directory: String? = nil,
        stdin: Int32? = nil, stdout: Int32, stderr: Int32, ownProcessGroup: Bool = true
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

        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let directory {
            let result = addChdir(&actions, directory)
            guard result == 0 else { throw SpawnError(call: "posix_spawn_file_actions_addchdir_np", code: result) }
        }
        let closing = addCloseFrom(&actions, 3)
        guard closing == 0 else { throw SpawnError(call: "posix_spawn_file_actions_addclosefrom_np", code: closing) }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        let group = ownProcessGroup ? POSIX_SPAWN_SETPGROUP : 0
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | group))

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

    /// Darwin has no `addclosefrom`; the server's own descriptors are close-on-exec there too.
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t?, _ lowest: Int32) -> Int32 { 0 }
    #else
    private typealias AddChdirFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Pipe2Function = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// glibc has `posix_spawn_file_actions_addchdir_np` (2.29+), `…_addclosefrom_np` (2.34+) and
    /// `pipe2`, but its headers only declare them under `_GNU_SOURCE`; look them up at run time.
    private static let addChdirFunction: AddChdirFunction? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdirFunction.self) }
    private static let addCloseFromFunction: AddCloseFromFunction? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFromFunction.self) }
    private static let pipe2Function: Pipe2Function? = dlsym(nil, "pipe2")
        .map { unsafeBitCast($0, to: Pipe2Function.self) }

    private static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Int32 {
        guard let function = addChdirFunction else { return ENOSYS }
        return function(&actions, directory)
    }

    /// The child closes every descriptor from `lowest` up before it runs the program, so it holds
    /// nothing of the server's that is not close-on-exec (a library's socket, another task's
    /// pipe). Without it (glibc before 2.34) the child gets those too, as with `Process`.
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Int32 {
        guard let function = addCloseFromFunction else { return 0 }
        return function(&actions, lowest)
    }
    #endif
}
