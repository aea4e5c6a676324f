import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for the `http.request` tests.
///
/// Routes:
/// - `GET /ok` → 200 with a two-line text body
/// - `/status/<code>` → that status with the body `status <code>`
/// - `/slow` → answers after 10 seconds (for timeouts and cancellation)
/// - `/big` → 200 with 1000 bytes of `x`
/// - `/echo` → 200 with a JSON body `{"method", "uri", "headers": {lowercased name: value}, "body"}`,
///   without the `Kairos-*` identity headers (the result keeps 200 bytes of the body)
/// - `/identity` → 200 with a JSON body of the `Kairos-*` headers only (lowercased names)
/// - anything else → 404
final class LoopbackHTTPServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    static func start() async throws -> LoopbackHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(RouteHandler())
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
            return LoopbackHTTPServer(port: port, channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Runs `body` with a started server and always shuts the server down.
func withLoopbackHTTPServer<T>(_ body: (LoopbackHTTPServer) async throws -> T) async throws -> T {
    let server = try await LoopbackHTTPServer.start()
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

private final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/ok":
            send(.ok, "hello from the loopback server\nsecond line", context: context)
        case "/big":
            send(.ok, String(repeating: "x", count: 1000), context: context)
        case "/slow":
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(10)) {
                if context.channel.isActive { self.send(.ok, "finally", context: context) }
            }
        case "/identity":
            var headers: [String: String] = [:]
            for (name, value) in head.headers where name.lowercased().hasPrefix("kairos-") { headers[name.lowercased()] = value }
            let data = (try? JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys])) ?? Data()
            send(.ok, String(decoding: data, as: UTF8.self), contentType: "application/json", context: context)
        case "/echo":
            var headers: [String: String] = [:]
            for (name, value) in head.headers where !name.lowercased().hasPrefix("kairos-") { headers[name.lowercased()] = value }
            let echo: [String: Any] = [
                "method": head.method.rawValue,
                "uri": head.uri,
                "headers": headers,
                "body": body.getString(at: body.readerIndex, length: body.readableBytes) ?? "",
            ]
            let data = (try? JSONSerialization.data(withJSONObject: echo, options: [.sortedKeys])) ?? Data()
            send(.ok, String(decoding: data, as: UTF8.self), contentType: "application/json", context: context)
        default:
            if path.hasPrefix("/status/"), let code = Int(path.dropFirst("/status/".count)) {
                send(HTTPResponseStatus(statusCode: code), "status \(code)", context: context)
            } else {
                send(.notFound, "no route for \(path)", context: context)
            }
        }
    }

    private func send(_ status: HTTPResponseStatus, _ text: String, contentType: String = "text/plain", context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
