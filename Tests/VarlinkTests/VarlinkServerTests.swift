import ClusterdTestSupport
import Foundation
import Testing
import Varlink

@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct VarlinkServerTests {
    @Test func answersACall() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        let reply = try await client.call("org.example.test.Echo", ["text": "héllo"])
        #expect(reply == ["text": "héllo"])
        await client.close()
        try await server.stop()
    }

    @Test func describesItselfThroughOrgVarlinkService() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        let info = try await client.call("org.varlink.service.GetInfo")
        #expect(info["interfaces"] == ["org.varlink.service", "org.example.test"])
        #expect(info["vendor"] == "test vendor")
        let description = try await client.call("org.varlink.service.GetInterfaceDescription", ["interface": "org.example.test"])
        #expect(description["description"]?.stringValue == TestInterface.definition)
        await #expect(throws: VarlinkError.interfaceNotFound("org.example.nothing")) {
            try await client.call("org.varlink.service.GetInterfaceDescription", ["interface": "org.example.nothing"])
        }
        await client.close()
        try await server.stop()
    }

    @Test func answersUnknownInterfacesMethodsAndBadParametersWithErrors() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        await #expect(throws: VarlinkError.interfaceNotFound("org.example.other")) {
            try await client.call("org.example.other.Echo", ["text": "x"])
        }
        await #expect(throws: VarlinkError.methodNotFound("org.example.test.Nope")) {
            try await client.call("org.example.test.Nope")
        }
        await #expect(throws: VarlinkError.invalidParameter("text", reason: "expected a string, got an integer")) {
            try await client.call("org.example.test.Echo", ["text": 5])
        }
        await #expect(throws: VarlinkError.invalidParameter("text", reason: "expected a string, got nothing")) {
            try await client.call("org.example.test.Echo")
        }
        await #expect(throws: VarlinkError.invalidParameter("extra", reason: "unknown field")) {
            try await client.call("org.example.test.Echo", ["text": "a", "extra": 1])
        }
        await #expect(throws: VarlinkError("org.example.test.Failed", parameters: ["reason": "on purpose"])) {
            try await client.call("org.example.test.Fail", ["reason": "on purpose"])
        }
        do {
            _ = try await client.call("org.example.test.Crash")
            Issue.record("Crash did not fail")
        } catch let error as VarlinkError {
            #expect(error.name == "org.example.test.InternalError")
        }
        // After all of that the connection still serves.
        #expect(try await client.call("org.example.test.Echo", ["text": "still here"]) == ["text": "still here"])
        await client.close()
        try await server.stop()
    }

    @Test func streamsRepliesWhenCalledWithMore() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        var received: [Int64] = []
        for try await reply in client.stream("org.example.test.Count", ["to": 5]) {
            received.append(reply["n"]!.intValue!)
        }
        #expect(received == [1, 2, 3, 4, 5])
        await #expect(throws: VarlinkError.expectedMore) {
            try await client.call("org.example.test.Count", ["to": 5])
        }
        await client.close()
        try await server.stop()
    }

    @Test func onewayCallsGetNoReply() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        try await client.send("org.example.test.Record", ["text": "first"])
        try await client.send("org.example.test.Record", ["text": "second"])
        // Were a oneway call answered, this reply would be taken by the wrong caller.
        #expect(try await client.call("org.example.test.Recorded") == ["texts": ["first", "second"]])
        await client.close()
        try await server.stop()
    }

    @Test func pipelinedCallsEachGetTheirOwnReply() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reply = try await client.call("org.example.test.Echo", ["text": .string("call \(index)")])
                    #expect(reply["text"] == .string("call \(index)"))
                }
            }
            try await group.waitForAll()
        }
        await client.close()
        try await server.stop()
    }

    @Test func reportsThePeersCredentials() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        let reply = try await client.call("org.example.test.WhoAmI")
        #expect(reply["uid"] == .int(Int64(getuid())))
        #expect(reply["gid"] == .int(Int64(getgid())))
        #expect(reply["pid"] == .int(Int64(getpid())))
        await client.close()
        try await server.stop()
    }

    @Test func createsTheSocketWithMode0660() async throws {
        let server = try await TestServer()
        let attributes = try FileManager.default.attributesOfItem(atPath: server.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        try await server.stop()
    }

    @Test func removesTheSocketFileAfterShutdown() async throws {
        let server = try await TestServer()
        try await server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.socketPath))
    }

    @Test func answersCallsInFlightDuringGracefulShutdown() async throws {
        let server = try await TestServer()
        let client = try await server.client()
        async let slow = client.call("org.example.test.Slow", ["milliseconds": 400])
        while server.handler.slowCallsStarted.withLock({ $0 }) == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        server.server.shutdown()
        #expect(try await slow == ["done": true])
        try await server.task.value
        #expect(!UnixSocket.isAcceptingConnections(server.socketPath))
        await client.close()
    }

    @Test func closesIdleConnectionsButNotBusyOnes() async throws {
        // Under the sanitizers a call can sit unread for more than 300 ms on a loaded machine;
        // the connection is then rightly closed as idle before its call runs, and the call never
        // starts (CI's ThreadSanitizer run waited for it until the suite's time limit).
        let idleTimeout: Duration = Sanitizers.running ? .seconds(3) : .milliseconds(300)
        let server = try await TestServer { $0.idleTimeout = idleTimeout }
        let busy = try UnixSocket(connectingTo: server.socketPath)
        let slowMilliseconds = Sanitizers.running ? 6_000 : 600
        await busy.send("{\"method\":\"org.example.test.Slow\",\"parameters\":{\"milliseconds\":\(slowMilliseconds)}}\0")
        // Busy from when its call runs: on a loaded machine the call could sit unread past the
        // idle timeout, and the connection was then rightly idle: said, not waited for forever.
        let deadline = ContinuousClock.now + .seconds(60)
        while server.handler.slowCallsStarted.withLock({ $0 }) == 0 {
            guard ContinuousClock.now < deadline else {
                Issue.record("the slow call did not start within 60 s: its connection was closed as idle first (idle timeout \(idleTimeout))")
                try await server.stop()
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let idle = try UnixSocket(connectingTo: server.socketPath)
        // isClosedByPeer gives up after its 10 s receive timeout, far beyond the idle timeout.
        #expect(await idle.isClosedByPeer())
        // The busy connection outlived the idle timeout and still got its answer.
        #expect(await busy.receiveMessage() == #"{"parameters":{"done":true}}"#)
        try await server.stop()
    }

    /// Calls answered on the event loop, those handed on to the connection's task and those of
    /// the asynchronous path, pipelined on one connection, are answered in the order they came.
    @Test func answersPipelinedCallsInOrderWhereverTheyAreAnswered() async throws {
        let server = try await TestServer()
        let socket = try UnixSocket(connectingTo: server.socketPath)
        let labels = ["now-1", "later-2", "now-3", "decline-4", "now-5", "fail-6", "later-7", "now-8", "now-9"]
        await socket.send(labels.map { #"{"method":"org.example.test.Next","parameters":{"label":"\#($0)"}}"# + "\0" }.joined())
        var replies: [String] = []
        for _ in labels { replies.append(await socket.receiveMessage() ?? "nothing") }
        #expect(replies == labels.map { label in
            label.hasPrefix("fail")
                ? #"{"error":"org.example.test.Failed","parameters":{"reason":"\#(label)"}}"#
                : #"{"parameters":{"label":"\#(label)"}}"#
        })
        // The first came in while the connection was idle: answered on the event loop.
        #expect(server.handler.answeredImmediately.withLock { $0 } >= 1)
        try await server.stop()
    }

    /// A call answered on the event loop restarts the connection's idle clock, as one answered
    /// by its task does: the connection stays open while calls keep coming, and is closed once
    /// they stop.
    @Test func callsAnsweredOnTheEventLoopRestartTheIdleClock() async throws {
        // Long enough that a loaded machine (the other suites run meanwhile) does not stall a call
        // past it; the sanitizer runs are ten times slower, and get a longer one.
        let timeout = Duration.seconds(Sanitizers.running ? 10 : 2)
        let server = try await TestServer { $0.idleTimeout = timeout }
        // The connection's idle clock starts when it is accepted. A machine that stalls past the
        // timeout between the connect and the first call ends the connection before anything is
        // tested: then a new one is tried.
        // The server answers a call after it was sent: its idle clock restarts no earlier than
        // that, so it may close the connection no sooner than the timeout after the last one sent.
        var connected: VarlinkClient?
        var lastSent = ContinuousClock.now
        for _ in 0..<3 {
            let candidate = try await server.client()
            lastSent = .now
            if (try? await candidate.call("org.example.test.Next", ["label": "now"])) != nil {
                connected = candidate
                break
            }
            await candidate.close()
        }
        let client = try #require(connected)
        let start = ContinuousClock.now
        var calls = 1
        var closedEarly = false
        while ContinuousClock.now - start < timeout * 3 {
            let sent = ContinuousClock.now
            do {
                #expect(try await client.call("org.example.test.Next", ["label": "now"]) == ["label": "now"])
            } catch {
                // Only a pause longer than the timeout may end the connection: this test's task
                // held up on a busy machine, or the server's event loop (then the call waits,
                // unread, while the timer comes due).
                closedEarly = true
                let closedAfter = ContinuousClock.now - lastSent
                #expect(closedAfter >= timeout, "closed \(closedAfter) after the last call was sent: \(error)")
                break
            }
            lastSent = sent
            calls += 1
            try await Task.sleep(for: .milliseconds(150))
        }
        // Calls came every 150 ms for three timeouts: more than the first were answered, and all
        // but perhaps the first (sent before the connection's task waited for calls) on the
        // event loop. (Only a pause past the timeout may end it early.)
        #expect(calls >= 2 || closedEarly, "only the first call was answered")
        #expect(server.handler.answeredImmediately.withLock { $0 } >= calls - 1)
        try await Task.sleep(for: timeout * 2)
        // Idle past the timeout: the server closed the connection, so the call gets no reply.
        await #expect(throws: VarlinkClientError.connectionClosed) {
            try await client.call("org.example.test.Next", ["label": "after the timeout"])
        }
        await client.close()
        try await server.stop()
    }

    @Test func refusesConnectionsBeyondTheLimitAndServesTheOthers() async throws {
        let server = try await TestServer { $0.maximumConnections = 2 }
        let first = try await server.client()
        let second = try await server.client()
        _ = try await first.call("org.example.test.Echo", ["text": "1"])
        _ = try await second.call("org.example.test.Echo", ["text": "2"])
        let third = try UnixSocket(connectingTo: server.socketPath)
        let refusal = await third.receiveMessage()
        // The standard error exactly as org.varlink.service declares it: no parameters.
        #expect(refusal == #"{"error":"org.varlink.service.PermissionDenied","parameters":{}}"#, "\(refusal ?? "nil")")
        #expect(await third.isClosedByPeer())
        #expect(try await first.call("org.example.test.Echo", ["text": "again"]) == ["text": "again"])
        await second.close()
        try await Task.sleep(for: .milliseconds(100))
        let fourth = try await server.client()
        #expect(try await fourth.call("org.example.test.Echo", ["text": "4"]) == ["text": "4"])
        await first.close()
        await fourth.close()
        try await server.stop()
    }

    @Test func adoptsAnAlreadyListeningSocket() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("adopted.sock")
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(descriptor, 16) == 0)
        let server = try await TestServer { $0.endpoint = .listeningSocket(descriptor: descriptor) }
        let client = try await VarlinkClient.connect(to: path)
        #expect(try await client.call("org.example.test.Echo", ["text": "adopted"]) == ["text": "adopted"])
        await client.close()
        try await server.stop()
    }

    @Test func replacesAStaleSocketFileButNotALiveOne() async throws {
        let live = try await TestServer()
        let second = VarlinkServer(
            configuration: VarlinkServerConfiguration(endpoint: .path(live.socketPath)),
            service: VarlinkService(info: .init(vendor: "", product: "", version: "", url: ""), interfaces: [], logger: .init(label: "t")),
            logger: .init(label: "t")
        )
        await #expect(throws: UnixSocketPathError.self) { try await second.run() }
        try await live.stop()
    }
}
