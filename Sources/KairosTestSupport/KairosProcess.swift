import Foundation
import KairosEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the `kairos` executable built next to the test bundle and captures its output (the
/// CLI tests and the PostgreSQL process tests).
///
/// Children are started with ``ChildSpawn`` (`posix_spawn`), their output read with `poll` and
/// `read` retried on EINTR, never with Foundation's `Process` and `FileHandle`: on Linux
/// `Process.run()` crashed (signal 11 in `memcpy`) when tests launched several at once, even
/// one at a time under a lock, and `FileHandle.readDataToEndOfFile()` traps on an interrupted
/// read.
public struct KairosProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The products directory (`.build/<config>`) holds both the test bundle and `kairos`.
    public static let executable: String = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kairos")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("kairos executable not found near \(CommandLine.arguments[0]); run `swift build` first")
    }()

    /// Starts `kairos` with `arguments`; `environment` replaces the inherited one.
    public static func spawn(_ arguments: [String], environment: [String: String]?, stdin: Int32?, stdout: Int32, stderr: Int32) throws -> pid_t {
        try ChildSpawn.spawn(
            executable: executable, argv: [executable] + arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            stdin: stdin, stdout: stdout, stderr: stderr, ownProcessGroup: false)
    }

    /// Runs `kairos` to the end, off Swift's cooperative thread pool: a test blocking those
    /// threads (two on this machine) would stall every other test of the process meanwhile.
    /// `environment` replaces the inherited one; stdout and stderr are read concurrently.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) async throws -> Result {
        try await run(program: executable, arguments, environment: environment, stdin: stdin)
    }

    /// Runs another program (`program`: its path) the same way.
    public static func run(program: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try runBlocking(program, arguments, environment: environment, stdin: stdin) })
            }
        }
    }

    private static func runBlocking(_ program: String, _ arguments: [String], environment: [String: String]?, stdin: String?) throws -> Result {
        let out = try ChildSpawn.makePipe()
        let err = try ChildSpawn.makePipe()
        let input = try stdin.map { _ in try ChildSpawn.makePipe(blockingRead: true) }
        let pid: pid_t
        do {
            pid = try ChildSpawn.spawn(
                executable: program, argv: [program] + arguments, environment: environment ?? ProcessInfo.processInfo.environment,
                stdin: input?.read, stdout: out.write, stderr: err.write, ownProcessGroup: false)
        } catch {
            for fd in [out.read, out.write, err.read, err.write, input?.read, input?.write].compactMap({ $0 }) { close(fd) }
            throw error
        }
        close(out.write)
        close(err.write)
        if let input, let stdin {
            close(input.read)
            writeAll(input.write, Array(stdin.utf8))
            close(input.write)
        }
        let (output, errors) = readToEnd(out.read, err.read)
        return Result(status: wait(pid), stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self))
    }

    /// Writes all of `bytes` (a child that stops reading early only ends the write: EPIPE).
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Reads two non-blocking pipes until both reach their end of file.
    private static func readToEnd(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var fds = [first, second]
        var data: [[UInt8]] = [[], []]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fds.contains(where: { $0 >= 0 }) {
            var watched = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&watched, nfds_t(watched.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in fds.indices where fds[index] >= 0 && watched[index].revents != 0 {
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fds[index], $0.baseAddress, $0.count) }
                    if count > 0 {
                        data[index] += buffer[0..<count]
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                            close(fds[index])
                            fds[index] = -1
                        }
                        break
                    }
                }
            }
        }
        for fd in fds where fd >= 0 { close(fd) }
        return (data[0], data[1])
    }

    /// Waits for `pid` to exit: its exit code, or 128 + the signal that ended it.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return exitCode(status)
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
