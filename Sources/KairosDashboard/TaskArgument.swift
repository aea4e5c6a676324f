import Foundation
import KairosCore
import KairosEngine

/// One argument of a task, read from its JSON Schema: the control the job form shows for it and
/// the conversion between that control's text and the argument's JSON value (empty = not set).
struct TaskArgument: Sendable {
    enum Kind: Sendable, Equatable {
        /// A one-line string.
        case text
        /// A long string (a body, a script): a text area.
        case longText
        case integer
        case number
        /// `true`, `false` or not set.
        case boolean
        /// One of the schema's `enum` values.
        case choice([JSONValue])
        /// An array of strings or numbers, one item per line.
        case lines(item: LineItem)
        /// An object, or an array of anything else: JSON.
        case json
        /// No type in the schema: JSON, or else the text as a string.
        case any
    }

    enum LineItem: Sendable, Equatable { case string, integer, number }

    var name: String
    var kind: Kind
    var required: Bool
    var defaultValue: JSONValue?
    var description: String?
    var minimum: Double?
    var maximum: Double?

    /// Names of string arguments that hold long text.
    static let longTextNames: Set<String> = ["body", "script", "content", "template", "text", "message"]

    /// The arguments a task's schema lists, by name; `nil` when the schema has no `properties`.
    static func arguments(of task: any KairosTask) -> [TaskArgument]? {
        let schema = task.argumentSchema.objectValue ?? [:]
        guard let properties = schema["properties"]?.objectValue else { return nil }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        return properties.keys.sorted().map { name in
            TaskArgument(name: name, schema: properties[name]?.objectValue ?? [:], required: required.contains(name))
        }
    }

    init(name: String, schema: [String: JSONValue], required: Bool) {
        self.name = name
        self.required = required
        defaultValue = schema["default"]
        description = schema["description"]?.stringValue
        minimum = (schema["minimum"] ?? schema["exclusiveMinimum"])?.doubleValue
        maximum = (schema["maximum"] ?? schema["exclusiveMaximum"])?.doubleValue
        if let values = schema["enum"]?.arrayValue, !values.isEmpty {
            kind = .choice(values)
            return
        }
        switch schema["type"]?.stringValue {
        case "string"?:
            let long = Self.longTextNames.contains(name) || (schema["maxLength"]?.doubleValue ?? 0) > 200
            kind = long ? .longText : .text
        case "integer"?: kind = .integer
        case "number"?: kind = .number
        case "boolean"?: kind = .boolean
        case "array"?:
            switch schema["items"]?.objectValue?["type"]?.stringValue {
            case "string"?: kind = .lines(item: .string)
            case "integer"?: kind = .lines(item: .integer)
            case "number"?: kind = .lines(item: .number)
            default: kind = .json
            }
        case nil where schema["type"] == nil: kind = .any
        default: kind = .json
        }
    }

    /// The hint under the control: what the value is, its bounds, default and description.
    var hint: String? {
        var notes: [String] = []
        switch kind {
        case .integer: notes.append("A whole number")
        case .number: notes.append("A number")
        case .lines(let item): notes.append(item == .string ? "One item per line" : "One number per line")
        case .json: notes.append("JSON")
        case .any: notes.append("JSON, or plain text (sent as a string)")
        case .choice(let values): notes.append("One of " + values.map(Self.text).joined(separator: ", "))
        case .text, .longText, .boolean: break
        }
        if let minimum, let maximum {
            notes.append("from \(JobFormValues.number(minimum)) to \(JobFormValues.number(maximum))")
        }
        if let defaultValue { notes.append("default " + Self.text(defaultValue)) }
        var hint = notes.joined(separator: ", ")
        hint = hint.prefix(1).uppercased() + hint.dropFirst()
        if let description { hint += hint.isEmpty ? description : ": " + description }
        return hint.isEmpty ? nil : hint
    }

    /// The value typed into the control: `nil` when it is empty (not set); an issue under
    /// `args.<name>` when it does not convert.
    func value(from typed: String) throws(ValidationError) -> JSONValue? {
        let text = typed.replacingOccurrences(of: "\r\n", with: "\n")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .text, .longText:
            return .string(text)
        case .integer:
            return try integer(trimmed)
        case .number:
            return try number(trimmed)
        case .boolean:
            switch trimmed {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw issue("must be true or false, got '\(trimmed)'")
            }
        case .choice(let values):
            guard let value = values.first(where: { Self.text($0) == trimmed }) else {
                throw issue("must be one of \(values.map(Self.text).joined(separator: ", ")), got '\(trimmed)'")
            }
            return value
        case .lines(let item):
            let lines = text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            switch item {
            case .string: return .array(lines.map(JSONValue.string))
            case .integer: return .array(try lines.map { line throws(ValidationError) in try integer(line.trimmingCharacters(in: .whitespaces)) })
            case .number: return .array(try lines.map { line throws(ValidationError) in try number(line.trimmingCharacters(in: .whitespaces)) })
            }
        case .json:
            guard let value = Self.json(trimmed) else { throw issue("must be JSON, like {\"name\": \"value\"}") }
            return value
        case .any:
            return Self.json(trimmed) ?? .string(text)
        }
    }

    /// The control's text for a stored value; `nil` when the value does not fit the control
    /// (the form then keeps it in the arguments' JSON).
    func text(for value: JSONValue) -> String? {
        switch (kind, value) {
        case (.text, .string(let string)): return string.contains("\n") || string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : string
        case (.longText, .string(let string)): return Self.fitsTextArea(string) ? string : nil
        case (.integer, .number(let number)): return number == number.rounded() && abs(number) < 1e15 ? JobFormValues.number(number) : nil
        case (.number, .number(let number)): return JobFormValues.number(number)
        case (.boolean, .bool(let flag)): return flag ? "true" : "false"
        case (.choice(let values), _): return values.contains(value) ? Self.text(value) : nil
        case (.lines(let item), .array(let items)):
            var lines: [String] = []
            for element in items {
                switch (item, element) {
                case (.string, .string(let string)) where !string.contains("\n") && !string.trimmingCharacters(in: .whitespaces).isEmpty && string == string.trimmingCharacters(in: .whitespaces):
                    lines.append(string)
                case (.integer, .number(let number)) where number == number.rounded() && abs(number) < 1e15, (.number, .number(let number)):
                    lines.append(JobFormValues.number(number))
                default: return nil
                }
            }
            return lines.isEmpty ? nil : lines.joined(separator: "\n")
        case (.json, _): return JobDefinition.pretty(value)
        case (.any, .string(let string)):
            return Self.json(string) == nil && Self.fitsTextArea(string) ? string : JobDefinition.pretty(value)
        case (.any, _): return JobDefinition.pretty(value)
        default: return nil
        }
    }

    private func issue(_ message: String) -> ValidationError {
        ValidationError(field: "args." + name, code: "invalidType", message: "\(name) " + message)
    }

    private func integer(_ text: String) throws(ValidationError) -> JSONValue {
        guard let number = Int(text) else { throw issue("must be a whole number, got '\(text)'") }
        return .number(Double(number))
    }

    private func number(_ text: String) throws(ValidationError) -> JSONValue {
        guard let number = Double(text), number.isFinite else { throw issue("must be a number, got '\(text)'") }
        return .number(number)
    }

    /// Whether a text area gives the string back as it is (HTML drops a text area's first newline).
    static func fitsTextArea(_ string: String) -> Bool {
        !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !string.hasPrefix("\n") && !string.contains("\r")
    }

    static func json(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// A JSON value as the form writes it in hints and options.
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
