import ClusterModel
import Crypto

/// A write's request id and what the request asked for: a retry with the same id and the same
/// fingerprint answers the first result, one with another fingerprint is refused
/// (`RequestIdReused`).
public struct RequestKey: Sendable, Hashable {
    public var id: String
    public var fingerprint: RequestFingerprint

    public init(id: String, fingerprint: RequestFingerprint) {
        self.id = id
        self.fingerprint = fingerprint
    }

    /// The key of a call of `method` (a write method, or `Import`) deciding `commands`: the
    /// first 16 bytes of the SHA-256 of their canonical form.
    public init(id: String, method: String, commands: [Command], expectedSequence: UInt64?) {
        let canonical = RequestFingerprint.canonicalBytes(method: method, commands: commands, expectedSequence: expectedSequence)
        let digest = Array(SHA256.hash(data: canonical))
        guard let fingerprint = RequestFingerprint(bytes: digest.prefix(16)) else { preconditionFailure("SHA-256 gave fewer than 16 bytes") }
        self.init(id: id, fingerprint: fingerprint)
    }
}

extension DecodedWrite {
    /// The request id with the fingerprint of what this call asks for; nil without an id.
    var request: RequestKey? {
        requestID.map { RequestKey(id: $0, method: method, commands: commands, expectedSequence: expectedSequence) }
    }
}
