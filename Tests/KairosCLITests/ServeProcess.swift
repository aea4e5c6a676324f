import Foundation

/// A `kairos serve` process running in the background, its output going to files.
final class ServeProcess {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ arguments: [String], in directory: URL) throws {
        stdoutURL = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).out")
        stderrURL = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = KairosProcess.executable
        // A free port unless the test names one (the last --port wins).
        process.arguments = ["serve", "--port", "0"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try KairosProcess.launch(process)
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The API's address as printed at start (`… on http://127.0.0.1:PORT`), once serving.
    var baseURL: String? {
        guard let range = stdout.range(of: " on http://") else { return nil }
        let rest = stdout[range.upperBound...]
        let end = rest.firstIndex(where: { $0 == "\n" || $0 == " " }) ?? rest.endIndex
        return "http://" + rest[..<end]
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits up to `seconds` for the process to exit; returns its status or `nil` if it still runs.
    func waitForExit(within seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    /// Waits until the server says it is serving (or exits).
    func waitUntilServing(within seconds: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stdout.contains("kairos: serving") { return true }
            if !process.isRunning { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A temporary directory removed at the end of the test.
struct TemporaryDirectory: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

