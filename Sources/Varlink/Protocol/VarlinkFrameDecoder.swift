import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into NUL-terminated Varlink messages, refusing any longer than a limit.
///
/// The limit is checked while bytes arrive, so an endless message without a NUL is refused as soon
/// as it passes the limit, not after it has filled memory.
public struct VarlinkFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Largest message accepted, in bytes, without its terminating NUL.
    public let maximumMessageSize: Int
    private var scannedBytes = 0

    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // memchr over the bytes not yet scanned: the generic view search cost more than the call.
        let alreadyScanned = scannedBytes
        let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count > alreadyScanned, let base = bytes.baseAddress else { return nil }
            guard let hit = memchr(base + alreadyScanned, 0, bytes.count - alreadyScanned) else { return nil }
            return UnsafeRawPointer(hit) - base
        }
        guard let length = found else {
            scannedBytes = buffer.readableBytes
            if scannedBytes > maximumMessageSize {
                throw VarlinkFrameTooLarge(limit: maximumMessageSize)
            }
            return .needMoreData
        }
        scannedBytes = 0
        guard length <= maximumMessageSize else { throw VarlinkFrameTooLarge(limit: maximumMessageSize) }
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(message))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes without a terminating NUL at end of stream are an incomplete message: drop them.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

/// A peer sent a message longer than the configured limit.
public struct VarlinkFrameTooLarge: Error, Sendable, Hashable {
    /// The limit in bytes.
    public var limit: Int
}

extension ByteBuffer {
    /// Appends `message` as compact JSON followed by the NUL terminator.
    public mutating func writeVarlinkMessage(_ message: JSONValue) {
        let bytes = JSONSerializer.serialize(message)
        reserveCapacity(minimumWritableBytes: bytes.count + 1)
        writeBytes(bytes)
        writeInteger(UInt8(0))
    }
}
