import Foundation
import KairosCore

/// Reads a task's `args` object field by field and collects a ``FieldIssue`` for every bad
/// argument (wrong JSON type, out of range, unknown name), so a task reports all of them at once.
///
/// Field paths are relative to `args`: `url`, `headers.Accept`, `argv[2]`. A `null` value
/// counts as absent.
///
/// ```swift
/// var check = ArgumentChecker(args, known: ["seconds"])
/// let seconds = check.number("seconds", required: true, in: 0...86_400)
/// try check.finish()
/// ```
struct ArgumentChecker {
    let object: [String: JSONValue]
    private(set) var issues: [FieldIssue] = []

    /// Starts checking; an `args` that is not an object and every name outside `known` is an issue.
    init(_ args: JSONValue, known: Set<String>) {
        if let object = args.objectValue {
            self.object = object
        } else {
            self.object = [:]
            issues.append(FieldIssue(field: "", code: "invalidType", message: "args must be a JSON object, got \(args.typeName)"))
        }
        for key in object.keys.sorted() where !known.contains(key) {
            let expected = known.isEmpty ? "this task takes no arguments" : "expected \(known.sorted().joined(separator: ", "))"
            issues.append(FieldIssue(field: key, code: "unknownField", message: "\(key) is not an argument of this task; \(expected)"))
        }
    }

    mutating func issue(_ field: String, _ code: String, _ message: String) {
        issues.append(FieldIssue(field: field, code: code, message: message))
    }

    /// Throws every issue found so far, if any.
    func finish() throws(ValidationError) {
        if !issues.isEmpty { throw ValidationError(issues) }
    }

    /// The value of `key`, `nil` when absent or `null` (an issue when `required`).
    mutating func value(_ key: String, required: Bool, expected: String) -> JSONValue? {
        switch object[key] {
        case nil, .null?:
            if required { issue(key, "required", "\(key) is required: \(expected)") }
            return nil
        case let value?:
            return value
        }
    }

    mutating func typeMismatch(_ field: String, expected: String, got value: JSONValue) {
        issue(field, "invalidType", "\(field) must be \(expected), got \(value.typeName)")
    }

    mutating func string(_ key: String, required: Bool = false, nonEmpty: Bool = true) -> String? {
        guard let value = value(key, required: required, expected: "a string") else { return nil }
        guard let string = value.stringValue else {
            typeMismatch(key, expected: "a string", got: value)
            return nil
        }
        if nonEmpty && string.isEmpty {
            issue(key, "required", "\(key) must not be empty")
            return nil
        }
        if string.utf8.contains(0) {
            issue(key, "invalidValue", "\(key) must not contain NUL characters")
            return nil
        }
        return string
    }

    /// A number in `range`.
    mutating func number(_ key: String, required: Bool = false, in range: ClosedRange<Double>, unit: String = "") -> Double? {
        let expected = "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))\(unit)"
        guard let value = value(key, required: required, expected: expected) else { return nil }
        guard let number = value.doubleValue else {
            typeMismatch(key, expected: expected, got: value)
            return nil
        }
        guard number.isFinite, range.contains(number) else {
            issue(key, "outOfRange", "\(key) must be \(expected), got \(Self.format(number))")
            return nil
        }
        return number
    }

    /// An integer in `range` (a number with a fraction is rejected).
    mutating func integer(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key, required: required, expected: "an integer from \(range.lowerBound) to \(range.upperBound)") else {
            return nil
        }
        return integer(value, field: key, in: range)
    }

    mutating func integer(_ value: JSONValue, field: String, in range: ClosedRange<Int>) -> Int? {
        let expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard let number = value.doubleValue else {
            typeMismatch(field, expected: expected, got: value)
            return nil
        }
        guard let integer = value.intValue else {
            issue(field, "invalidType", "\(field) must be \(expected), got \(Self.format(number))")
            return nil
        }
        guard range.contains(integer) else {
            issue(field, "outOfRange", "\(field) must be \(expected), got \(integer)")
            return nil
        }
        return integer
    }

    /// An object whose values are all strings (`headers`, `env`); issues name `key.Name`.
    mutating func stringObject(_ key: String, required: Bool = false) -> [(name: String, value: String)]? {
        guard let value = value(key, required: required, expected: "an object of strings") else { return nil }
        guard let object = value.objectValue else {
            typeMismatch(key, expected: "an object whose values are strings", got: value)
            return nil
        }
        var pairs: [(name: String, value: String)] = []
        var valid = true
        for name in object.keys.sorted() {
            let field = "\(key).\(name)"
            guard let string = object[name]?.stringValue else {
                typeMismatch(field, expected: "a string", got: object[name] ?? .null)
                valid = false
                continue
            }
            pairs.append((name, string))
        }
        return valid ? pairs : nil
    }

    /// An array whose elements are all strings; issues name `key[i]`.
    mutating func stringArray(_ key: String, required: Bool = false, nonEmpty: Bool = false) -> [String]? {
        guard let value = value(key, required: required, expected: "an array of strings") else { return nil }
        guard let array = value.arrayValue else {
            typeMismatch(key, expected: "an array of strings", got: value)
            return nil
        }
        if nonEmpty && array.isEmpty {
            issue(key, "required", "\(key) must have at least one element")
            return nil
        }
        var strings: [String] = []
        var valid = true
        for (index, element) in array.enumerated() {
            let field = "\(key)[\(index)]"
            guard let string = element.stringValue else {
                typeMismatch(field, expected: "a string", got: element)
                valid = false
                continue
            }
            if string.utf8.contains(0) {
                issue(field, "invalidValue", "\(field) must not contain NUL characters")
                valid = false
                continue
            }
            strings.append(string)
        }
        return valid ? strings : nil
    }

    static func format(_ number: Double) -> String {
        if number.isFinite, number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

/// One line of at most `limit` characters: control characters and runs of white space become
/// one space. With `fromEnd`, the last characters are kept (a tail) instead of the first.
func oneLine(_ text: String, limit: Int, fromEnd: Bool = false) -> String {
    var line = ""
    var pendingSpace = false
    for scalar in text.unicodeScalars {
        if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
            pendingSpace = !line.isEmpty
        } else {
            if pendingSpace { line.unicodeScalars.append(" ") }
            pendingSpace = false
            line.unicodeScalars.append(scalar)
        }
    }
    guard line.count > limit else { return line }
    return fromEnd ? "…" + line.suffix(limit - 1) : line.prefix(limit - 1) + "…"
}

/// Arguments that fail validation at run time (the job was saved before the task changed).
func invalidArguments(_ error: ValidationError, task: String) -> TaskFailure {
    TaskFailure(message: "invalid arguments for \(task): \(error.description)")
}
