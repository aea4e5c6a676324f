// An embedding example: a Swift program that runs the Kairos engine in-process on an SQLite
// file, registers a closure as a task, schedules it every 2 seconds, and stops after three
// successful runs (or on SIGINT/SIGTERM).
//
//     swift run EmbeddingExample [PATH]      # default: embedding-example.db in a temp folder
import Foundation
import KairosCore
import KairosEngine
import KairosSQLite
import Logging
import ServiceLifecycle

let path = CommandLine.arguments.dropFirst().first ?? FileManager.default.temporaryDirectory.appendingPathComponent("embedding-example.db").path
var logger = Logger(label: "embedding-example")
logger.logLevel = .notice

var tasks = TaskRegistry()
tasks.register("example.greet") { args, context in
    let name = args["name"]?.stringValue ?? "world"
    print("hello, \(name) (job \(context.jobKey), attempt \(context.attempt))")
    return "greeted \(name)"
}

let store = try SQLiteJobStore(path: path)
let engine = KairosEngine(store: store, registry: tasks, configuration: EngineConfiguration(historyRetentionDays: nil), logger: logger)
_ = try await engine.jobs.upsert([
    try JobSpec(
        key: "greet", task: "example.greet", args: ["name": "Kairos"],
        schedule: .interval(try IntervalSchedule(seconds: 2)))
])

let group = ServiceGroup(services: engine.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    tasks.addTask {
        var succeeded = 0
        for await event in engine.events.subscribe() {
            if case .executionSucceeded = event { succeeded += 1 }
            if succeeded == 3 { break }
        }
        await group.triggerGracefulShutdown()
    }
    try await tasks.waitForAll()
}
print("done: three greetings ran; history is in \(path)")
