import Foundation
import KairosCore

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
    /// The program runs outside this process: its start is recorded first (``KairosTask/recordsStartBeforeRunning``).
    public var recordsStartBeforeRunning: Bool { true }
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
