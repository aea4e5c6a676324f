import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import Testing

/// `kairos migrate` and `kairos serve` on a PostgreSQL database, as processes.
@Suite("kairos on PostgreSQL (processes)")
struct PostgresServeTests {
    /// The `kairos` executable built next to the test bundle.
    static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kairos")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        Issue.record("kairos executable not found near \(CommandLine.arguments[0]); run swift build first")
        throw TestServer.MissingServer()
    }

    /// `kairos` with `arguments`, its output going to files in `directory`.
    static func start(_ arguments: [String], in directory: URL, name: String) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).out"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).err"))
        try process.run()
        return process
    }

    static func output(_ directory: URL, _ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return condition()
    }

    @Test("kairos migrate, then two kairos serve on one database: every fire once, both stop with exit 0, no password printed")
    func migrateAndServeTwice() async throws {
        try await withFreshDatabase { configuration in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-pg-serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let password = try #require(configuration.password, "the test server has a password (scripts/test sets one)")
            var url = try #require(URLComponents(string: try TestServer.url()))
            url.path = "/\(configuration.database)"
            let store = try #require(url.string)
            try """
                jobs:
                  - key: tick
                    task: system.noop
                    schedule: {type: interval, seconds: 1}
                """.write(to: directory.appendingPathComponent("jobs.yaml"), atomically: true, encoding: .utf8)

            let migrate = try Self.start(["migrate", "--store", store], in: directory, name: "migrate")
            migrate.waitUntilExit()
            #expect(migrate.terminationStatus == 0, "\(Self.output(directory, "migrate.err"))")
            #expect(Self.output(directory, "migrate.out").contains("applied v1-"), "\(Self.output(directory, "migrate.out"))")

            let servers = try (1...2).map { index in
                try Self.start(
                    ["serve", "--store", store, "--roles", "scheduler,worker", "--jobs", "jobs.yaml", "--pg-pool-size", "3", "--log-level", "warning"],
                    in: directory, name: "serve\(index)")
            }
            let serving = try await Self.eventually(within: 20) {
                (1...2).allSatisfy { Self.output(directory, "serve\($0).out").contains("kairos: serving postgres://") }
            }
            #expect(serving, "both serve: \(Self.output(directory, "serve1.err")) \(Self.output(directory, "serve2.err"))")
            try await Task.sleep(for: .seconds(3))
            for server in servers { server.terminate() }
            for (index, server) in servers.enumerated() {
                let exited = try await Self.eventually(within: 20) { !server.isRunning }
                #expect(exited && server.terminationStatus == 0, "serve \(index + 1) stops with exit 0: \(Self.output(directory, "serve\(index + 1).err"))")
            }
            for name in ["migrate.out", "migrate.err", "serve1.out", "serve1.err", "serve2.out", "serve2.err"] {
                #expect(!Self.output(directory, name).contains(password), "\(name) never shows the password")
            }

            try await withHandles(configuration) { handles in
                let reader = try await handles.open()
                let tick = try #require(try await reader.job(key: "tick"))
                let fires = try await allExecutions(reader).filter { $0.jobId == tick.id && $0.trigger == .scheduled }
                #expect(fires.filter { $0.status == .succeeded }.count >= 2, "the job ran while both served: \(fires.map(\.status))")
                #expect(Set(fires.map(\.scheduledAt)).count == fires.count, "no fire twice")
                // A fire queued ahead of its time when both stopped waits for the next start.
                #expect(fires.allSatisfy { $0.status != .running && $0.status != .failed }, "nothing left running: \(fires.map(\.status))")
                let instances = try await reader.listInstances()
                #expect(instances.count == 2 && instances.allSatisfy { $0.stoppedAt != nil }, "two instances, both stopped cleanly")
            }
        }
    }
}
