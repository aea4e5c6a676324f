import ArgumentParser
import Foundation
import KairosCore

/// `kairos status`: the scheduler's state as `GET /api/v1/scheduler/status` reports it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the instances and their heartbeats, queue depth, job and execution counts and the next fires.",
        discussion: """
            Needs an API key (any role). \(ClientExit.environment)

            \(ClientExit.help)
            """
    )

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print the API's JSON.")
    var json = false

    func run() async throws {
        let status = try await APIClient.with(client) { api in try await api.request(.GET, "/api/v1/scheduler/status") }
        if json { printJSON(status) } else { Self.printStatus(status) }
    }

    static func printStatus(_ status: JSONValue) {
        let serverTime = apiDate(status["serverTime"])
        print("server time  \(displayTime(serverTime))")
        print("queue depth  \(status["queueDepth"]?.intValue.map { "\($0)" } ?? "?") runnable execution(s) waiting")
        print("jobs         \(counts(status["jobs"], order: ["active", "paused", "disabled", "finished"]))")
        print("executions   \(counts(status["executions"], order: ["queued", "running", "succeeded", "failed", "cancelled", "missed"]))")
        print("")
        let thisInstance = status["instance"]?["id"]?.stringValue
        let instances = status["instances"]?.arrayValue ?? []
        if instances.isEmpty {
            print("no instances")
        } else {
            printTable(
                ["INSTANCE", "HOSTNAME", "PID", "ROLES", "HEARTBEAT", "ALIVE", "VERSION"],
                instances.map { instance in
                    let id = instance["id"]?.stringValue ?? "?"
                    let age = instance["heartbeatAgeSeconds"]?.doubleValue.map { "\(displayDuration($0)) ago" } ?? "-"
                    let alive = instance["alive"]?.boolValue == true ? "yes" : instance["stoppedAt"]?.stringValue != nil ? "no (stopped)" : "no"
                    return [
                        id + (id == thisInstance ? " (answering)" : ""),
                        instance["hostname"]?.stringValue ?? "?",
                        instance["pid"]?.intValue.map { "\($0)" } ?? "?",
                        (instance["roles"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ","),
                        age,
                        alive,
                        instance["version"]?.stringValue ?? "?",
                    ]
                })
        }
        print("")
        let fires = status["nextFires"]?.arrayValue ?? []
        if fires.isEmpty {
            print("no upcoming fires")
        } else {
            let now = serverTime ?? Date()
            printTable(
                ["NEXT FIRE", "JOB", "IN"],
                fires.map { fire in
                    let at = apiDate(fire["at"])
                    return [displayTime(at), fire["jobKey"]?.stringValue ?? "?", at.map { relativeTime($0, now: now) } ?? "-"]
                })
        }
    }

    /// `active 3, paused 1, …`, known names first, then any others.
    static func counts(_ value: JSONValue?, order: [String]) -> String {
        let object = value?.objectValue ?? [:]
        let names = order.filter { object[$0] != nil } + object.keys.filter { !order.contains($0) }.sorted()
        return names.map { "\($0) \(object[$0]?.intValue ?? 0)" }.joined(separator: ", ")
    }
}
