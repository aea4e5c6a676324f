import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `kairos serve` process running in the background, its output going to files.
public final class ServeProcess: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutURL: URL
    public let stderrURL: URL
    /// The exit code once reaped (``KairosProcess/exitCode(_:)``); guarded by `lock`.
    private var exit: Int32?
    private let lock = NSLock()

    /// `environment` replaces the inherited one.
    public init(_ arguments: [String], in directory: URL, environment: [String: String]? = nil) throws {
        stdoutURL = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).out")
        stderrURL = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).err")
        let out = open(stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let err = open(stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            if out >= 0 { close(out) }
            if err >= 0 { close(err) }
        }
        guard out >= 0, err >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory.path]) }
        // A free port unless the test names one (the last --port wins).
        pid = try KairosProcess.spawn(["serve", "--port", "0"] + arguments, environment: environment, stdin: nil, stdout: out, stderr: err)
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The API's address as printed at start (`… on http://127.0.0.1:PORT`), once serving.
    public var baseURL: String? {
        guard let range = stdout.range(of: " on http://") else { return nil }
        let rest = stdout[range.upperBound...]
        let end = rest.firstIndex(where: { $0 == "\n" || $0 == " " }) ?? rest.endIndex
        return "http://" + rest[..<end]
    }

    /// Sends `signal` unless the process was already reaped (its pid could be reused).
    public func signal(_ signal: Int32) {
        lock.withLock {
            if exit == nil { kill(pid, signal) }
        }
    }

    /// True until the process has exited (reaps it without blocking).
    public var isRunning: Bool {
        lock.withLock {
            guard exit == nil else { return false }
            var status: Int32 = 0
            var reaped = waitpid(pid, &status, WNOHANG)
            while reaped == -1 && errno == EINTR { reaped = waitpid(pid, &status, WNOHANG) }
            if reaped == pid { exit = KairosProcess.exitCode(status) }
            return exit == nil
        }
    }

    /// Waits up to `seconds` for the process to exit; returns its status or `nil` if it still runs.
    public func waitForExit(within seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return lock.withLock { exit }
    }

    /// Waits until the server says it is serving (or exits).
    public func waitUntilServing(within seconds: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stdout.contains("kairos: serving") { return true }
            if !isRunning { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = KairosProcess.wait(pid)
        }
    }
}

/// A temporary directory removed at the end of the test.
public struct TemporaryDirectory: ~Copyable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

