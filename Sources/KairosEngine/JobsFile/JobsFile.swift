import Foundation
import KairosCore
import Yams

/// Jobs declared in a YAML file (`kairos serve --jobs FILE.yaml`), upserted by key at start.
///
/// The file is a mapping with a `jobs` list; each entry has the fields and camelCase names of
/// a job's JSON form (docs/API.md). Top-level keys starting with `x-` are ignored, so they can
/// hold YAML anchors shared with `<<:` merge keys.
///
/// ```yaml
/// jobs:
///   - key: nightly-report
///     task: http.request
///     args: {url: "https://example.com/report"}
///     schedule: {type: cron, expression: "0 2 * * *", timezone: Europe/Paris}
/// ```
///
/// Scalars follow the YAML 1.2 core schema: quoted scalars are strings; plain scalars are
/// `null`/`~`/empty, `true`/`false`, integers (decimal, `0o` octal, `0x` hex), floats, or else
/// strings. Timestamps are not a type: `runAt: 2026-01-01T00:00:00Z` is the string the
/// schedule parses. Every job is checked (fields, schedule, task and arguments) and all
/// problems of all jobs are reported in one ``JobsFileError``, in file order, each job's by field.
public enum JobsFile {
    /// Larger files are refused.
    public static let maxFileBytes = 10 * 1024 * 1024
    /// A bound on the values a file expands to (aliases can multiply them).
    static let maxValues = 1_000_000
    static let maxDepth = 64

    /// What a file declares: its jobs, and which of them set `paused`. `paused` is operational
    /// state (an operator pauses a job during an incident): a job that does not set it keeps
    /// the value it has in the store (``JobManager/upsert(_:keepingPausedOf:)``).
    public struct Declaration: Sendable {
        public var specs: [JobSpec]
        /// Keys of the jobs that set `paused`.
        public var settingPaused: Set<String>

        public init(specs: [JobSpec], settingPaused: Set<String>) {
            self.specs = specs
            self.settingPaused = settingPaused
        }

        /// Keys of the jobs that leave `paused` to the store.
        public var leavingPaused: Set<String> { Set(specs.map(\.key)).subtracting(settingPaused) }
    }

    /// Reads and checks the jobs of the file at `path`.
    public static func load(path: String, registry: TaskRegistry) throws(JobsFileError) -> [JobSpec] {
        try declaration(path: path, registry: registry).specs
    }

    /// Reads and checks the file at `path`: its jobs, and which of them set `paused`.
    public static func declaration(path: String, registry: TaskRegistry) throws(JobsFileError) -> Declaration {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? NSNumber, size.intValue > maxFileBytes {
                throw JobsFileError(path: path, fileIssue: "tooLarge", "the file is larger than \(maxFileBytes / 1024 / 1024) MiB")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as JobsFileError {
            throw error
        } catch {
            let reason = (error as NSError).localizedDescription
            throw JobsFileError(path: path, fileIssue: "unreadable", "cannot read the jobs file: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JobsFileError(path: path, fileIssue: "unreadable", "the jobs file is not UTF-8 text")
        }
        return try parseDeclaration(text, path: path, registry: registry)
    }

    /// One YAML document as a JSON value, with the scalar rules of jobs files (YAML 1.2 core
    /// schema, merge keys): for tools that read a single job (`kairos jobs create job.yaml`).
    /// Throws when the text is not YAML, is empty, or holds a value JSON cannot (`.inf`).
    public static func jsonValue(yaml text: String, path: String = "<yaml>") throws(JobsFileError) -> JSONValue {
        let root = try compose(text, path: path)
        guard let root else { throw JobsFileError(path: path, fileIssue: "invalidStructure", "the file is empty") }
        var issues: [FieldIssue] = []
        var converter = Converter()
        let value = converter.convert(root, path: "", depth: 0, into: &issues)
        guard issues.isEmpty else {
            throw JobsFileError(path: path, problems: [JobsFileError.Problem(index: nil, key: nil, line: root.mark?.line, issues: issues)])
        }
        return value
    }

    /// The YAML document of `text` (`nil` when empty), refusing texts over the size limit.
    private static func compose(_ text: String, path: String) throws(JobsFileError) -> Node? {
        guard text.utf8.count <= maxFileBytes else {
            throw JobsFileError(path: path, fileIssue: "tooLarge", "the file is larger than \(maxFileBytes / 1024 / 1024) MiB")
        }
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, path: path)
        }
    }

    /// Checks the jobs of a YAML text; `path` only names the source in errors.
    public static func parse(_ text: String, path: String = "<jobs file>", registry: TaskRegistry) throws(JobsFileError) -> [JobSpec] {
        try parseDeclaration(text, path: path, registry: registry).specs
    }

    /// Checks the jobs of a YAML text and notes which set `paused`.
    public static func parseDeclaration(_ text: String, path: String = "<jobs file>", registry: TaskRegistry) throws(JobsFileError) -> Declaration {
        let root = try compose(text, path: path)
        let expected = "expected a mapping with a 'jobs' list"
        guard let root else {
            throw JobsFileError(path: path, fileIssue: "invalidStructure", "the file is empty; \(expected)")
        }
        guard case .mapping(let top) = root else {
            throw JobsFileError(path: path, fileIssue: "invalidStructure", "the top level is a \(kind(of: root)); \(expected)", line: root.mark?.line)
        }

        var fileIssues: [FieldIssue] = []
        var jobsNode: Node?
        for (keyNode, value) in top {
            let key = keyNode.scalar?.string ?? ""
            if key == "jobs" {
                jobsNode = value
            } else if !key.hasPrefix("x-") {
                fileIssues.append(FieldIssue(field: key, code: "unknownField", message: "\(key) is not a top-level field; \(expected) (keys starting with x- are ignored)"))
            }
        }
        var entries: [Node] = []
        switch jobsNode {
        case nil:
            fileIssues.append(FieldIssue(field: "jobs", code: "required", message: "jobs is required: \(expected)"))
        case .sequence(let sequence)?:
            entries = Array(sequence)
        case .scalar(let scalar)? where scalar.style == .plain && resolvePlain(scalar.string) == .null:
            break  // `jobs:` with every job commented out
        case let other?:
            fileIssues.append(FieldIssue(field: "jobs", code: "invalidType", message: "jobs must be a list of jobs, got a \(kind(of: other))"))
        }
        var problems: [JobsFileError.Problem] = []
        if !fileIssues.isEmpty {
            problems.append(JobsFileError.Problem(index: nil, key: nil, line: top.mark?.line, issues: fileIssues))
        }

        var specs: [JobSpec] = []
        var settingPaused: Set<String> = []
        var firstIndexOfKey: [String: Int] = [:]
        var converter = Converter()
        for (index, entry) in entries.enumerated() {
            var issues: [FieldIssue] = []
            let value = converter.convert(entry, path: "", depth: 0, into: &issues)
            let key = value["key"]?.stringValue
            var spec: JobSpec?
            if value.objectValue == nil {
                issues = [FieldIssue(field: "", code: "invalidType", message: "a job must be a mapping with key, task and schedule, got a \(kind(of: entry))")]
            } else if issues.contains(where: { $0.code == "tooLarge" }) {
                // Do not decode a value that large: the issue already says what is wrong.
            } else {
                let conversionIssues = issues
                let (checked, checkIssues) = check(value, registry: registry)
                issues += checkIssues.filter { issue in !conversionIssues.contains { $0.field == issue.field } }
                spec = checked
            }
            if let key {
                if let first = firstIndexOfKey[key] {
                    issues.append(FieldIssue(field: "key", code: "duplicateKey", message: "duplicate key '\(key)': jobs \(first + 1) and \(index + 1) both use it"))
                } else {
                    firstIndexOfKey[key] = index
                }
            }
            if issues.isEmpty, let spec {
                specs.append(spec)
                if value["paused"] != nil { settingPaused.insert(spec.key) }
            } else {
                problems.append(JobsFileError.Problem(index: index, key: key, line: entry.mark?.line, issues: Self.sortedByField(issues)))
            }
        }
        if !problems.isEmpty { throw JobsFileError(path: path, problems: problems) }
        return Declaration(specs: specs, settingPaused: settingPaused)
    }

    /// The issues by field, those of one field in the order found: decoding finds unknown
    /// fields in hash order, which would differ from job to job and run to run.
    static func sortedByField(_ issues: [FieldIssue]) -> [FieldIssue] {
        issues.enumerated().sorted { ($0.element.field, $0.offset) < ($1.element.field, $1.offset) }.map(\.element)
    }

    /// Decodes one job (JobSpec validates its fields) and has the registry check its task and
    /// arguments; answers the spec when valid, else every issue found.
    private static func check(_ value: JSONValue, registry: TaskRegistry) -> (JobSpec?, [FieldIssue]) {
        let spec: JobSpec
        do {
            let data = try JSONEncoder().encode(value)
            spec = try JSONDecoder().decode(JobSpec.self, from: data)
        } catch {
            let issues = (error as? ValidationError)?.issues
                ?? [FieldIssue(field: "", code: "invalidValue", message: "the job could not be read: \(error)")]
            return (nil, registry.completing(issues, ofJobBody: value))
        }
        do {
            try registry.validate(spec)
        } catch {
            return (nil, error.issues)
        }
        return (spec, [])
    }

    private static func syntaxError(_ error: any Error, path: String) -> JobsFileError {
        func message(_ context: YamlError.Context?, _ problem: String) -> String {
            let context = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return "YAML syntax error: \(problem)\(context)"
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _)?, .parser(let context, let problem, let mark, _)?,
            .composer(let context, let problem, let mark, _)?:
            return JobsFileError(path: path, fileIssue: "syntaxError", message(context, problem), line: mark.line, column: mark.column)
        case .reader(let problem, let offset, _, let yaml)?:
            var line: Int?, column: Int?
            if let offset {
                let prefix = yaml.prefix(offset)
                line = prefix.reduce(into: 1) { count, character in if character == "\n" { count += 1 } }
                column = prefix.count - (prefix.lastIndex(of: "\n").map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0) + 1
            }
            return JobsFileError(path: path, fileIssue: "syntaxError", "YAML syntax error: \(problem)", line: line, column: column)
        case .duplicatedKeysInMapping(let duplicates, let context)?:
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return JobsFileError(path: path, fileIssue: "duplicateField", "a mapping repeats the key \(keys)", line: context.mark.line, column: context.mark.column)
        default:
            return JobsFileError(path: path, fileIssue: "syntaxError", "YAML syntax error: \(error)")
        }
    }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar: "scalar"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    // MARK: - YAML to JSON

    /// The JSON value of the `value` key of a one-key YAML mapping (for tests of the scalar rules).
    static func scalarValue(of yaml: String) -> JSONValue? {
        guard let node = try? Yams.compose(yaml: yaml) else { return nil }
        var issues: [FieldIssue] = []
        var converter = Converter()
        return converter.convert(node, path: "", depth: 0, into: &issues)["value"]
    }

    /// Maps composed YAML to JSON values, collecting issues (non-finite numbers, complex keys,
    /// too deep or too large documents) with their paths.
    struct Converter {
        var values = 0

        mutating func convert(_ node: Node, path: String, depth: Int, into issues: inout [FieldIssue]) -> JSONValue {
            values += 1
            guard values <= JobsFile.maxValues, depth <= JobsFile.maxDepth else {
                if !issues.contains(where: { $0.code == "tooLarge" }) {
                    issues.append(FieldIssue(field: path, code: "tooLarge", message: "the value is nested too deeply or expands to too many values"))
                }
                return .null
            }
            switch node {
            case .scalar(let scalar):
                return convert(scalar, path: path, into: &issues)
            case .sequence(let sequence):
                return .array(sequence.enumerated().map { index, element in
                    convert(element, path: "\(path)[\(index)]", depth: depth + 1, into: &issues)
                })
            case .mapping(let mapping):
                var object: [String: JSONValue] = [:]
                var merged: [String: JSONValue] = [:]
                for (keyNode, valueNode) in mapping {
                    guard case .scalar(let keyScalar) = keyNode else {
                        issues.append(FieldIssue(field: path, code: "invalidType", message: "mapping keys must be scalars, got a \(JobsFile.kind(of: keyNode))"))
                        continue
                    }
                    let key = keyScalar.string
                    let childPath = path.isEmpty ? key : "\(path).\(key)"
                    if key == "<<", Converter.isImplicit(keyScalar) {
                        // Merge key: keys of the merged mappings, the first one winning, below the explicit keys.
                        let sources: [Node] = if case .sequence(let sequence) = valueNode { Array(sequence) } else { [valueNode] }
                        for source in sources {
                            guard case .object(let fields) = convert(source, path: path, depth: depth + 1, into: &issues) else {
                                issues.append(FieldIssue(field: childPath, code: "invalidType", message: "<< must merge a mapping or a list of mappings"))
                                continue
                            }
                            merged.merge(fields) { first, _ in first }
                        }
                        continue
                    }
                    if object[key] != nil {
                        // Yams refuses equal keys; these differ only by type (`1` and `'1'`) and would be one JSON member.
                        issues.append(FieldIssue(
                            field: childPath, code: "duplicateField",
                            message: "a mapping repeats the key '\(key)' (once quoted, once not, or with a tag)"))
                    }
                    object[key] = convert(valueNode, path: childPath, depth: depth + 1, into: &issues)
                }
                return .object(object.merging(merged) { explicit, _ in explicit })
            case .alias:
                issues.append(FieldIssue(field: path, code: "invalidValue", message: "unresolved YAML alias"))
                return .null
            }
        }

        /// Tags Yams itself may have resolved a plain scalar to (it resolves mapping keys when it
        /// checks them for duplicates, with YAML 1.1-like rules); such a scalar is still untagged.
        static let implicitTags: Set<String> = [
            "", Tag.Name.null.rawValue, Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue,
            Tag.Name.timestamp.rawValue, Tag.Name.merge.rawValue, Tag.Name.value.rawValue,
        ]

        /// A plain scalar without an explicit tag (its type comes from the core schema).
        static func isImplicit(_ scalar: Node.Scalar) -> Bool {
            (scalar.style == .plain || scalar.style == .any) && implicitTags.contains(scalar.tag.rawValue)
        }

        private func convert(_ scalar: Node.Scalar, path: String, into issues: inout [FieldIssue]) -> JSONValue {
            let text = scalar.string
            let tag = scalar.tag.rawValue
            let resolved: Resolved
            switch tag {
            case _ where Converter.isImplicit(scalar):
                resolved = JobsFile.resolvePlain(text)
            case Tag.Name.null.rawValue, Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                resolved = JobsFile.resolvePlain(text)
                let matches = switch (tag, resolved) {
                case (Tag.Name.null.rawValue, .null), (Tag.Name.bool.rawValue, .bool): true
                case (Tag.Name.int.rawValue, .number(let value)), (Tag.Name.float.rawValue, .number(let value)):
                    tag == Tag.Name.float.rawValue || value.rounded() == value
                default: false
                }
                if !matches {
                    issues.append(FieldIssue(field: path, code: "invalidValue", message: "'\(text)' is not a valid \(tag)"))
                    return .null
                }
            default:
                // Quoted scalars, block scalars, !!str and any other tag: the text as written.
                return .string(text)
            }
            switch resolved {
            case .null: return .null
            case .bool(let value): return .bool(value)
            case .string: return .string(text)
            case .number(let value):
                guard value.isFinite else {
                    issues.append(FieldIssue(field: path, code: "invalidValue", message: "\(path.isEmpty ? "a value" : path) must be a finite number, got \(text)"))
                    return .null
                }
                return .number(value)
            }
        }
    }
}

/// A jobs file that cannot be used, with every problem found: the file itself (unreadable,
/// YAML syntax, missing `jobs` list) or, per job, the bad fields.
///
/// Its description has one line per problem, for example
/// `jobfiles/jobs.yaml: job 3 ('nightly-report', line 40): schedule.expression: …; args.url: …`.
public struct JobsFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Position of the job in the `jobs` list, from 0; `nil` for a problem of the whole file.
        public var index: Int?
        /// The job's key, when it has one.
        public var key: String?
        /// Line in the file (from 1) of the job or of the problem, when known.
        public var line: Int?
        /// Column (from 1) of a syntax error, when known.
        public var column: Int?
        /// Fields relative to the job (`schedule.expression`, `args.url`), or to the file.
        public var issues: [FieldIssue]

        public init(index: Int?, key: String?, line: Int? = nil, column: Int? = nil, issues: [FieldIssue]) {
            self.index = index
            self.key = key
            self.line = line
            self.column = column
            self.issues = issues
        }

        public var description: String {
            let details = issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
            var place: [String] = []
            if let key { place.append("'\(key)'") }
            if let line { place.append(column.map { "line \(line), column \($0)" } ?? "line \(line)") }
            if let index {
                return "job \(index + 1)\(place.isEmpty ? "" : " (\(place.joined(separator: ", ")))"): \(details)"
            }
            return place.isEmpty ? details : "\(place.joined(separator: ", ")): \(details)"
        }
    }

    /// The file as given to ``JobsFile/load(path:registry:)``.
    public var path: String
    public var problems: [Problem]

    public init(path: String, problems: [Problem]) {
        self.path = path
        self.problems = problems
    }

    init(path: String, fileIssue code: String, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.init(path: path, problems: [
            Problem(index: nil, key: nil, line: line, column: column, issues: [FieldIssue(field: "", code: code, message: message)])
        ])
    }

    /// Every issue, its field prefixed by the job (`jobs[2].schedule.expression`).
    public var issues: [FieldIssue] {
        problems.flatMap { problem in
            problem.issues.map { issue in
                guard let index = problem.index else { return issue }
                let field = issue.field.isEmpty ? "jobs[\(index)]" : "jobs[\(index)].\(issue.field)"
                return FieldIssue(field: field, code: issue.code, message: issue.message)
            }
        }
    }

    public var description: String {
        problems.map { "\(path): \($0)" }.joined(separator: "\n")
    }
}
