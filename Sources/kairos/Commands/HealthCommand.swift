import ArgumentParser
import Foundation
import KairosCore

/// `kairos health [--detailed]`: whether a server is up, for scripts and probes.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that a Kairos server is alive (GET /health); --detailed also checks /ready and the scheduler status.",
        discussion: """
            Exit codes: 0 healthy (and, with --detailed, ready); 1 the server answered but is not \
            healthy or not ready (/ready answered 503); 4 --detailed without a valid API key (the \
            scheduler status needs one); 5 the server cannot be reached or does not answer in time.

            /health and /ready need no key. \(ClientExit.environment)
            """
    )

    @OptionGroup var client: ClientOptions

    @Flag(help: "Also show /ready (store reachable, migrations) and the scheduler status (needs an API key).")
    var detailed = false

    @Flag(help: "Print {\"health\", \"ready\", \"status\"} as JSON (only \"health\" without --detailed).")
    var json = false

    func run() async throws {
        try await APIClient.with(client) { api in
            let health = try await api.send(.GET, "/health")
            let healthy = health.isSuccess && health.json?["status"]?.stringValue == "ok"
            guard detailed else {
                if json {
                    printJSON(health.json ?? .object(["status": .string("HTTP \(health.status)")]))
                } else if healthy {
                    print("ok: \(api.baseURL) is alive (instance \(health.json?["instanceId"]?.stringValue ?? "?"))")
                }
                if !healthy {
                    if !json { _ = api.failure(health) }
                    throw ExitCode(ClientExit.failure)
                }
                return
            }
            guard healthy else {
                if json { printJSON(["health": health.json ?? .null]) } else { _ = api.failure(health) }
                throw ExitCode(ClientExit.failure)
            }
            let ready = try await api.send(.GET, "/ready")
            let status = try await api.send(.GET, "/api/v1/scheduler/status")
            if json {
                printJSON(["health": health.json ?? .null, "ready": ready.json ?? .null, "status": status.json ?? .null])
            } else {
                print("health  ok: \(api.baseURL) is alive (instance \(health.json?["instanceId"]?.stringValue ?? "?"))")
                if ready.isSuccess {
                    let migrations = (ready.json?["migrations"]?.arrayValue ?? []).compactMap(\.stringValue)
                    print("ready   \(ready.json?["status"]?.stringValue ?? "ready"): the store answers, \(migrations.count) migration(s) applied (latest \(migrations.last ?? "-"))")
                } else {
                    print("ready   NOT READY (HTTP \(ready.status)): \(ready.json?["detail"]?.stringValue ?? String(decoding: ready.body.prefix(200), as: UTF8.self))")
                }
                if status.isSuccess, let value = status.json {
                    print("")
                    StatusCommand.printStatus(value)
                }
            }
            if !ready.isSuccess { throw ExitCode(ClientExit.failure) }
            if !status.isSuccess {
                let code = api.failure(status)  // prints the problem (e.g. a missing key)
                throw code
            }
        }
    }
}
