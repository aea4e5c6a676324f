import ArgumentParser
import Foundation
import KairosCore
import Yams

/// A job read from a JSON or YAML file for `kairos jobs create` and `update`: one job object
/// with the fields of the API (SPEC §3). `.json` files are JSON, `.yaml`/`.yml` files YAML;
/// any other name (or `-`, standard input) is tried as JSON first, then as YAML. YAML scalars
/// follow the core schema, like `serve --jobs` files: quoted scalars are strings, plain ones
/// null, booleans, numbers or else strings (`runAt: 2026-01-01T00:00:00Z` stays a string).
enum JobFile {
    /// Fields of a job the server computes; dropped from a file so that the output of
    /// `kairos jobs get KEY --json` can be edited and sent back with `update`.
    static let readOnlyFields: Set<String> = [
        "id", "nextRunAt", "lastRunAt", "lastStatus", "createdAt", "updatedAt", "version", "system", "scheduleDescription",
    ]

    static let maxBytes = 10 << 20

    /// The job object of the file; throws exit code 2 (printing why) when the file cannot be
    /// read or parsed or is not one job object.
    static func load(_ path: String) throws -> JSONValue {
        let data: Data
        do {
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw clientFailure(ClientExit.invalidInput, "cannot read \(path): no such file")
                }
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw clientFailure(ClientExit.invalidInput, "cannot read \(path): \((error as NSError).localizedDescription)")
        }
        guard data.count <= maxBytes else { throw clientFailure(ClientExit.invalidInput, "\(path) is larger than 10 MiB") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw clientFailure(ClientExit.invalidInput, "\(path) is not UTF-8 text")
        }
        let value: JSONValue
        do {
            value = try parse(text, format: format(of: path))
        } catch {
            throw clientFailure(ClientExit.invalidInput, "\(path): \(error.message)")
        }
        guard case .object(var fields) = value else {
            throw clientFailure(ClientExit.invalidInput, "\(path): a job file holds one job object (key, task, schedule, …), not a \(value.typeName)")
        }
        if fields["jobs"] != nil, fields["task"] == nil {
            throw clientFailure(
                ClientExit.invalidInput,
                "\(path) is a jobs list (the format of serve --jobs); create and update take one job object with key, task and schedule")
        }
        for field in readOnlyFields { fields.removeValue(forKey: field) }
        return .object(fields)
    }

    enum Format { case json, yaml, either }

    struct JobFileError: Error { var message: String }

    static func format(of path: String) -> Format {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json": .json
        case "yaml", "yml": .yaml
        default: .either
        }
    }

    static func parse(_ text: String, format: Format) throws(JobFileError) -> JSONValue {
        switch format {
        case .json:
            return try json(text)
        case .yaml:
            return try yaml(text)
        case .either:
            if let value = try? json(text) { return value }
            do {
                return try yaml(text)
            } catch {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                // Text that starts like JSON is reported as JSON: its error says more.
                if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return try json(text) }
                throw error
            }
        }
    }

    static func json(_ text: String) throws(JobFileError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            var reason = "\(error)"
            if case DecodingError.dataCorrupted(let context) = error {
                reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            }
            throw JobFileError(message: "not valid JSON: \(reason)")
        }
    }

    static func yaml(_ text: String) throws(JobFileError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw JobFileError(message: "not valid YAML: \(error)")
        }
        guard let node else { throw JobFileError(message: "the file is empty") }
        var converter = YAMLConverter()
        let value = converter.convert(node, path: "", depth: 0)
        if let problem = converter.problems.first { throw JobFileError(message: problem) }
        return value
    }
}

/// Composed YAML to JSON values with the YAML 1.2 core schema (as `kairos serve --jobs` reads
/// jobs files), merge keys (`<<`) included.
struct YAMLConverter {
    var problems: [String] = []
    private var values = 0

    mutating func convert(_ node: Node, path: String, depth: Int) -> JSONValue {
        values += 1
        guard values <= 1_000_000, depth <= 64 else {
            if problems.isEmpty { problems.append("\(path.isEmpty ? "the document" : path) is nested too deeply or expands to too many values") }
            return .null
        }
        switch node {
        case .scalar(let scalar):
            return convert(scalar, path: path)
        case .sequence(let sequence):
            return .array(sequence.enumerated().map { index, element in convert(element, path: "\(path)[\(index)]", depth: depth + 1) })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            var merged: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    problems.append("\(path.isEmpty ? "a mapping" : path): mapping keys must be scalars")
                    continue
                }
                let key = keyScalar.string
                if key == "<<", Self.isImplicit(keyScalar) {
                    let sources: [Node] = if case .sequence(let sequence) = valueNode { Array(sequence) } else { [valueNode] }
                    for source in sources {
                        guard case .object(let fields) = convert(source, path: path, depth: depth + 1) else {
                            problems.append("\(path.isEmpty ? "<<" : path + ".<<"): << must merge a mapping or a list of mappings")
                            continue
                        }
                        merged.merge(fields) { first, _ in first }
                    }
                    continue
                }
                object[key] = convert(valueNode, path: path.isEmpty ? key : "\(path).\(key)", depth: depth + 1)
            }
            return .object(object.merging(merged) { explicit, _ in explicit })
        case .alias:
            problems.append("\(path): unresolved YAML alias")
            return .null
        }
    }

    static let implicitTags: Set<String> = [
        "", Tag.Name.null.rawValue, Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue,
        Tag.Name.timestamp.rawValue, Tag.Name.merge.rawValue, Tag.Name.value.rawValue,
    ]

    static func isImplicit(_ scalar: Node.Scalar) -> Bool {
        (scalar.style == .plain || scalar.style == .any) && implicitTags.contains(scalar.tag.rawValue)
    }

    private mutating func convert(_ scalar: Node.Scalar, path: String) -> JSONValue {
        let text = scalar.string
        let tag = scalar.tag.rawValue
        if Self.isImplicit(scalar) {
            return resolvePlain(text, path: path)
        }
        switch tag {
        case Tag.Name.null.rawValue, Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue:
            let value = resolvePlain(text, path: path)
            let matches = switch (tag, value) {
            case (Tag.Name.null.rawValue, .null), (Tag.Name.bool.rawValue, .bool), (Tag.Name.float.rawValue, .number): true
            case (Tag.Name.int.rawValue, .number(let number)): number.rounded() == number
            default: false
            }
            if !matches { problems.append("\(path): '\(text)' is not a valid \(tag)") }
            return matches ? value : .null
        default:
            return .string(text)  // quoted, block, !!str or another tag: the text as written
        }
    }

    /// YAML 1.2 core schema.
    private mutating func resolvePlain(_ text: String, path: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            problems.append("\(path): \(path.isEmpty ? "a value" : path) must be a finite number, got \(text)")
            return .null
        default: break
        }
        if let number = Self.integer(text) ?? Self.float(text) { return .number(number) }
        return .string(text)
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
    static func integer(_ text: String) -> Double? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        var negative = false
        if radix == 10, let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit && Int(String($0), radix: 16)! < radix }) else { return nil }
        if let value = Int64(digits, radix: radix) { return Double(negative ? -value : value) }
        guard radix == 10, let value = Double(digits) else { return nil }
        return negative ? -value : value
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    static func float(_ text: String) -> Double? {
        var rest = Substring(text)
        if let sign = rest.first, sign == "-" || sign == "+" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.allSatisfy(isDigits), !parts.joined().isEmpty else { return nil }
        if !exponent.isEmpty {
            var digits = exponent.dropFirst()
            if let sign = digits.first, sign == "-" || sign == "+" { digits = digits.dropFirst() }
            guard !digits.isEmpty, isDigits(digits) else { return nil }
        }
        return Double(text)
    }
}
