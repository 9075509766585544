import Crypto

/// One data subject's key: what encrypts every personal field about that person
/// (docs/event-codec.md, "People"). Destroying it in the key store is erasing the person.
public struct SubjectKey: Sendable {
    let key: SymmetricKey

    init(_ key: SymmetricKey) {
        self.key = key
    }

    /// A fresh random 256-bit key.
    static func random() -> SubjectKey {
        SubjectKey(SymmetricKey(size: .bits256))
    }

    /// The format byte that starts every sealed field.
    public static let sealedFormat: UInt8 = 1
    /// What sealing adds to a field's bytes: the format byte, the nonce and the tag.
    public static let sealingOverhead = 1 + 12 + 16

    /// `plaintext` encrypted for `subject`'s field `field`: the format byte `1`, a random 12-byte
    /// nonce, the ciphertext and the 16-byte tag (ChaCha20-Poly1305; the subject id and the field
    /// name are authenticated, so a field moved to another person or another field does not open).
    public func seal(_ plaintext: some Collection<UInt8>, subject: SubjectID, field: String) -> [UInt8] {
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(Array(plaintext), using: key, authenticating: Self.associatedData(subject: subject, field: field))
        } catch {
            // Sealing fails only on a key of the wrong size, which SubjectKey never holds.
            preconditionFailure("ChaChaPoly.seal failed: \(error)")
        }
        return [Self.sealedFormat] + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// The plaintext of a field sealed by `seal`, or nil when it does not open (another key,
    /// another subject or field, or altered bytes).
    public func open(_ sealed: some Collection<UInt8>, subject: SubjectID, field: String) -> [UInt8]? {
        let bytes = Array(sealed)
        guard bytes.count >= Self.sealingOverhead, bytes[0] == Self.sealedFormat,
              let nonce = try? ChaChaPoly.Nonce(data: bytes[1..<13]),
              let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: bytes[13..<(bytes.count - 16)], tag: bytes[(bytes.count - 16)...])
        else { return nil }
        return try? Array(ChaChaPoly.open(box, using: key, authenticating: Self.associatedData(subject: subject, field: field)))
    }

    private static func associatedData(subject: SubjectID, field: String) -> [UInt8] {
        Array("clusterd field v1".utf8) + subject.bytes + Array(field.utf8)
    }
}
