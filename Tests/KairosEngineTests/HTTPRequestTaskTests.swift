import AsyncHTTPClient
import Foundation
import KairosCore
import Testing

@testable import KairosEngine

/// `http.request` against a real HTTP server on 127.0.0.1 (SwiftNIO, ephemeral port).
@Suite("http.request task", .timeLimit(.minutes(1)))
struct HTTPRequestTaskTests {
    let task = HTTPRequestTask(httpClient: HTTPRequestTask.defaultClient)

    func echo(_ result: String?) throws -> [String: Any] {
        let text = try #require(result)
        #expect(text.hasPrefix("HTTP 200: "))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.dropFirst("HTTP 200: ".count).utf8)) as? [String: Any])
    }

    @Test("a 200 response succeeds with the status and the start of the body on one line")
    func ok() async throws {
        try await withLoopbackHTTPServer { server in
            let result = try await task.run(args: ["url": .string(server.url("/ok"))], context: .forTest())
            #expect(result == "HTTP 200: hello from the loopback server second line")
        }
    }

    @Test("the result keeps the first 200 bytes of the body")
    func bodyPrefix() async throws {
        try await withLoopbackHTTPServer { server in
            let result = try await task.run(args: ["url": .string(server.url("/big"))], context: .forTest())
            #expect(result == "HTTP 200: " + String(repeating: "x", count: 200) + "…")
        }
    }

    @Test("a status that is not accepted fails with reason 'http status' and the result")
    func unacceptedStatus() async throws {
        try await withLoopbackHTTPServer { server in
            let error = await #expect(throws: TaskFailure.self) {
                try await task.run(args: ["url": .string(server.url("/status/503"))], context: .forTest())
            }
            #expect(error?.reason == "http status")
            #expect(error?.result == "HTTP 503: status 503")
            #expect(error?.message.contains("503") == true)
        }
    }

    @Test("acceptedStatus replaces the default 2xx")
    func acceptedStatus() async throws {
        try await withLoopbackHTTPServer { server in
            let result = try await task.run(
                args: ["url": .string(server.url("/status/404")), "acceptedStatus": [404, 410]], context: .forTest())
            #expect(result == "HTTP 404: status 404")
            await #expect(throws: TaskFailure.self) {
                try await task.run(args: ["url": .string(server.url("/ok")), "acceptedStatus": [204]], context: .forTest())
            }
        }
    }

    @Test("method, headers and a text body are sent as given")
    func sendsTextBody() async throws {
        try await withLoopbackHTTPServer { server in
            let result = try await task.run(
                args: [
                    "method": "PUT", "url": .string(server.url("/echo?x=1")),
                    "headers": ["X-Kairos-Test": "yes", "Content-Type": "text/plain"], "body": "plain text",
                ],
                context: .forTest())
            let echo = try echo(result)
            #expect(echo["method"] as? String == "PUT")
            #expect(echo["uri"] as? String == "/echo?x=1")
            #expect(echo["body"] as? String == "plain text")
            let headers = try #require(echo["headers"] as? [String: String])
            #expect(headers["x-kairos-test"] == "yes")
            #expect(headers["content-type"] == "text/plain")
        }
    }

    @Test("every request names its execution, job, scheduled time and attempt, over headers of the same names in args")
    func identityHeaders() async throws {
        try await withLoopbackHTTPServer { server in
            var context = TaskContext.forTest(jobKey: "nightly-report")
            context.attempt = 3
            context.scheduledAt = try Timestamp.parse("2026-12-02T03:00:00.25Z")
            let result = try await task.run(args: ["url": .string(server.url("/identity")), "headers": ["Kairos-Attempt": "99"]], context: context)
            let headers = try #require(try echo(result) as? [String: String])
            #expect(headers["kairos-execution-id"] == context.executionId.uuidString.lowercased())
            #expect(headers["kairos-job-key"] == "nightly-report")
            #expect(headers["kairos-scheduled-at"] == "2026-12-02T03:00:00.25+00:00")
            #expect(headers["kairos-attempt"] == "3", "the real attempt, not the one in args")
            #expect(headers.count == 4)
        }
    }

    @Test("a JSON body is sent as application/json unless a Content-Type is given")
    func sendsJSONBody() async throws {
        try await withLoopbackHTTPServer { server in
            let posted = try echo(try await task.run(
                args: ["method": "POST", "url": .string(server.url("/echo")), "body": ["report": "daily", "n": 2]], context: .forTest()))
            #expect(posted["method"] as? String == "POST")
            #expect(posted["body"] as? String == #"{"n":2,"report":"daily"}"#)
            #expect((posted["headers"] as? [String: String])?["content-type"] == "application/json")

            let custom = try echo(try await task.run(
                args: [
                    "method": "PATCH", "url": .string(server.url("/echo")), "body": [1, 2],
                    "headers": ["content-type": "application/merge-patch+json"],
                ],
                context: .forTest()))
            #expect(custom["body"] as? String == "[1,2]")
            #expect((custom["headers"] as? [String: String])?["content-type"] == "application/merge-patch+json")
        }
    }

    @Test("the default method is GET and HEAD reads no body")
    func defaultMethodAndHead() async throws {
        try await withLoopbackHTTPServer { server in
            let echo = try echo(try await task.run(args: ["url": .string(server.url("/echo"))], context: .forTest()))
            #expect(echo["method"] as? String == "GET")
            let head = try await task.run(args: ["method": "HEAD", "url": .string(server.url("/ok"))], context: .forTest())
            #expect(head == "HTTP 200")
        }
    }

    @Test("a slow server fails after the request timeout")
    func timeout() async throws {
        try await withLoopbackHTTPServer { server in
            let seconds = await secondsElapsed {
                let error = await #expect(throws: TaskFailure.self) {
                    try await task.run(args: ["url": .string(server.url("/slow")), "timeout": 0.3], context: .forTest())
                }
                #expect(error?.reason == ExecutionError.exception)
                #expect(error?.message.contains("timed out") == true)
            }
            #expect(seconds < 5)
        }
    }

    @Test("cancelling the task stops a pending request")
    func cancellation() async throws {
        try await withLoopbackHTTPServer { server in
            let task = self.task
            let url = server.url("/slow")
            let seconds = await secondsElapsed {
                let running = Task { try await task.run(args: ["url": .string(url)], context: .forTest()) }
                try? await Task.sleep(for: .milliseconds(200))
                running.cancel()
                let result = await running.result
                #expect(throws: CancellationError.self) { try result.get() }
            }
            #expect(seconds < 5)
        }
    }

    @Test("a refused connection fails at once, with reason 'exception', the URL and 'connection refused: host:port'", arguments: ["127.0.0.1", "localhost"])
    func connectionRefused(host: String) async throws {
        // Port 1 on loopback: nothing listens there (a port freed by another test could be
        // reused at once by a parallel test's server).
        let url = "http://\(host):1/ok"
        let started = ContinuousClock.now
        let error = await #expect(throws: TaskFailure.self) {
            try await task.run(args: ["url": .string(url), "timeout": 20], context: .forTest())
        }
        #expect(ContinuousClock.now - started < .seconds(5), "not retried until the 20 s timeout")
        #expect(error?.reason == ExecutionError.exception)
        #expect(error?.message == "GET \(url) failed: connection refused: \(host):1", "\(error?.message ?? "")")
    }
}
