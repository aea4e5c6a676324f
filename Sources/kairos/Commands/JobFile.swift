import ArgumentParser
import Foundation
import KairosCore
import KairosEngine

/// A job read from a JSON or YAML file for `kairos jobs create` and `update`: one job object
/// with the fields of the API (docs/API.md). `.json` files are JSON, `.yaml`/`.yml` files YAML;
/// any other name (or `-`, standard input) is tried as JSON first, then as YAML. YAML is read
/// by ``JobsFile/jsonValue(yaml:path:)``, with the scalar rules of `serve --jobs` files.
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
            if let value = try? lenientJSON(text) {
                // JSON after all: its trailing commas and repeated names are errors, even though YAML allows the commas.
                try strict(text)
                return value
            }
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

    /// The JSON of `text`, as strict as the API's (``StrictJSON``).
    static func json(_ text: String) throws(JobFileError) -> JSONValue {
        let value = try lenientJSON(text)
        try strict(text)
        return value
    }

    static func strict(_ text: String) throws(JobFileError) {
        do {
            try Data(text.utf8).withUnsafeBytes { try StrictJSON.check($0) }
        } catch {
            throw JobFileError(message: "not valid JSON: \(error)")
        }
    }

    /// What Foundation's decoder accepts.
    static func lenientJSON(_ text: String) throws(JobFileError) -> JSONValue {
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
        do {
            return try JobsFile.jsonValue(yaml: text)
        } catch {
            throw JobFileError(message: "not valid YAML for a job: " + error.problems.map(\.description).joined(separator: "; "))
        }
    }
}
