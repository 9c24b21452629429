"""MariaDB/MySQL as a source database (issue 10): schema, bulk loads, imports and e-Kinerja views.

The server is a throwaway MariaDB (tests/mariadb.py), reached over TCP through SQLAlchemy and PyMySQL
(`mysql+pymysql://kinerja@127.0.0.1:PORT/db`), as a deployment reaches its e-Kinerja database.
"""
from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pymysql
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.extract import extract_table
from kinerja.importer import CONTRACT, import_file
from kinerja.periods import Period
from tests.mariadb import mariadb_server, mariadb_url  # noqa: F401  (fixtures)

DATA = Path(__file__).parent / "data"
NIP_A, NIP_B = "199105122019031001", "198703042010012002"

# A small source, one or two rows per table, every value as text (the importer's and generator's form).
SOURCE: dict[str, list[tuple]] = {
    "units": [("DINKES", "Dinas Kesehatan", None, "dinas"), ("PKM-SMG-01", "Puskesmas Séroja", "DINKES", "puskesmas")],
    "employees": [(NIP_A, "Dédé Kurniawan", "PNS", "III/a", "2019-03-01", None),
                  (NIP_B, "Sjarifuddin", "PPPK", "IX", "2021-01-01", "2025-12-31")],
    "assignments": [(NIP_A, "PKM-SMG-01", "Perawat", NIP_B, "2019-03-01", None)],
    "holidays": [("2026-01-01", "Tahun Baru Masehi", "national")],
    "work_schedules": [("2026-02-18", "2026-03-19", "1", "08:00:00", "15:00:00")],
    "attendance": [(NIP_A, "2026-01-05", "07:45:00", "16:05:00", "HD"), (NIP_B, "2026-01-05", None, None, "CT")],
    "indicators": [("PKM-01", "PKM-SMG-01", "Pasien dilayani", "pasien", "higher", "sum")],
    "targets": [(NIP_A, "PKM-01", "2026", "1", "12.5", "100.0")],
    "activities": [("A1", NIP_A, "2026-01-05", "PKM-01", "3.5", "45", "approved", "<b>Rapat</b>'; drop table x; --")],
    "feedback": [("F1", NIP_A, NIP_B, "peer", "2026", "1", "akuntabel", "4", "Sangat baik 👍", "2026-03-30 10:15:00")],
    "survey_responses": [("R1", "PKM-SMG-01", "Rawat jalan", "2026-01-05", "4", "3", "4", "3", "4", "3", "4", "3", "4")],
}


def _text(value) -> str | None:
    """A value read back from MariaDB in the contract's text form."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):  # PyMySQL reads TIME as timedelta
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (float, decimal.Decimal)):
        return repr(float(value))
    return str(value)


def _select(engine, table: str) -> list[tuple]:
    """The contract columns of `table` (a table or a view), as text, in a stable order."""
    columns = [c for c, _, _ in CONTRACT[table]]
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"select {', '.join(columns)} from {table}")).fetchall()
    return sorted((tuple(_text(v) for v in row) for row in rows), key=lambda r: tuple(str(v) for v in r))


def test_source_schema_is_created_on_mariadb_and_is_idempotent(mariadb_url):
    engine = db.get_engine(mariadb_url.replace("mysql+pymysql://", "mysql://"))  # normalised back
    assert db.dialect_of(engine) == "mysql"
    db.create_schema(engine, "source")
    db.create_schema(engine, "source")
    inspector = sa.inspect(engine)
    for table, columns in CONTRACT.items():
        assert [c["name"] for c in inspector.get_columns(table)] == [c for c, _, _ in columns]
    assert {i["name"] for i in inspector.get_indexes("attendance")} == {"attendance_work_date_nip"}


def test_bulk_insert_loads_every_source_table_and_reads_back_as_written(mariadb_url):
    engine = db.get_engine(mariadb_url)
    db.create_schema(engine, "source")
    with engine.begin() as conn:
        for table, rows in SOURCE.items():
            assert db.bulk_insert(conn, table, [c for c, _, _ in CONTRACT[table]], rows) == len(rows)
    for table, rows in SOURCE.items():
        expected = sorted((tuple(None if v is None else (repr(float(v)) if kind == "real" else v)
                                 for v, (_, kind, _) in zip(row, CONTRACT[table])) for row in rows),
                          key=lambda r: tuple(str(v) for v in r))
        assert _select(engine, table) == expected, table


def _extracted(engine, table: str, period: Period) -> list[tuple]:
    """`extract_table` rows (every value text), real columns as floats so '100' and '100.0' agree."""
    frame = extract_table(engine, table, period, period.end)
    kinds = [kind for _, kind, _ in CONTRACT[table]]
    assert list(frame.columns) == [c for c, _, _ in CONTRACT[table]]
    rows = []
    for row in frame.itertuples(index=False, name=None):
        assert all(v is None or isinstance(v, str) for v in row), (table, row)
        rows.append(tuple(float(v) if kind == "real" and v is not None else v for v, kind in zip(row, kinds)))
    return sorted(rows, key=lambda r: tuple(str(v) for v in r))


def test_extract_table_reads_every_table_from_mariadb(mariadb_url):
    """The flows' extraction (sql/extract/*.mysql.sql) gives MariaDB rows as text, as written."""
    engine = db.get_engine(mariadb_url)
    db.create_schema(engine, "source")
    with engine.begin() as conn:
        for table, rows in SOURCE.items():
            db.bulk_insert(conn, table, [c for c, _, _ in CONTRACT[table]], rows)
    period = Period.quarter(2026, 1)
    for table, rows in SOURCE.items():
        expected = sorted((tuple(float(v) if kind == "real" and v is not None else v
                                 for v, (_, kind, _) in zip(row, CONTRACT[table])) for row in rows),
                          key=lambda r: tuple(str(v) for v in r))
        assert _extracted(engine, table, period) == expected, table


def test_extract_window_on_mariadb(mariadb_url):
    engine = db.get_engine(mariadb_url)
    db.create_schema(engine, "source")
    with engine.begin() as conn:
        db.bulk_insert(conn, "attendance", ["nip", "work_date", "status"],
                       [(NIP_A, "2025-12-31", "HD"), (NIP_A, "2026-01-05", "HD"), (NIP_A, "2026-04-01", "HD"),
                        (NIP_A, None, "HD")])
        db.bulk_insert(conn, "targets", ["nip", "indicator_id", "year", "quarter", "target", "weight"],
                       [(NIP_A, "I", "2025", "4", "1", "1"), (NIP_A, "I", "2026", "1", "1", "1"),
                        (NIP_A, "I", "1850", "1", "1", "1")])
    q1 = Period.quarter(2026, 1)
    assert [r[1] for r in _extracted(engine, "attendance", q1)] == ["2026-01-05", None]
    assert sorted(r[2] for r in _extracted(engine, "targets", q1)) == ["1850", "2026"]


def test_bulk_insert_is_one_transaction(mariadb_url):
    engine = db.get_engine(mariadb_url)
    db.create_schema(engine, "source")
    with pytest.raises(pymysql.err.MySQLError):  # strict mode refuses the impossible date
        with engine.begin() as conn:
            db.bulk_insert(conn, "units", ["unit_code", "name"], [("A", "Alpha")])
            db.bulk_insert(conn, "holidays", ["holiday_date", "name", "kind"], [("2026-02-30", "no such day", "x")])
    assert _select(engine, "units") == []


def test_import_fingerprint_export_into_mariadb(mariadb_url):
    engine = db.get_engine(mariadb_url)
    report = import_file(engine, "attendance", DATA / "fingerprint" / "absensi_2026-01.csv",
                         mapping="fingerprint_attendance")
    assert (report.loaded, len(report.rejected), report.written) == (7, 5, 9)
    rows = _select(engine, "attendance")
    assert len(rows) == 9
    assert (NIP_A, "2026-01-07", "07:41:00", None, "DL") in rows
    report = import_file(engine, "targets", DATA / "bkn" / "skp_2026.csv", mapping="bkn_skp_targets")
    assert report.written == 5
    assert (NIP_A, "DISHUB-01", "2026", "1", "12.5", "40.0") in _select(engine, "targets")


def test_import_keeps_names_intact_in_utf8mb4(mariadb_url, tmp_path):
    path = tmp_path / "employees.csv"
    path.write_bytes("nip;name;employment_type;active_from\n".encode()
                     + f"{NIP_A};Dédé Sjarifuddin – Kepala;PNS;01/03/2019\n".encode("cp1252"))
    engine = db.get_engine(mariadb_url)
    assert import_file(engine, "employees", path).written == 1
    assert _select(engine, "employees") == [(NIP_A, "Dédé Sjarifuddin – Kepala", "PNS", None, "2019-03-01", None)]


# ------------------------------------------------------------------ an e-Kinerja schema behind views
# The example of docs/sources.md: the legacy tables stay where they are; a separate database holds
# views with the contract's names and columns, and Kinerja's source URL points at that database.

LEGACY = """
create table tb_pegawai (
    id_pegawai int primary key auto_increment,
    nip_baru varchar(18) not null,
    nama_lengkap varchar(150) not null,
    status_kepegawaian enum('PNS','P3K','HONORER') not null,
    golongan varchar(10),
    tmt_masuk date,
    tgl_keluar date
) character set latin1;
create table tb_absensi (
    id bigint primary key auto_increment,
    id_pegawai int not null,
    tanggal date not null,
    jam_datang time,
    jam_pulang time,
    kode_absen char(2) not null
);
create table tb_skp (
    id int primary key auto_increment,
    id_pegawai int not null,
    tahun smallint not null,
    triwulan tinyint not null,
    kd_indikator varchar(20) not null,
    target_kuantitas decimal(12,2) not null,
    bobot decimal(5,2) not null
);
insert into tb_pegawai (nip_baru, nama_lengkap, status_kepegawaian, golongan, tmt_masuk, tgl_keluar) values
    ('199105122019031001', 'Dédé Kurniawan', 'PNS', 'III/a', '2019-03-01', null),
    ('198703042010012002', 'Sjarifuddin', 'P3K', 'IX', '2021-01-01', null),
    ('199001012015011001', 'Tenaga Honorer', 'HONORER', null, '2015-01-01', null);
insert into tb_absensi (id_pegawai, tanggal, jam_datang, jam_pulang, kode_absen) values
    (1, '2026-01-05', '07:45', '16:05', 'H'), (1, '2026-01-06', null, null, 'S'),
    (2, '2026-01-05', null, null, 'A'), (2, '2026-01-06', '07:30', '16:00', 'DL'),
    (3, '2026-01-05', '08:00', '16:00', 'H');
insert into tb_skp (id_pegawai, tahun, triwulan, kd_indikator, target_kuantitas, bobot) values
    (1, 2026, 1, 'IKU-01', 12.50, 60.00), (1, 2026, 1, 'IKU-02', 4.00, 40.00);
"""


def _views(legacy: str) -> str:
    return f"""
create or replace view employees as
select p.nip_baru as nip, p.nama_lengkap as name,
       case p.status_kepegawaian when 'P3K' then 'PPPK' else p.status_kepegawaian end as employment_type,
       p.golongan as grade, p.tmt_masuk as active_from, p.tgl_keluar as active_to
from {legacy}.tb_pegawai p
where p.status_kepegawaian in ('PNS', 'P3K');
create or replace view attendance as
select p.nip_baru as nip, a.tanggal as work_date, a.jam_datang as check_in, a.jam_pulang as check_out,
       case a.kode_absen when 'H' then 'HD' when 'A' then 'TK' when 'S' then 'CS' when 'C' then 'CT'
                         else a.kode_absen end as status
from {legacy}.tb_absensi a
join {legacy}.tb_pegawai p on p.id_pegawai = a.id_pegawai
where p.status_kepegawaian in ('PNS', 'P3K');
create or replace view targets as
select p.nip_baru as nip, s.kd_indikator as indicator_id, s.tahun as year, s.triwulan as quarter,
       cast(s.target_kuantitas as double) as target, cast(s.bobot as double) as weight
from {legacy}.tb_skp s
join {legacy}.tb_pegawai p on p.id_pegawai = s.id_pegawai;
"""


def test_ekinerja_schema_mapped_onto_the_contract_with_views(mariadb_server):
    legacy_url = mariadb_server.create_database("ekinerja_legacy")
    source_url = mariadb_server.create_database("kinerja_views")
    legacy = db.get_engine(legacy_url)
    with legacy.begin() as conn:
        for stmt in db.statements(LEGACY):
            conn.exec_driver_sql(stmt)
    source = db.get_engine(source_url)
    with source.begin() as conn:
        for stmt in db.statements(_views("ekinerja_legacy")):
            conn.exec_driver_sql(stmt)
    q1 = Period.quarter(2026, 1)
    for table in ("employees", "attendance", "targets"):  # the flows' code path reads the views too
        assert _extracted(source, table, q1) == [tuple(float(v) if kind == "real" else v for v, (_, kind, _)
                                                       in zip(row, CONTRACT[table])) for row in _select(source, table)]
    assert _select(source, "employees") == [
        (NIP_B, "Sjarifuddin", "PPPK", "IX", "2021-01-01", None),
        (NIP_A, "Dédé Kurniawan", "PNS", "III/a", "2019-03-01", None),
    ]
    assert _select(source, "attendance") == [
        (NIP_B, "2026-01-05", None, None, "TK"),
        (NIP_B, "2026-01-06", "07:30:00", "16:00:00", "DL"),
        (NIP_A, "2026-01-05", "07:45:00", "16:05:00", "HD"),
        (NIP_A, "2026-01-06", None, None, "CS"),
    ]
    assert _select(source, "targets") == [
        (NIP_A, "IKU-01", "2026", "1", "12.5", "60.0"),
        (NIP_A, "IKU-02", "2026", "1", "4.0", "40.0"),
    ]
    # The views are read-only for Kinerja: create_schema leaves them alone and creates the rest.
    db.create_schema(source, "source")
    assert len(_select(source, "attendance")) == 4
    assert _select(source, "units") == []


def test_rows_the_database_refuses_fail_the_import_and_write_nothing(mariadb_url, tmp_path):
    from kinerja.importer import ImportFailed

    path = tmp_path / "units.csv"
    path.write_text(f"unit_code,name\nDISHUB,Dinas Perhubungan\n{'X' * 300},Too long a key\n", encoding="utf-8")
    engine = db.get_engine(mariadb_url)
    with pytest.raises(ImportFailed, match="refused the rows of units, nothing was written") as caught:
        import_file(engine, "units", path)
    assert "\n" not in str(caught.value)
    assert _select(engine, "units") == []
