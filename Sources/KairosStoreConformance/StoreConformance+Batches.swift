import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let batchCases: [StoreConformanceCase] = [
        // 1,203 jobs: drivers write several jobs per statement (SQLite 500, PostgreSQL 1,000), so
        // the batch ends in a short statement; each job reads back as createJob would have made it.
        StoreConformanceCase("a batch of jobs is stored as one-by-one creation would store it") { store in
            let specs = try (0..<1_203).map { index in
                var spec = try JobSpec(
                    key: String(format: "batch-%04d", index), task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 1 + index % 3)))
                spec.name = "batch job \(index)"
                spec.args = ["n": .number(Double(index))]
                if index % 2 == 0 { spec.retry = try RetryPolicy(maxRetries: 3) }
                return spec
            }
            let created = try await store.createJobs(specs, now: t0)
            #expect(created.count == specs.count)
            #expect(created.map(\.key) == specs.map(\.key), "in the order given")
            for index in [0, 499, 500, 999, 1_000, 1_202] {
                let job = created[index]
                #expect(try await store.job(id: job.id) == job)
                #expect(job == (try Job.created(job.spec, system: false, now: t0, id: job.id)))
            }
            #expect(try await store.jobCounts()[.active] == specs.count)
            // A driver may answer a search in several pages (a bounded walk each): follow them.
            var found: [String] = []
            var query = JobQuery(search: "job 1202")
            for _ in 0..<100 {
                let page = try await store.listJobs(query)
                found += page.items.map(\.key)
                guard let next = page.nextCursor else { break }
                query.cursor = next
            }
            #expect(found == ["batch-1202"], "the batch's jobs are searchable by name")
            #expect(Set(created.map(\.id)).count == specs.count)
            #expect(try await store.createJobs([], now: t0).isEmpty)
        },
    ] + ["a key already stored", "a key twice in the batch", "an invalid job"].map { problem in
        StoreConformanceCase("a batch with \(problem) stores none of it") { store in
            _ = try await store.createJob(try intervalSpec("existing"), now: t0)
            var specs = try (0..<1_100).map { try intervalSpec(String(format: "new-%04d", $0)) }
            switch problem {
            case "a key already stored": specs[1_050].key = "existing"
            case "a key twice in the batch": specs[1_050].key = specs[3].key
            default: specs[1_050].maxInstances = 0
            }
            do {
                _ = try await store.createJobs(specs, now: t0)
                Issue.record("\(problem): the batch should be refused")
            } catch let error as StoreError {
                #expect(error.code == .keyConflict && problem != "an invalid job", "\(problem): \(error.message)")
                #expect(error.message.contains(specs[1_050].key), "the message names the key: \(error.message)")
            } catch let error as KairosCore.ValidationError {
                #expect(problem == "an invalid job", "\(problem): \(error)")
            }
            #expect(try await store.listJobs(JobQuery(limit: 10)).items.map(\.key) == ["existing"])
            #expect(try await store.jobCounts()[.active] == 1)
        }
    }
}
