"""The open-data exports of `clusterctl funding export`, checked by tools that know nothing of clusterd.

SCDL Subventions 2.1.1: the CSV is validated by the `frictionless` package against a Table Schema
written from the specification (scdl-subventions-2.1.1.schema.json); a file that breaks the
specification must fail the same validation, so that the check can fail. 360Giving: the amounts,
read as decimals, add up (amountDisbursed is the sum of the disbursement transactions,
amountAwarded that of the commitment transactions).

Run by Scripts/test with CLUSTERD_BIN and CLUSTERCTL pointing at the built programs.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path

from clusterd_process import wait_until_accepting

CLUSTERD = os.environ.get("CLUSTERD_BIN")
CLUSTERCTL = os.environ.get("CLUSTERCTL")
SCHEMA = Path(__file__).resolve().parent / "scdl-subventions-2.1.1.schema.json"
COLUMNS = ("nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,rnaBeneficiaire,"
           "objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention,dispositifAide")


@unittest.skipUnless(CLUSTERD and CLUSTERCTL, "CLUSTERD_BIN and CLUSTERCTL are not set")
class FundingExports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="clusterd-exports-")
        cls.socket = os.path.join(cls.directory, "clusterd.sock")
        cls.stderr = open(os.path.join(cls.directory, "clusterd.stderr"), "w")
        cls.daemon = subprocess.Popen(
            [CLUSTERD, "--state-dir", os.path.join(cls.directory, "state"), "--socket", cls.socket],
            stdout=subprocess.DEVNULL, stderr=cls.stderr,
        )
        # Stopped also when a setup step below fails (tearDownClass then does not run).
        cls.addClassCleanup(cls.stop)
        if not wait_until_accepting(cls.daemon, cls.socket):
            raise RuntimeError("clusterd did not start")
        for command in [
            ["clusters", "add", "glass", "--name", "Glass Valley", "--region", "28", "--department", "76", "--siret", "55210055400013"],
            ["companies", "add", "732829320", "--name", "ACME, \"verriers\"", "--naf", "23.13Z", "--department", "76", "--employees", "120"],
            ["join", "glass", "732829320", "--date", "2015-03-01"],
            ["partner", "link", "glass", "anct", "--name", "ANCT", "--kind", "agency", "--siret", "13002603200016"],
            ["projects", "propose", "verre", "--title", "Verre 4.0", "--lead", "glass", "--region", "28", "--starts", "2024-01-01",
             "--ends", "2026-12-31", "--proposed", "2023-09-01", "--partner", "anct=funder"],
            ["funding", "commit", "anct-1", "--project", "verre", "--instrument", "grant", "--grantor", "ANCT",
             "--grantor-siret", "13002603200016", "--grantor-kind", "agency", "--amount", "500000", "--agreed", "2023-12-01",
             "--decision", "D-2023-12", "--object", "Fours hybrides, \"verre\" (phase 1)", "--terms", "staged",
             "--payment", "2024-01-01/2025-12-31", "--beneficiary", "company:73282932000017:60", "--beneficiary", "cluster:glass:40",
             "--rae", "1234", "--aid-scheme", "Territoires d'industrie"],
            ["funding", "commit", "region-1", "--project", "verre", "--instrument", "grant", "--grantor", "Région Normandie",
             "--grantor-siret", "20005340300016", "--grantor-kind", "local_authority", "--amount", "250000.05", "--agreed", "2024-02-01",
             "--decision", "CP-2024-02", "--object", "Formation", "--nature", "in_kind", "--terms", "30 % à la signature, le solde à la fin",
             "--payment", "2024-06-01", "--notified-eu", "--beneficiary", "association:W761234567:Verre & Co"],
            ["funding", "commit", "bank-1", "--project", "verre", "--instrument", "loan", "--grantor", "Banque",
             "--grantor-siret", "55210055400021", "--grantor-kind", "bank", "--amount", "1000000", "--agreed", "2024-03-01",
             "--decision", "P-1", "--object", "Prêt", "--payment", "2024-04-01", "--beneficiary", "company:73282932000017"],
            ["funding", "disburse", "anct-1", "--amount", "200000", "--on", "2024-02-01", "--reference", "VIR-1"],
            ["funding", "disburse", "anct-1", "--amount", "99999.99", "--on", "2024-05-01"],
            ["funding", "revise", "anct-1", "--amount", "600000", "--on", "2024-06-01", "--reason", "phase 2"],
            # A second project, withdrawn after a first payment of its loan: the rest is released.
            ["projects", "propose", "verre-2", "--title", "Verre 5.0", "--lead", "glass", "--region", "28", "--starts", "2024-01-01",
             "--ends", "2026-12-31", "--proposed", "2023-10-01"],
            ["funding", "commit", "loan-2", "--project", "verre-2", "--instrument", "loan", "--grantor", "Banque",
             "--grantor-siret", "55210055400021", "--grantor-kind", "bank", "--amount", "100000", "--agreed", "2024-04-01",
             "--decision", "P-2", "--object", "Prêt", "--payment", "2024-05-01", "--beneficiary", "company:73282932000017"],
            ["funding", "disburse", "loan-2", "--amount", "40000", "--on", "2024-05-01"],
            ["projects", "withdraw", "verre-2", "--on", "2024-07-01", "--reason", "partner left"],
        ]:
            cls.clusterctl(*command)

    @classmethod
    def stop(cls):
        cls.daemon.terminate()
        cls.daemon.wait(timeout=30)
        cls.stderr.close()
        shutil.rmtree(cls.directory, ignore_errors=True)

    @classmethod
    def clusterctl(cls, *arguments):
        result = subprocess.run([CLUSTERCTL, "--socket", cls.socket, *arguments], capture_output=True, text=True, encoding="utf-8")
        if result.returncode != 0:
            raise AssertionError(f"clusterctl {' '.join(arguments)}: {result.stderr}")
        return result.stdout

    def validate(self, path):
        from frictionless import Resource, Schema, validate
        # frictionless reads only paths under its base path.
        resource = Resource(path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8"))), format="csv", encoding="utf-8")
        report = validate(resource)
        errors = report.flatten(["type"])
        self.assertNotIn(["resource-error"], errors, "the file itself could not be read")
        return report

    def test_scdl_export_is_valid_against_the_specifications_table_schema(self):
        path = Path(self.directory) / "subventions.csv"
        self.clusterctl("funding", "export", "--format", "scdl", "--on", "2024-12-31", "--output", str(path))
        text = path.read_text(encoding="utf-8")
        self.assertEqual(text.splitlines()[0], COLUMNS)
        report = self.validate(path)
        self.assertTrue(report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"]))
        rows = report.tasks[0].stats["rows"]
        self.assertEqual(rows, 3, "two beneficiaries of ANCT's grant, one of the region's; the loan is no grant")
        self.assertIn("600000.00", text)
        self.assertIn("0.60", text)
        self.assertIn(",oui,1.00,", text)

    def test_a_file_that_breaks_the_specification_fails_the_same_validation(self):
        good = Path(self.directory) / "good.csv"
        self.clusterctl("funding", "export", "--format", "scdl", "--output", str(good))
        for broken in ("600000.00", "1.00"):
            with self.subTest(value=broken):
                bad = Path(self.directory) / "bad.csv"
                text = good.read_text(encoding="utf-8")
                wrong = "600000,00" if broken == "600000.00" else "1.5"
                self.assertIn(broken, text)
                bad.write_text(text.replace(broken, wrong, 1).replace(f",{wrong},", f",\"{wrong}\",", 1), encoding="utf-8")
                self.assertFalse(self.validate(bad).valid, f"{wrong} instead of {broken} passes")

    def test_360giving_amounts_add_up(self):
        grants = json.loads(self.clusterctl("funding", "export", "--format", "360giving", "--on", "2024-12-31"),
                            parse_float=Decimal)["grants"]
        self.assertEqual([grant["id"] for grant in grants],
                         ["360G-clusterd-anct-1", "360G-clusterd-region-1", "360G-clusterd-bank-1", "360G-clusterd-loan-2"])
        for grant in grants:
            with self.subTest(grant=grant["id"]):
                self.assertEqual(grant["amountDisbursed"], sum((t["amount"] for t in grant["disbursementTransaction"]), Decimal("0.00")))
                self.assertEqual(grant["amountAwarded"], sum((t["amount"] for t in grant["commitmentTransaction"]), Decimal("0.00")))
                self.assertEqual(grant["currency"], "EUR")
        anct = grants[0]
        self.assertEqual(anct["amountAwarded"], Decimal("600000.00"))
        self.assertEqual(anct["amountDisbursed"], Decimal("299999.99"))
        self.assertEqual(str(anct["amountDisbursed"]), "299999.99", "two decimals, as written")
        # The withdrawn project's loan: what was not paid is released on the day of the withdrawal.
        loan = grants[3]
        self.assertEqual(loan["amountAwarded"], Decimal("40000.00"))
        self.assertEqual([(t["amount"], t["transactionDate"]) for t in loan["commitmentTransaction"]],
                         [(Decimal("100000.00"), "2024-04-01"), (Decimal("-60000.00"), "2024-07-01")])
        # Before the revision: the amount agreed.
        before = json.loads(self.clusterctl("funding", "export", "--format", "360giving", "--on", "2024-05-31"), parse_float=Decimal)["grants"]
        self.assertEqual(before[0]["amountAwarded"], Decimal("500000.00"))
        # --from/--to select agreement dates.
        only = json.loads(self.clusterctl("funding", "export", "--format", "360giving", "--from", "2024-01-01", "--to", "2024-02-29"))["grants"]
        self.assertEqual([grant["id"] for grant in only], ["360G-clusterd-region-1"])


if __name__ == "__main__":
    unittest.main()
