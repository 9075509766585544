import NIOCore
import NIOEmbedded
import Testing
import Varlink

struct VarlinkFrameDecoderTests {
    func channel(limit: Int = 64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageSize: limit)))
        return channel
    }

    func frames(_ channel: EmbeddedChannel) throws -> [String] {
        var result: [String] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) {
            result.append(String(buffer: buffer))
        }
        return result
    }

    @Test func splitsMessagesOnNUL() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(bytes: Array("{\"a\":1}\0{\"b\":2}\0{\"c\"".utf8)))
        #expect(try frames(channel) == ["{\"a\":1}", "{\"b\":2}"])
        try channel.writeInbound(ByteBuffer(bytes: Array(":3}\0".utf8)))
        #expect(try frames(channel) == ["{\"c\":3}"])
    }

    @Test func reassemblesAMessageSentByteByByte() throws {
        let channel = try channel()
        for byte in Array("{\"method\":\"x\"}\0".utf8) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try frames(channel) == ["{\"method\":\"x\"}"])
    }

    @Test func refusesAMessageOverTheLimitBeforeItEnds() throws {
        let channel = try channel(limit: 16)
        #expect(throws: VarlinkFrameTooLarge.self) {
            try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: "a"), count: 17)))
        }
    }

    @Test func acceptsAMessageExactlyAtTheLimit() throws {
        let channel = try channel(limit: 16)
        try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: "a"), count: 16) + [0]))
        #expect(try frames(channel).first?.count == 16)
    }
}
