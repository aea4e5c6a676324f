import Foundation
import KairosCore
import KairosEngine

/// One control of the job form: its value as typed and the server's complaint about it.
struct FormField {
    var name: String
    var id: String
    var label: String
    var value: String
    var error: String?
    var hint: String?
    var checked: Bool
    var inputMode: String?
    var required: Bool
    /// `aria-describedby`: the hint and the error, when there are any.
    var describedBy: String?

    init(name: String, id: String, label: String, value: String, error: String?, hint: String?, checked: Bool, inputMode: String?, required: Bool) {
        self.name = name
        self.id = id
        self.label = label
        self.value = value
        self.error = error
        self.hint = hint
        self.checked = checked
        self.inputMode = inputMode
        self.required = required
        describedBy = Self.describedBy(id: id, hint: hint, error: error)
    }

    /// The ids of a control's hint and error, as `aria-describedby` names them; `nil` for neither.
    static func describedBy(id: String, hint: String?, error: String?) -> String? {
        let ids = [hint == nil ? nil : id + "-hint", error == nil ? nil : id + "-error"].compactMap { $0 }
        return ids.isEmpty ? nil : ids.joined(separator: " ")
    }
}

/// The new-job and edit-job form.
struct JobFormPage {
    var chrome: Chrome
    var isNew: Bool
    var action: String
    var version: String
    var cancelURL: String
    var issues: [Issue]
    var hasIssues: Bool
    var key: FormField
    var name: FormField
    var description: FormField
    var task: FormField
    var tasks: [Option]
    /// Each task's arguments, one input each, from its schema (the script shows the chosen task's only).
    var taskFieldsets: [TaskFieldset]
    /// The arguments as JSON: for a task without a schema, and for what no input holds.
    var args: FormField
    /// Whether the JSON arguments are shown open: they hold something, or the chosen task has no inputs.
    var argsOpen: Bool
    var scheduleType: FormField
    var scheduleTypes: [Option]
    var expression: FormField
    var timezone: FormField
    var intervalUnits: [FormField]
    var runAt: FormField
    var startDate: FormField
    var endDate: FormField
    var jitter: FormField
    var priority: FormField
    var maxInstances: FormField
    var misfireGraceTime: FormField
    var timeout: FormField
    var coalesce: FormField
    var enabled: FormField
    var paused: FormField
    var maxRetries: FormField
    var backoffInitial: FormField
    var backoffMax: FormField
    var backoffMultiplier: FormField
    var retryJitter: FormField

    /// An issue of the summary above the form, linking to its field when it has one.
    struct Issue {
        var field: String
        var message: String
        var anchor: String?
    }

    init(chrome: Chrome, values: JobFormValues, issues: [FieldIssue], tasks: [any KairosTask], job: Job?) {
        self.chrome = chrome
        isNew = job == nil
        action = job.map { $0.pagePath + "/edit" } ?? "/jobs/new"
        version = job.map { "\($0.version)" } ?? ""
        cancelURL = job?.pagePath ?? "/"
        let known = Set(JobFormValues.textFields + JobFormValues.checkboxes)
        let chosen = tasks.first { $0.name == values["task"] }
        let chosenArguments = Set((chosen.flatMap(TaskArgument.arguments(of:)) ?? []).map(\.name))

        /// The form field an issue belongs to: its own, the input of the argument it names
        /// (when that input holds the value), or the nearest enclosing field.
        func owner(_ field: String) -> String? {
            if known.contains(field) { return field }
            if field.hasPrefix("args."), let chosen {
                let argument = String(field.dropFirst(5).prefix { $0 != "." && $0 != "[" })
                let input = JobFormValues.argumentField(task: chosen.name, argument: argument)
                if chosenArguments.contains(argument) && !values[input].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return input }
            }
            if field.hasPrefix("args") { return "args" }
            if field == "schedule" { return "schedule.type" }
            if field == "retry" || field == "retry.backoff" { return "retry.maxRetries" }
            return nil
        }
        var errors: [String: String] = [:]
        for issue in issues {
            guard let name = owner(issue.field) else { continue }
            errors[name] = errors[name].map { $0 + " " + issue.message } ?? issue.message
        }
        taskFieldsets = tasks.enumerated().map { index, task in
            TaskFieldset(task, index: index, values: values, errors: errors, selected: task.name == chosen?.name)
        }
        var argumentIDs: [String: String] = [:]
        for fieldset in taskFieldsets { for input in fieldset.inputs { argumentIDs[input.name] = input.id } }
        hasIssues = !issues.isEmpty
        self.issues = issues.map { issue in
            let anchor = owner(issue.field).map { argumentIDs[$0] ?? Self.id($0) }
            return Issue(field: issue.field.isEmpty ? "form" : issue.field, message: issue.message, anchor: anchor)
        }

        func field(_ name: String, _ label: String, hint: String? = nil, inputMode: String? = nil, required: Bool = false) -> FormField {
            FormField(
                name: name, id: Self.id(name), label: label, value: values[name], error: errors[name], hint: hint,
                checked: values.values[name] != nil, inputMode: inputMode, required: required)
        }
        key = field("key", "Key", hint: "Lower-case letters, digits, . _ - (up to 100); cannot change later.", required: true)
        name = field("name", "Name", hint: "Shown in lists; the key when empty.")
        description = field("description", "Description")
        task = field("task", "Task", required: true)
        self.tasks = tasks.map { Option(value: $0.name, label: $0.name, selected: $0.name == values["task"]) }
        args = field("args", "Arguments as JSON (object)", hint: JobFormValues.argumentsRule)
        argsOpen = !values["args"].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || errors["args"] != nil
            || chosen.map { TaskArgument.arguments(of: $0) == nil } ?? true
        scheduleType = field("schedule.type", "Schedule type")
        scheduleTypes = [("cron", "Cron expression"), ("interval", "Fixed interval"), ("date", "Once, at a date")].map {
            Option(value: $0.0, label: $0.1, selected: $0.0 == values["schedule.type"])
        }
        expression = field("schedule.expression", "Cron expression", hint: "5 fields (minute hour day month weekday) or 6 with seconds first, e.g. 0 2 * * *.")
        timezone = field("schedule.timezone", "Time zone", hint: "An IANA zone such as Europe/London; UTC when empty.")
        intervalUnits = ["weeks", "days", "hours", "minutes", "seconds"].map { field("schedule." + $0, $0.capitalized, inputMode: "numeric") }
        runAt = field("schedule.runAt", "Run at", hint: "ISO 8601 with an offset, e.g. 2026-12-24T18:00:00Z.")
        startDate = field("schedule.startDate", "Start date (optional)", hint: "ISO 8601; no fire before it.")
        endDate = field("schedule.endDate", "End date (optional)", hint: "ISO 8601; no fire after it.")
        jitter = field("schedule.jitter", "Jitter in seconds (optional)", inputMode: "numeric")
        priority = field("priority", "Priority", hint: "-1000 to 1000; higher runs first when workers are busy.", inputMode: "numeric")
        maxInstances = field("maxInstances", "Max concurrent runs", hint: "1 to 10.", inputMode: "numeric")
        misfireGraceTime = field("misfireGraceTime", "Misfire grace time (s)", hint: "A fire later than this is recorded missed.", inputMode: "numeric")
        timeout = field("timeout", "Timeout (s, optional)", inputMode: "decimal")
        coalesce = field("coalesce", "Coalesce missed fires into one run")
        enabled = field("enabled", "Enabled")
        paused = field("paused", "Paused")
        maxRetries = field("retry.maxRetries", "Retries", inputMode: "numeric")
        backoffInitial = field("retry.backoff.initial", "First backoff (s)", inputMode: "decimal")
        backoffMax = field("retry.backoff.max", "Longest backoff (s)", inputMode: "decimal")
        backoffMultiplier = field("retry.backoff.multiplier", "Backoff multiplier", inputMode: "decimal")
        retryJitter = field("retry.jitter", "Random jitter on backoff")
    }

    static func id(_ name: String) -> String { "f-" + name.replacingOccurrences(of: ".", with: "-") }
}
