import ClusterModel
import Foundation
import Varlink

/// The open-data formats funders already publish, written from `ListCommitments`: the French
/// SCDL Subventions 2.1.1 (CSV) and 360Giving (JSON). Amounts are the replies' integer cents,
/// written in euros with two decimals, never through a floating-point number.
enum FundingExport {
    /// SCDL Subventions 2.1.1's columns, in its order.
    static let scdlColumns = [
        "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire", "idBeneficiaire", "rnaBeneficiaire", "objet",
        "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide",
    ]

    /// One row per beneficiary of each grant still committed (a grant revised to nothing is left
    /// out); `montant` is the grant's total, `pourcentageSubvention` the beneficiary's share of it.
    static func scdl(_ commitments: [[String: JSONValue]]) -> String {
        var lines = [scdlColumns.joined(separator: ",")]
        for commitment in commitments where commitment["instrument"] == "grant" {
            guard let cents = commitment["committed_cents"]?.intValue, cents > 0 else { continue }
            let grantor = commitment["grantor"]?.objectValue ?? [:]
            let nature = FundingNature(rawValue: commitment["nature"]?.stringValue ?? "")?.scdl ?? ""
            let terms: String
            switch commitment["payment_terms"]?.stringValue {
            case "single": terms = PaymentTerms.single.scdl
            case "staged": terms = PaymentTerms.staged.scdl
            default: terms = commitment["payment_terms_text"]?.stringValue ?? ""
            }
            var period = commitment["planned_payment_from"]?.stringValue ?? ""
            if let to = commitment["planned_payment_to"]?.stringValue { period += "/" + to }
            for beneficiary in (commitment["beneficiaries"]?.arrayValue ?? []).compactMap(\.objectValue) {
                let share = beneficiary["share_percent"]?.intValue ?? 100
                let fields = [
                    grantor["name"]?.stringValue ?? "", grantor["siret"]?.stringValue ?? "", commitment["agreed_on"]?.stringValue ?? "",
                    commitment["decision_reference"]?.stringValue ?? "", beneficiary["name"]?.stringValue ?? "", beneficiary["siret"]?.stringValue ?? "",
                    beneficiary["rna"]?.stringValue ?? "", commitment["object"]?.stringValue ?? "", Money.euros(cents), nature, terms, period,
                    commitment["rae_id"]?.stringValue ?? "", commitment["notified_eu"] == .bool(true) ? "oui" : "non", Money.euros(share),
                    commitment["aid_scheme"]?.stringValue ?? "",
                ]
                lines.append(fields.map(Table.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// 360Giving: every commitment a grant. Its `commitmentTransaction` are the agreement, each
    /// revision dated by `on` (the change it made) and, for an abandoned project, the release on
    /// the day it was withdrawn or rejected;
    /// they add up to `amountAwarded`. `disbursementTransaction` are the payments; they add up to
    /// `amountDisbursed`.
    static func threeSixtyGiving(_ commitments: [[String: JSONValue]], on: String) -> String {
        var grants: [String] = []
        for commitment in commitments {
            let id = commitment["id"]?.stringValue ?? ""
            let grantor = commitment["grantor"]?.objectValue ?? [:]
            let committed = commitment["committed_cents"]?.intValue ?? 0
            var transactions: [String] = []
            var amount = commitment["amount_cents"]?.intValue ?? 0
            transactions.append(transaction(amount, on: commitment["agreed_on"]?.stringValue ?? "", description: "agreement"))
            let revisions = (commitment["revisions"]?.arrayValue ?? []).compactMap(\.objectValue)
                .filter { ($0["on"]?.stringValue ?? "") <= on }
                .sorted { ($0["on"]?.stringValue ?? "", $0["seq"]?.intValue ?? 0) < ($1["on"]?.stringValue ?? "", $1["seq"]?.intValue ?? 0) }
            for revision in revisions {
                let next = revision["amount_cents"]?.intValue ?? amount
                transactions.append(transaction(next - amount, on: revision["on"]?.stringValue ?? "", description: "revision: " + (revision["reason"]?.stringValue ?? "")))
                amount = next
            }
            if committed != amount {
                let day = commitment["released_on"]?.stringValue ?? on
                transactions.append(transaction(committed - amount, on: day, description: "released: the project was withdrawn or rejected"))
            }
            let payments = (commitment["disbursements"]?.arrayValue ?? []).compactMap(\.objectValue).filter { ($0["on"]?.stringValue ?? "") <= on }
            let disbursed = payments.reduce(Int64(0)) { $0 + ($1["amount_cents"]?.intValue ?? 0) }
            let recipients = (commitment["beneficiaries"]?.arrayValue ?? []).compactMap(\.objectValue).map { beneficiary in
                let identifier = beneficiary["siret"]?.stringValue.map { "FR-SIRET-" + $0 } ?? beneficiary["rna"]?.stringValue.map { "FR-RNA-" + $0 } ?? ""
                return object([("id", string(identifier)), ("name", string(beneficiary["name"]?.stringValue ?? ""))])
            }
            var fields: [(String, String)] = [
                ("id", string("360G-clusterd-" + id)),
                ("title", string(commitment["project_title"]?.stringValue ?? id)),
                ("description", string(commitment["object"]?.stringValue ?? "")),
                ("currency", string("EUR")),
                ("amountAwarded", Money.euros(committed)),
                ("amountDisbursed", Money.euros(disbursed)),
                ("awardDate", string(commitment["agreed_on"]?.stringValue ?? "")),
                ("recipientOrganization", "[" + recipients.joined(separator: ",") + "]"),
                ("fundingOrganization", "[" + object([("id", string("FR-SIRET-" + (grantor["siret"]?.stringValue ?? ""))), ("name", string(grantor["name"]?.stringValue ?? ""))]) + "]"),
                ("commitmentTransaction", "[" + transactions.joined(separator: ",") + "]"),
                ("disbursementTransaction", "[" + payments.map { transaction($0["amount_cents"]?.intValue ?? 0, on: $0["on"]?.stringValue ?? "", description: $0["reference"]?.stringValue) }.joined(separator: ",") + "]"),
                ("classifications", "[" + object([("vocabulary", string("clusterd:instrument")), ("code", string(commitment["instrument"]?.stringValue ?? ""))]) + "]"),
            ]
            let planned = [("startDate", commitment["planned_payment_from"]?.stringValue), ("endDate", commitment["planned_payment_to"]?.stringValue ?? commitment["planned_payment_from"]?.stringValue)]
            fields.append(("plannedDates", "[" + object(planned.compactMap { key, value in value.map { (key, string($0)) } }) + "]"))
            if let scheme = commitment["aid_scheme"]?.stringValue { fields.append(("grantProgramme", "[" + object([("title", string(scheme))]) + "]")) }
            grants.append(object(fields))
        }
        return "{\"grants\":[\n" + grants.joined(separator: ",\n") + "\n]}\n"
    }

    private static func transaction(_ cents: Int64, on day: String, description: String?) -> String {
        var fields = [("amount", Money.euros(cents)), ("transactionDate", string(day))]
        if let description { fields.append(("description", string(description))) }
        return object(fields)
    }

    private static func string(_ text: String) -> String { JSONValue.string(text).description }

    /// An object with its members in this order (the amounts are decimal literals, written as they are).
    private static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// Replaces `path` whole: written beside it, synced, then renamed over it.
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw Failure("cannot write \(temporary)", hint: "check that the directory exists and is writable", code: Failure.Code.ioError)
        }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure("cannot replace \(path): \(String(cString: strerror(errno)))", hint: "check that the directory is writable", code: Failure.Code.ioError)
        }
    }
}
