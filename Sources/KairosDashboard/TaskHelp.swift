import Foundation
import KairosCore
import KairosEngine

/// What a task's arguments are, read from its JSON Schema, for the job form: each property
/// with its type, whether it is required, its default, allowed values and description.
struct TaskHelp {
    struct Argument {
        var name: String
        var type: String
        var required: Bool
        var detail: String?
    }

    var name: String
    var summary: String?
    var arguments: [Argument]
    var selected: Bool

    init(_ task: any KairosTask, selected: Bool) {
        name = task.name
        summary = task.summary.isEmpty ? nil : task.summary
        self.selected = selected
        let schema = task.argumentSchema.objectValue ?? [:]
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let properties = schema["properties"]?.objectValue ?? [:]
        arguments = properties.keys.sorted().map { name in
            let property = properties[name]?.objectValue ?? [:]
            var notes: [String] = []
            if let values = property["enum"]?.arrayValue { notes.append("one of " + values.map(Self.text).joined(separator: ", ")) }
            if let value = property["default"] { notes.append("default " + Self.text(value)) }
            if let description = property["description"]?.stringValue { notes.append(description) }
            return Argument(
                name: name, type: property["type"].map(Self.text) ?? "any", required: required.contains(name),
                detail: notes.isEmpty ? nil : notes.joined(separator: "; "))
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): JobFormValues.number(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let values): values.map(text).joined(separator: " or ")
        case .object: "object"
        }
    }
}
