import Foundation
import KairosCore
import KairosEngine

/// A task's arguments in the job form: one input per argument of its schema. The form shows
/// every task's fieldset (the script only the chosen task's); a save reads the chosen one's.
struct TaskFieldset {
    /// The control of one argument, with its value as typed and the server's complaint about it.
    struct Input {
        var name: String
        var id: String
        var label: String
        var value: String
        var error: String?
        var hint: String?
        var required: Bool
        var describedBy: String?
        var inputMode: String?
        var isText: Bool
        var isTextArea: Bool
        var isSelect: Bool
        var isCode: Bool
        var rows: Int
        var options: [Option]

        init(_ argument: TaskArgument, name: String, id: String, value: String, error: String?) {
            self.name = name
            self.id = id
            label = argument.name
            self.value = value
            self.error = error
            hint = argument.hint
            required = argument.required
            describedBy = FormField.describedBy(id: id, hint: hint, error: error)
            isText = false
            isTextArea = false
            isSelect = false
            isCode = false
            rows = 3
            options = []
            switch argument.kind {
            case .text: isText = true
            case .integer: isText = true; inputMode = "numeric"
            case .number: isText = true; inputMode = "decimal"
            case .longText: isTextArea = true; rows = 5
            case .lines: isTextArea = true; isCode = true
            case .json, .any: isTextArea = true; isCode = true
            case .boolean:
                isSelect = true
                options = Self.options(["true", "false"], default: argument.defaultValue, value: value)
            case .choice(let values):
                isSelect = true
                options = Self.options(values.map(TaskArgument.text), default: argument.defaultValue, value: value)
            }
        }

        /// "Not set" (or the default) first, then the values; a typed value outside them is kept.
        static func options(_ values: [String], default: JSONValue?, value: String) -> [Option] {
            let unset = `default`.map { "Default (\(TaskArgument.text($0)))" } ?? "Not set"
            var all = values
            if !value.isEmpty && !values.contains(value) { all.append(value) }
            return [Option(value: "", label: unset, selected: value.isEmpty)] + all.map { Option(value: $0, label: $0, selected: $0 == value) }
        }
    }

    var name: String
    var summary: String?
    var selected: Bool
    var inputs: [Input]
    var hasInputs: Bool
    /// The schema lists no argument: the task takes none.
    var takesNone: Bool

    /// `index` makes the inputs' ids unique whatever the task and argument names.
    init(_ task: any KairosTask, index: Int, values: JobFormValues, errors: [String: String], selected: Bool) {
        name = task.name
        summary = task.summary.isEmpty ? nil : task.summary
        self.selected = selected
        let arguments = TaskArgument.arguments(of: task)
        takesNone = arguments?.isEmpty == true
        inputs = (arguments ?? []).enumerated().map { position, argument in
            let field = JobFormValues.argumentField(task: task.name, argument: argument.name)
            return Input(argument, name: field, id: "f-arg-\(index)-\(position)", value: values[field], error: errors[field])
        }
        hasInputs = !inputs.isEmpty
    }
}
