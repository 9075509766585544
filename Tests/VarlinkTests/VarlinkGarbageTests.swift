import ClusterdTestSupport
import Testing
import Varlink

/// Hostile or broken peers: the server answers with an error or closes, and keeps serving others.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct VarlinkGarbageTests {
    func assertStillServing(_ server: TestServer) async throws {
        let client = try await server.client()
        #expect(try await client.call("org.example.test.Echo", ["text": "alive"]) == ["text": "alive"])
        await client.close()
    }

    @Test func invalidJSONGetsAnErrorAndTheConnectionCloses() async throws {
        let server = try await TestServer()
        let socket = try UnixSocket(connectingTo: server.socketPath)
        await socket.send("{\"method\": nope}\0")
        let reply = try JSONParser.parse(await socket.receiveMessage() ?? "")
        #expect(reply["error"] == "org.varlink.service.InvalidParameter")
        #expect(reply["parameters"]?["parameter"] == "message")
        #expect(await socket.isClosedByPeer())
        try await assertStillServing(server)
        try await server.stop()
    }

    @Test(arguments: [
        ("[1, 2, 3]", "message"),
        ("{\"parameters\": {}}", "method"),
        ("{\"method\": 42}", "method"),
        ("{\"method\": \"org.example.test.Echo\", \"parameters\": [1]}", "parameters"),
        ("{\"method\": \"org.example.test.Echo\", \"parameters\": {\"text\": \"x\"}, \"more\": \"yes\"}", "more"),
    ])
    func malformedCallsGetInvalidParameter(message: String, parameter: String) async throws {
        let server = try await TestServer()
        let socket = try UnixSocket(connectingTo: server.socketPath)
        await socket.send(message + "\0")
        let reply = try JSONParser.parse(await socket.receiveMessage() ?? "")
        #expect(reply["error"] == "org.varlink.service.InvalidParameter")
        #expect(reply["parameters"]?["parameter"] == .string(parameter))
        // A well-formed call on the same connection is still answered.
        await socket.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"ok\"}}\0")
        #expect(await socket.receiveMessage() == #"{"parameters":{"text":"ok"}}"#)
        try await server.stop()
    }

    @Test func randomBytesNeverStopTheServer() async throws {
        let server = try await TestServer()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let socket = try UnixSocket(connectingTo: server.socketPath)
            let bytes = (0..<Int.random(in: 1...2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            await socket.send(bytes + [0])
            _ = await socket.isClosedByPeer()
        }
        try await assertStillServing(server)
        try await server.stop()
    }

    @Test func anEndlessMessageWithoutNULIsRefusedAtTheLimit() async throws {
        let server = try await TestServer { $0.maximumMessageSize = 4096 }
        let socket = try UnixSocket(connectingTo: server.socketPath)
        var sent = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
        while sent < 64 * 1024, await socket.send(chunk) { sent += chunk.count }
        let reply = try JSONParser.parse(await socket.receiveMessage() ?? "")
        // org.varlink.service.InvalidParameter declares `parameter` alone: nothing else is sent.
        #expect(reply["error"] == "org.varlink.service.InvalidParameter")
        #expect(reply["parameters"] == ["parameter": "message"])
        #expect(await socket.isClosedByPeer())
        try await assertStillServing(server)
        try await server.stop()
    }

    @Test func aMessageSentByteByByteIsAnswered() async throws {
        let server = try await TestServer()
        let socket = try UnixSocket(connectingTo: server.socketPath)
        for byte in Array("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"slow\"}}\0".utf8) {
            await socket.send([byte])
        }
        #expect(await socket.receiveMessage() == #"{"parameters":{"text":"slow"}}"#)
        try await server.stop()
    }

    @Test func upgradeIsRefused() async throws {
        let server = try await TestServer()
        let socket = try UnixSocket(connectingTo: server.socketPath)
        await socket.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"x\"},\"upgrade\":true}\0")
        let reply = try JSONParser.parse(await socket.receiveMessage() ?? "")
        #expect(reply["error"] == "org.varlink.service.MethodNotImplemented")
        try await server.stop()
    }
}
