"""After `solocrm forget`, nothing of the person is left anywhere in the database file's
bytes: not in the table and index pages, the search index, the freelist or the WAL.
Checked the way the bug was found: `strings` on the files, after the real CLI erased."""

from __future__ import annotations

from pathlib import Path

from .conftest import cli, integrity

# Unusual tokens, so a hit cannot come from another customer or SQLite's own text.
PERSON = {"name": "Quirinus Zabłocki", "email": "quirinus.zablocki@zyxwv.example", "phone": "+49 170 5550199",
          "city": "Wolkenkuckucksheim", "company": "Zebrafink Qualm GmbH"}
NEEDLES = ("Quirinus", "Zab", "zyxwv", "5550199", "Wolkenkuckucksheim", "Zebrafink", "Xylophonkurs")


def _bytes_on_disk(db: Path) -> bytes:
    files = [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]
    return b"".join(f.read_bytes() for f in files if f.exists())


def _customers_csv(path: Path) -> Path:
    rows = ["name,email,phone,city,company,tags,notes"]
    for i in range(300):  # enough rows that the search index spans many pages and segments
        rows.append(f"Other Person {i},other{i}@example.com,+49 30 {1000000 + i},Berlin,Acme {i},vip,")
    rows.insert(150, f"{PERSON['name']},{PERSON['email']},{PERSON['phone']},{PERSON['city']},"
                     f"{PERSON['company']},zebra,remember the Zebrafink order")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_forget_leaves_no_byte_of_the_person_in_the_file(tmp_path):
    db = tmp_path / "crm.db"
    assert cli("--db", db, "import", "customers", _customers_csv(tmp_path / "people.csv")).returncode == 0
    talks = tmp_path / "talks.csv"  # a timeline note: its words sit in the everything-search index too
    talks.write_text(f"email,type,text,date\n{PERSON['email']},note,booked the Xylophonkurs for May,2026-02-02\n",
                     encoding="utf-8")
    assert cli("--db", db, "import", "interactions", talks).returncode == 0
    before = _bytes_on_disk(db)
    assert all(n.encode() in before for n in ("Quirinus", "Wolkenkuckucksheim", "Xylophonkurs"))
    ids = [line for line in cli("--db", db, "export", "customers", "--format", "json").stdout.split("\n")
           if "Quirinus" in line]
    assert ids, "the person is in the export before the erasure"
    person_id = int(ids[0].split('"solocrm_id": ')[1].split(",")[0])
    done = cli("--db", db, "forget", str(person_id), "--yes")
    assert done.returncode == 0, done.stderr
    after = _bytes_on_disk(db)
    left = [n for n in NEEDLES if n.encode() in after or n.lower().encode() in after]
    assert left == [], f"still readable in the file's bytes after forget: {left}"
    assert integrity(db) == "ok"
    assert cli("--db", db, "doctor").returncode == 0
