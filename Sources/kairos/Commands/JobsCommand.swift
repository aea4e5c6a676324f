import ArgumentParser
import Foundation
import KairosCore
import NIOHTTP1

/// `kairos jobs …`: a client of the REST API's jobs routes.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, create, change, delete and act on jobs through the REST API.",
        discussion: """
            Each subcommand talks to a running `kairos serve`. Tables are for people; --json prints \
            the API's JSON for scripts. A job is named by its key or its id.

            \(ClientExit.environment)

            \(ClientExit.help)
            """,
        subcommands: [
            List.self, Get.self, Create.self, Update.self, Delete.self, Trigger.self, Pause.self, Resume.self, Enable.self,
            Disable.self, History.self,
        ]
    )

    static let path = "/api/v1/scheduler/jobs"

    static func path(_ job: String) -> String { "\(path)/\(APIClient.segment(job))" }

    /// `If-Match` for `--if-version N`.
    static func ifMatch(_ version: Int?) -> [(String, String)] {
        version.map { [("If-Match", "\"\($0)\"")] } ?? []
    }

    /// active, paused, disabled or finished (the states `--status` filters on).
    static func state(of job: JSONValue) -> String {
        if job["enabled"]?.boolValue == false { return "disabled" }
        if job["paused"]?.boolValue == true { return "paused" }
        if job["nextRunAt"]?.stringValue == nil { return "finished" }
        return "active"
    }

    static func describe(_ job: JSONValue) -> String {
        "'\(job["key"]?.stringValue ?? "?")'"
    }

    // MARK: list

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List jobs: KEY, TASK, SCHEDULE, NEXT RUN, LAST STATUS, STATE.",
            discussion: """
                Jobs are ordered by key unless --sort names another order (ties are broken by key): \
                --sort nextRunAt, or --sort -nextRunAt for descending. Without --all one page is shown \
                (--limit jobs). \(ClientExit.help)
                """)

        @OptionGroup var client: ClientOptions

        @Option(help: "Only jobs in this state: active, paused, disabled or finished.")
        var status: String?

        @Option(help: "Only jobs of this task (e.g. http.request).")
        var task: String?

        @Option(help: "Only jobs whose key starts with this text.")
        var prefix: String?

        @Option(help: "Only jobs whose key or name contains this text (ASCII letters in either case).")
        var search: String?

        // Unconditional: `--sort -nextRunAt` takes `-nextRunAt` as the value, not as an option.
        @Option(
            parsing: .unconditional,
            help: "Order: key (the default), name, priority, createdAt, nextRunAt or lastRunAt; a leading - for descending (--sort -nextRunAt).")
        var sort: String?

        @Option(help: "Jobs per page (1-500).")
        var limit: Int = 100

        @Option(help: "Start at this page cursor (printed when there are more jobs).")
        var cursor: String?

        @Flag(help: "Follow the pages to the end and list every job.")
        var all = false

        @Flag(help: "Leave out system jobs (system.cleanup-history).")
        var noSystem = false

        @Flag(help: "Print {\"items\": [...], \"nextCursor\": ...} as JSON.")
        var json = false

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500, got \(limit)") }
        }

        func run() async throws {
            var query: [(String, String)] = [("limit", "\(limit)")]
            if let status { query.append(("status", status)) }
            if let task { query.append(("task", task)) }
            if let prefix { query.append(("prefix", prefix)) }
            if let search { query.append(("q", search)) }
            if let sort { query.append(("sort", sort)) }
            if noSystem { query.append(("includeSystem", "false")) }
            if let cursor { query.append(("cursor", cursor)) }
            let (items, next) = try await APIClient.with(client) { api in
                try await api.list(JobsCommand.path, query: query, all: all)
            }
            if json {
                printJSON(.object(["items": .array(items), "nextCursor": next.map(JSONValue.string) ?? .null]))
                return
            }
            if items.isEmpty {
                print("no jobs")
            } else {
                printTable(
                    ["KEY", "TASK", "SCHEDULE", "NEXT RUN", "LAST STATUS", "STATE"],
                    items.map { job in
                        [
                            job["key"]?.stringValue ?? "?",
                            job["task"]?.stringValue ?? "?",
                            cell(job["scheduleDescription"]?.stringValue ?? "-", limit: 50),
                            displayTime(apiDate(job["nextRunAt"])),
                            job["lastStatus"]?.stringValue ?? "-",
                            JobsCommand.state(of: job),
                        ]
                    })
            }
            if let next {
                printError("more jobs: --all lists every job, or --cursor \(next) shows the next page")
            }
        }
    }

    // MARK: get

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one job.", discussion: ClientExit.help)

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's key or id.")
        var job: String

        @Flag(help: "Print the job's JSON as the API answers it.")
        var json = false

        func run() async throws {
            let value = try await APIClient.with(client) { api in try await api.request(.GET, JobsCommand.path(job)) }
            if json { printJSON(value) } else { JobsCommand.printSummary(value) }
        }
    }

    static func printSummary(_ job: JSONValue) {
        var lines: [(String, String)] = []
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { lines.append((label, value)) } }
        add("id", job["id"]?.stringValue)
        add("name", job["name"]?.stringValue)
        add("description", job["description"]?.stringValue)
        add("task", job["task"]?.stringValue)
        if let args = job["args"], args != [:] { add("args", compactJSON(args)) }
        add("schedule", job["scheduleDescription"]?.stringValue)
        if let schedule = job["schedule"] { add("", compactJSON(schedule)) }
        add("state", state(of: job) + (job["system"]?.boolValue == true ? " (system job)" : ""))
        if let next = apiDate(job["nextRunAt"]) { add("next run", "\(displayTime(next)) (\(relativeTime(next)))") } else { add("next run", "-") }
        if let last = apiDate(job["lastRunAt"]) {
            add("last run", "\(displayTime(last)) (\(relativeTime(last))), \(job["lastStatus"]?.stringValue ?? "no status")")
        } else {
            add("last run", "never")
        }
        add("priority", job["priority"]?.intValue.map { "\($0)" })
        add("max instances", job["maxInstances"]?.intValue.map { "\($0)" })
        add("misfire grace", job["misfireGraceTime"]?.doubleValue.map { displayDuration($0) })
        add("coalesce", job["coalesce"]?.boolValue.map { $0 ? "yes" : "no" })
        if let retry = job["retry"], retry != .null { add("retry", compactJSON(retry)) }
        add("timeout", job["timeout"]?.doubleValue.map { displayDuration($0) } ?? "none")
        add("version", job["version"]?.intValue.map { "\($0)" })
        add("created", apiDate(job["createdAt"]).map(displayTime))
        add("updated", apiDate(job["updatedAt"]).map(displayTime))
        print(job["key"]?.stringValue ?? "?")
        let width = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines {
            print("  " + label + String(repeating: " ", count: width - label.count + 2) + value)
        }
    }

    // MARK: create, update, delete

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a job from a JSON or YAML file.",
            discussion: """
                The file holds one job object with the fields of the API (key, task, args, schedule, …). \
                .json files are read as JSON, .yaml and .yml as YAML, other names (and -, standard \
                input) as JSON or else YAML. Invalid fields are listed one per line and exit 2; a key \
                that exists exits 6. \(ClientExit.help)
                """)

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job file (- reads standard input).")
        var file: String

        @Flag(help: "Print the created job's JSON.")
        var json = false

        func run() async throws {
            let body = try JobFile.load(file)
            let job = try await APIClient.with(client) { api in try await api.request(.POST, JobsCommand.path, body: body) }
            if json {
                printJSON(job)
            } else {
                let next = apiDate(job["nextRunAt"]).map { ", next run \(displayTime($0))" } ?? ""
                print("created job \(JobsCommand.describe(job)) (id \(job["id"]?.stringValue ?? "?"), version \(job["version"]?.intValue ?? 0))\(next)")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a job with the content of a JSON or YAML file.",
            discussion: """
                The file holds the whole job (as for create; the key may be left out but cannot \
                change). Fields the server computes (id, version, nextRunAt, …) are ignored, so the \
                output of `kairos jobs get KEY --json` can be edited and sent back. With --if-version N \
                the update is refused (exit 6) unless the job is still at version N. \(ClientExit.help)
                """)

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's key or id.")
        var job: String

        @Argument(help: "The job file (- reads standard input).")
        var file: String

        @Option(name: .customLong("if-version"), help: "Only update if the job is at this version (sent as If-Match).")
        var version: Int?

        @Flag(help: "Print the updated job's JSON.")
        var json = false

        func run() async throws {
            let body = try JobFile.load(file)
            let updated = try await APIClient.with(client) { api in
                try await api.request(.PUT, JobsCommand.path(job), body: body, headers: JobsCommand.ifMatch(version))
            }
            if json {
                printJSON(updated)
            } else {
                print("updated job \(JobsCommand.describe(updated)) (version \(updated["version"]?.intValue ?? 0), \(JobsCommand.state(of: updated)))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a job (its history is kept until retention removes it).", discussion: ClientExit.help)

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's key or id.")
        var job: String

        @Option(name: .customLong("if-version"), help: "Only delete if the job is at this version (sent as If-Match).")
        var version: Int?

        @Flag(help: "Print {\"deleted\": true, \"job\": KEY|ID} as JSON (the API answers 204, no body).")
        var json = false

        func run() async throws {
            _ = try await APIClient.with(client) { api in
                try await api.request(.DELETE, JobsCommand.path(job), headers: JobsCommand.ifMatch(version))
            }
            if json {
                printJSON(.object(["deleted": .bool(true), "job": .string(job)]))
            } else {
                print("deleted job '\(job)'")
            }
        }
    }

    // MARK: actions

    /// POST /jobs/{job}/action; prints what changed.
    static func act(_ action: String, _ options: JobActionOptions) async throws {
        let answer = try await APIClient.with(options.client) { api in
            try await api.request(.POST, path(options.job) + "/action", body: ["action": .string(action)], headers: ifMatch(options.version))
        }
        if options.json { return printJSON(answer) }
        if action == "trigger" {
            print("triggered '\(answer["jobKey"]?.stringValue ?? options.job)': execution \(answer["id"]?.stringValue ?? "?") (\(answer["status"]?.stringValue ?? "?"))")
        } else {
            let past = ["pause": "paused", "resume": "resumed", "enable": "enabled", "disable": "disabled"][action] ?? action
            print("\(past) job \(describe(answer)) (now \(state(of: answer)), version \(answer["version"]?.intValue ?? 0))")
        }
    }

    /// What every action subcommand takes.
    struct JobActionOptions: ParsableArguments {
        @OptionGroup var client: ClientOptions
        @Argument(help: "The job's key or id.") var job: String
        @Option(name: .customLong("if-version"), help: "Only act if the job is at this version (sent as If-Match).") var version: Int?
        @Flag(help: "Print the answer's JSON (the job; for trigger, the new execution).") var json = false
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a job now (a manual execution; allowed while paused, not while disabled).",
            discussion: "Prints the new execution's id; `kairos jobs history KEY` shows how it went. \(ClientExit.help)")

        @OptionGroup var options: JobActionOptions

        func run() async throws { try await JobsCommand.act("trigger", options) }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a job: no scheduled fires until it is resumed.", discussion: ClientExit.help)

        @OptionGroup var options: JobActionOptions

        func run() async throws { try await JobsCommand.act("pause", options) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused job from now (missed fires are not run).", discussion: ClientExit.help)

        @OptionGroup var options: JobActionOptions

        func run() async throws { try await JobsCommand.act("resume", options) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a disabled job.", discussion: ClientExit.help)

        @OptionGroup var options: JobActionOptions

        func run() async throws { try await JobsCommand.act("enable", options) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a job: never fired, cannot be triggered.", discussion: ClientExit.help)

        @OptionGroup var options: JobActionOptions

        func run() async throws { try await JobsCommand.act("disable", options) }
    }

    // MARK: history

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a job's executions, newest first: ID, STATUS, TRIGGER, SCHEDULED, DURATION, ATTEMPT, INSTANCE, ERROR, and under a retried one each earlier attempt.",
            discussion: ClientExit.help)

        @OptionGroup var client: ClientOptions

        @Argument(help: "The job's key or id.")
        var job: String

        @Option(help: "Only executions with these statuses (comma-separated): queued, running, succeeded, failed, cancelled, missed.")
        var status: String?

        @Option(help: "Executions per page (1-500), as the API's default.")
        var limit: Int = 100

        @Option(help: "Start at this page cursor (printed when there are more executions).")
        var cursor: String?

        @Flag(help: "Follow the pages to the end.")
        var all = false

        @Flag(help: "Print {\"items\": [...], \"nextCursor\": ...} as JSON.")
        var json = false

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500, got \(limit)") }
        }

        func run() async throws {
            var query: [(String, String)] = [("limit", "\(limit)")]
            if let status { query.append(("status", status)) }
            if let cursor { query.append(("cursor", cursor)) }
            let (items, next) = try await APIClient.with(client) { api in
                try await api.list(JobsCommand.path(job) + "/history", query: query, all: all)
            }
            if json {
                printJSON(.object(["items": .array(items), "nextCursor": next.map(JSONValue.string) ?? .null]))
                return
            }
            if items.isEmpty {
                print("no executions")
            } else {
                printTable(["ID", "STATUS", "TRIGGER", "SCHEDULED", "DURATION", "ATTEMPT", "INSTANCE", "ERROR"], items.flatMap(Self.rows))
            }
            if let next {
                printError("more executions: --all lists them all, or --cursor \(next) shows the next page")
            }
        }

        /// An execution's row, then (when it was retried) a row for each earlier attempt.
        static func rows(_ execution: JSONValue) -> [[String]] {
            let row: [String] = [
                execution["id"]?.stringValue ?? "?",
                execution["status"]?.stringValue ?? "?",
                execution["trigger"]?.stringValue ?? "?",
                displayTime(apiDate(execution["scheduledAt"])),
                duration(execution["durationMs"]),
                execution["attempt"]?.intValue.map { "\($0)" } ?? "-",
                execution["instanceId"]?.stringValue ?? "-",
                cell(describe(execution["error"]) ?? "-"),
            ]
            let latest = execution["attempt"]?.intValue ?? 0
            let earlier = (execution["attempts"]?.arrayValue ?? []).filter { ($0["attempt"]?.intValue ?? 0) < latest }
            return [row] + earlier.map(attemptRow)
        }

        static func attemptRow(_ attempt: JSONValue) -> [String] {
            let number = attempt["attempt"]?.intValue ?? 0
            return [
                "  attempt \(number)",
                attempt["status"]?.stringValue ?? "?",
                "",
                "started " + displayTime(apiDate(attempt["startedAt"])),
                duration(attempt["durationMs"]),
                "\(number)",
                attempt["instanceId"]?.stringValue ?? "-",
                cell(describe(attempt["error"]) ?? "-"),
            ]
        }

        static func describe(_ error: JSONValue?) -> String? {
            guard let error, case .object = error else { return nil }
            let reason = error["reason"]?.stringValue ?? ""
            let message = error["message"]?.stringValue ?? ""
            return reason.isEmpty ? message : message.isEmpty ? reason : "\(reason): \(message)"
        }

        static func duration(_ value: JSONValue?) -> String {
            value?.doubleValue.map { displayDuration($0 / 1000) } ?? "-"
        }
    }
}
