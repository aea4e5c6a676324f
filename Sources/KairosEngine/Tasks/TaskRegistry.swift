import Foundation
import KairosCore

/// The tasks this process can run, by name. Built-in tasks plus the embedding program's own.
///
/// ```swift
/// var registry = TaskRegistry()
/// registry.register("demo.hello") { args, context in
///     context.logger.info("hello")
///     return "said hello"
/// }
/// ```
public struct TaskRegistry: Sendable {
    private var tasks: [String: any KairosTask] = [:]

    public init() {}

    public mutating func register(_ task: some KairosTask) {
        tasks[task.name] = task
    }

    /// Registers a closure as a task. `validate` checks the arguments before a job is saved
    /// (the default accepts any object).
    public mutating func register(
        _ name: String,
        validate: @escaping @Sendable (JSONValue) throws(ValidationError) -> Void = { _ throws(ValidationError) in },
        run: @escaping @Sendable (JSONValue, TaskContext) async throws -> String?
    ) {
        register(ClosureTask(name: name, validator: validate, body: run))
    }

    public func task(named name: String) -> (any KairosTask)? { tasks[name] }

    public var names: [String] { tasks.keys.sorted() }

    /// Checks that the job names a registered task and that the task accepts its arguments;
    /// argument issues are reported under `args.`.
    public func validate(_ spec: JobSpec) throws(ValidationError) {
        guard let task = tasks[spec.task] else {
            throw ValidationError(
                field: "task", code: "unknownTask",
                message: "unknown task '\(spec.task)'; registered tasks: \(names.joined(separator: ", "))")
        }
        do { try task.validate(args: spec.args) } catch { throw error.nested(under: "args") }
    }
}

struct ClosureTask: KairosTask {
    let name: String
    let validator: @Sendable (JSONValue) throws(ValidationError) -> Void
    let body: @Sendable (JSONValue, TaskContext) async throws -> String?

    func validate(args: JSONValue) throws(ValidationError) { try validator(args) }
    func run(args: JSONValue, context: TaskContext) async throws -> String? { try await body(args, context) }
}
