import Foundation

extension JobSpec {
    /// The fields of this spec that differ from `other`, by their JSON names, in the order of
    /// the job's JSON form: what a log line says an update changed.
    public func changedFields(from other: JobSpec) -> [String] {
        var fields: [String] = []
        func note(_ name: String, _ differs: Bool) { if differs { fields.append(name) } }
        note("key", key != other.key)
        note("name", name != other.name)
        note("description", description != other.description)
        note("task", task != other.task)
        note("args", args != other.args)
        note("schedule", schedule != other.schedule)
        note("priority", priority != other.priority)
        note("maxInstances", maxInstances != other.maxInstances)
        note("misfireGraceTime", misfireGraceTime != other.misfireGraceTime)
        note("coalesce", coalesce != other.coalesce)
        note("retry", retry != other.retry)
        note("timeout", timeout != other.timeout)
        note("enabled", enabled != other.enabled)
        note("paused", paused != other.paused)
        return fields
    }
}
