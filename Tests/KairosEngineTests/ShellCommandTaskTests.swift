import Foundation
import KairosCore
import Testing

@testable import KairosEngine

@Suite("shell.command task", .timeLimit(.minutes(1)))
struct ShellCommandTaskTests {
    let task = ShellCommandTask(allowed: true)

    @Test("echo succeeds with exit 0 and its output")
    func echo() async throws {
        let result = try await task.run(args: ["argv": ["/bin/echo", "hello", "world"]], context: .forTest())
        #expect(result == "exit 0; hello world")
    }

    @Test("argv[0] without a slash is found in PATH and arguments are not interpolated")
    func pathLookupNoInterpolation() async throws {
        let result = try await task.run(args: ["argv": ["echo", "$HOME", "*", "a;b"]], context: .forTest())
        #expect(result == "exit 0; $HOME * a;b")
    }

    @Test("a non-zero exit fails with reason 'exit status' and the exit code in the result")
    func nonZeroExit() async throws {
        let error = await #expect(throws: TaskFailure.self) {
            try await task.run(args: ["argv": ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]], context: .forTest())
        }
        #expect(error?.reason == "exit status")
        #expect(error?.result == "exit 3; out | err")
        #expect(error?.message.contains("3") == true)
    }

    @Test("env is added to the environment and cwd sets the working directory")
    func envAndCwd() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.resolvingSymlinksInPath().path
        let result = try await task.run(
            args: ["argv": ["/bin/sh", "-c", "echo \"$KAIROS_GREETING\"; pwd"], "env": ["KAIROS_GREETING": "bonjour"], "cwd": .string(path)],
            context: .forTest())
        #expect(result == "exit 0; bonjour \(path)")
    }

    @Test("a missing working directory or program fails before starting")
    func missingDirectoryOrProgram() async throws {
        let noDirectory = await #expect(throws: TaskFailure.self) {
            try await task.run(args: ["argv": ["/bin/echo"], "cwd": "/nonexistent/kairos"], context: .forTest())
        }
        #expect(noDirectory?.message.contains("/nonexistent/kairos") == true)
        let noProgram = await #expect(throws: TaskFailure.self) {
            try await task.run(args: ["argv": ["kairos-no-such-program"]], context: .forTest())
        }
        #expect(noProgram?.message.contains("kairos-no-such-program") == true)
    }

    @Test("only the tail of a long output is kept")
    func longOutput() async throws {
        let result = try #require(try await task.run(
            args: ["argv": ["/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done"]], context: .forTest()))
        #expect(result.hasPrefix("exit 0; …"))
        #expect(result.hasSuffix("line 2999"))
        #expect(result.count <= "exit 0; ".count + 200)
    }

    @Test("cancelling stops a long command quickly (SIGTERM)", arguments: [["/bin/sleep", "30"], ["/bin/sh", "-c", "sleep 30; echo never"]])
    func cancellation(argv: [String]) async throws {
        let task = self.task
        let args = JSONValue.object(["argv": .array(argv.map { .string($0) })])
        let running = Task { try await task.run(args: args, context: .forTest()) }
        try? await Task.sleep(for: .milliseconds(300))
        // From the cancel on: SIGKILL would come killAfter after it, so less means SIGTERM was enough.
        let seconds = await secondsElapsed {
            running.cancel()
            let result = await running.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
        #expect(seconds < ShellCommandTask.killAfter)
    }

    @Test("a command that ignores SIGTERM is killed")
    func killAfterGrace() async throws {
        let task = self.task
        let seconds = await secondsElapsed {
            let running = Task {
                try await task.run(args: ["argv": ["/bin/sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]], context: .forTest())
            }
            try? await Task.sleep(for: .milliseconds(300))
            running.cancel()
            let result = await running.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
        #expect(seconds >= ShellCommandTask.killAfter - 0.5)
        #expect(seconds < 10)
    }

    /// Children starting and ending at the same moments, their pipes hanging up while others'
    /// are created: each result holds its own command's output and nothing else.
    @Test("many short commands at once each get their own output")
    func manyAtOnce() async throws {
        let task = self.task
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let script = JSONValue.string("echo out-\(index); echo err-\(index) >&2")
                    let result = try await task.run(args: ["argv": ["/bin/sh", "-c", script]], context: .forTest())
                    return (index, result)
                }
            }
            for try await (index, result) in group {
                #expect(result == "exit 0; out-\(index) | err-\(index)")
            }
        }
    }

    /// A pipe end another thread creates while this command starts must not reach it (it would
    /// hold that pipe open and delay its reader's end of file), nor any other descriptor of the
    /// server: the child gets stdin, stdout and stderr only (3 is the directory the shell's
    /// `*` is reading).
    @Test("the child inherits no descriptor besides stdin, stdout and stderr")
    func onlyStandardDescriptors() async throws {
        let result = try await task.run(args: ["argv": ["/bin/sh", "-c", "cd /proc/$$/fd && echo *"]], context: .forTest())
        #expect(result == "exit 0; 0 1 2 3")
    }

    @Test("a task cancelled before it starts does not start the process")
    func cancelledBeforeStart() async throws {
        let task = self.task
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-marker-\(UUID().uuidString)").path
        let running = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await task.run(args: ["argv": ["/usr/bin/touch", .string(marker)]], context: .forTest())
        }
        let result = await running.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}

#if os(Linux)
@Suite("shell.command signal handling")
struct ShellCommandSignalTests {
    /// The server ignores SIGTERM/SIGINT and its threads block signals; the child must not inherit that.
    @Test("the child starts with no blocked or ignored signals, in its own process group")
    func cleanSignalState() async throws {
        let result = try #require(try await ShellCommandTask(allowed: true).run(
            args: ["argv": ["/bin/grep", "-E", "^(SigBlk|SigIgn)", "/proc/self/status"]], context: .forTest()))
        // Signals 1–31 (glibc reserves 32 and 33 for itself).
        let fields = result.dropFirst("exit 0; ".count).split(separator: " ")
        #expect(fields.count == 4 && fields[0] == "SigBlk:" && fields[2] == "SigIgn:")
        let blocked = UInt64(fields.count == 4 ? fields[1] : "", radix: 16)
        let ignored = UInt64(fields.count == 4 ? fields[3] : "", radix: 16)
        #expect(blocked.map { $0 & 0x7FFF_FFFF } == 0)
        #expect(ignored.map { $0 & 0x7FFF_FFFF } == 0)
        let group = try #require(try await ShellCommandTask(allowed: true).run(
            args: ["argv": ["/bin/sh", "-c", "test \"$(ps -o pgid= -p $$ | tr -d ' ')\" = \"$$\" && echo leader"]], context: .forTest()))
        #expect(group == "exit 0; leader")
    }
}
#endif
