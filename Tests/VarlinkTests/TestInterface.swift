import ClusterdTestSupport
import Logging
import Locking
import Varlink

/// A small interface that exercises every protocol feature the server offers.
final class TestInterface: VarlinkDirectMethodHandler {
    static let definition = """
        # Methods for testing the server.
        interface org.example.test

        method Echo(text: string) -> (text: string)

        # Streams n = 1 … to.
        method Count(to: int) -> (n: int)

        method Slow(milliseconds: int) -> (done: bool)

        method Record(text: string) -> ()

        method Recorded() -> (texts: []string)

        method Fail(reason: string) -> ()

        method Crash() -> ()

        method WhoAmI() -> (uid: int, gid: int, pid: int)

        # Decoded from the message bytes and answered on the event loop where it can: a label
        # starting with "later" is answered after a pause, "fail" with Failed, "decline" by the
        # asynchronous path.
        method Next(label: string) -> (label: string)

        error Failed (reason: string)

        """

    let recorded = Locked<[String]>([])
    let slowCallsStarted = Locked(0)
    /// How many calls of Next were answered on the event loop (given or handed on).
    let answeredImmediately = Locked(0)

    let directlyDecodedMethods: Set<String> = ["Next"]

    func decodeDirect(method: String, parameters cursor: inout JSONCursor) -> (any Sendable)? {
        var members = JSONMembers()
        guard (try? cursor.readMembers(into: &members)) == true, members.count == 1, case .string(let label)? = members["label"] else { return nil }
        return label
    }

    func handle(method: String, decoded input: any Sendable, context: VarlinkCallContext) async throws -> [String: JSONValue] {
        let label = input as! String
        if label.hasPrefix("fail") { throw VarlinkError("org.example.test.Failed", parameters: ["reason": .string(label)]) }
        return ["label": .string(label)]
    }

    func answerImmediately(method: String, decoded input: any Sendable, peer: VarlinkPeer?) -> VarlinkImmediateAnswer? {
        let label = input as! String
        if label.hasPrefix("decline") { return nil }
        answeredImmediately.withLock { $0 += 1 }
        if label.hasPrefix("later") {
            return .later {
                try await Task.sleep(for: .milliseconds(30))
                return ["label": .string(label)]
            }
        }
        if label.hasPrefix("fail") {
            return .done(.failure(VarlinkError("org.example.test.Failed", parameters: ["reason": .string(label)])))
        }
        return .done(.success(["label": .string(label)]))
    }

    func handle(method: String, parameters: [String: JSONValue], context: VarlinkCallContext) async throws -> [String: JSONValue] {
        switch method {
        case "Echo":
            return ["text": parameters["text"]!]
        case "Count":
            let to = parameters["to"]!.intValue!
            guard to > 0 else { return ["n": 0] }
            for n in 1..<to {
                try await context.yield(["n": .int(n)])
            }
            return ["n": .int(to)]
        case "Slow":
            slowCallsStarted.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(parameters["milliseconds"]!.intValue!))
            return ["done": true]
        case "Record":
            recorded.withLock { $0.append(parameters["text"]!.stringValue!) }
            return [:]
        case "Recorded":
            return ["texts": .array(recorded.withLock { $0 }.map { .string($0) })]
        case "Fail":
            throw VarlinkError("org.example.test.Failed", parameters: ["reason": parameters["reason"]!])
        case "Crash":
            struct Boom: Error {}
            throw Boom()
        case "WhoAmI":
            let peer = context.peer!
            return ["uid": .int(Int64(peer.uid)), "gid": .int(Int64(peer.gid)), "pid": .int(Int64(peer.pid))]
        default:
            throw VarlinkError.methodNotImplemented(method)
        }
    }
}

/// A `VarlinkServer` serving `TestInterface` on a temporary socket for the length of a test.
final class TestServer: Sendable {
    let directory: TemporaryDirectory
    let socketPath: String
    let server: VarlinkServer
    let task: Task<Void, any Error>
    let handler = TestInterface()

    init(configure: (inout VarlinkServerConfiguration) -> Void = { _ in }) async throws {
        directory = try TemporaryDirectory(prefix: "varlink-test")
        socketPath = directory.file("test.sock")
        var configuration = VarlinkServerConfiguration(endpoint: .path(socketPath))
        configure(&configuration)
        if case .listeningSocket = configuration.endpoint {} else { configuration.endpoint = .path(socketPath) }
        let interface = try VarlinkInterface(parsing: TestInterface.definition)
        let service = VarlinkService(
            info: .init(vendor: "test vendor", product: "test product", version: "1", url: "https://example.org"),
            interfaces: [(interface, handler)],
            logger: Logger(label: "test")
        )
        server = VarlinkServer(configuration: configuration, service: service, logger: Logger(label: "test"))
        let server = self.server
        task = Task { try await server.run() }
        try await server.waitUntilListening()
    }

    func client() async throws -> VarlinkClient {
        try await VarlinkClient.connect(to: socketPath)
    }

    /// Shuts the server down and waits for `run()` to return.
    func stop() async throws {
        server.shutdown()
        try await task.value
    }
}
