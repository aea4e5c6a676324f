import Foundation

/// Runs the `kairos` executable built next to the test bundle and captures its output.
struct KairosProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The products directory (`.build/<config>`) holds both the test bundle and `kairos`.
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kairos")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("kairos executable not found near \(CommandLine.arguments[0]); run `swift build` first")
    }()

    /// Held around every `Process.run()` of the CLI tests (this helper and ``ServeProcess``).
    /// Foundation's `run()` on Linux is not made to be called from several threads at once: it
    /// snapshots the open descriptors (`/proc/self/fd`) to close them in the child, then creates
    /// a socket pair that is not close-on-exec and registers it with its manager run loop, while
    /// the other threads' launches open and close theirs. A full parallel run once crashed with
    /// signal 11 inside `run()` called on several threads at once; one launch at a time costs
    /// nothing measurable (a launch takes milliseconds, the processes still run concurrently).
    static func launch(_ process: Process) throws {
        try launchLock.withLock { try process.run() }
    }

    private static let launchLock = NSLock()

    /// Runs `kairos` to the end, off Swift's cooperative thread pool: a test blocking those
    /// threads (two on this machine) would stall every other test of the process meanwhile.
    /// `environment` replaces the inherited one; stdout and stderr are read concurrently.
    static func run(_ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try runBlocking(arguments, environment: environment, stdin: stdin) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]?, stdin: String?) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try launch(process)
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        final class Box: @unchecked Sendable { var data = Data() }
        let errors = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors.data, as: UTF8.self))
    }
}
