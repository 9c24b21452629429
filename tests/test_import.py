"""`kinerja import`: CSV/XLSX exports, column mappings, encodings and spreadsheet damage (issue 10).

The sample files under tests/data/ carry one bad row per kind of damage; the tests pin the exact
number of rows loaded and rejected per reason, and that loaded + rejected = rows in the file.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.importer import CONTRACT, ImportFailed, import_file, parse_date, parse_nip, parse_time, RowError

DATA = Path(__file__).parent / "data"
FINGERPRINT = DATA / "fingerprint" / "absensi_2026-01.csv"
SKP = DATA / "bkn" / "skp_2026.csv"

NIP_A, NIP_B, NIP_C, NIP_D = ("199105122019031001", "198703042010012002", "199201152020122003",
                              "198812302014031004")


def _sqlite(tmp_path: Path):
    return db.get_engine(f"sqlite:///{tmp_path / 'source.db'}")


def _rows(engine, table: str, columns: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(None if v is None else str(v) for v in row)
                for row in conn.exec_driver_sql(f"select {columns} from {table} order by {columns}")]


# ---------------------------------------------------------------- the fingerprint machine export

def test_fingerprint_export_counts_every_row_loaded_or_rejected_by_reason():
    report = import_file(None, "attendance", FINGERPRINT, mapping="fingerprint_attendance", dry_run=True)
    assert report.encoding == "windows-1252"
    assert report.rows_in_file == 12 and report.blank_rows == 1
    assert report.loaded == 7
    assert report.counts == {"bad_time": 1, "unknown_pin": 1, "bad_date": 1, "nip_spreadsheet": 1,
                             "encoding": 1}
    assert report.loaded + len(report.rejected) == report.rows_in_file
    by_row = {r.row: r for r in report.rejected}
    assert by_row[7].reason == "bad_time" and "25:61" in by_row[7].detail
    assert by_row[8].reason == "unknown_pin" and "999" in by_row[8].detail
    assert by_row[9].reason == "bad_date" and "31/02/2026" in by_row[9].detail
    assert by_row[10].reason == "nip_spreadsheet" and "1.99105E+17" in by_row[10].detail
    assert by_row[11].reason == "encoding" and "81" in by_row[11].detail
    (leave,) = report.merges
    assert (leave.rows, leave.applied, leave.added) == (8, 2, 2)
    assert leave.counts == {"unknown_value": 1, "unknown_pin": 1, "bad_date": 1, "duplicate": 1}
    assert report.total_rows == 9 and report.written == 0


def test_fingerprint_punch_day_is_hd_and_the_leave_list_sets_leave_days(tmp_path):
    engine = _sqlite(tmp_path)
    report = import_file(engine, "attendance", FINGERPRINT, mapping="fingerprint_attendance")
    assert report.written == 9
    rows = _rows(engine, "attendance", "nip, work_date, check_in, check_out, status")
    assert rows == sorted([
        (NIP_A, "2026-01-05", "07:45:00", "16:05:00", "HD"),
        (NIP_B, "2026-01-05", "07:30:00", "16:00:00", "HD"),
        (NIP_C, "2026-01-05", "07:45:00", "16:10:00", "HD"),
        (NIP_D, "2026-01-05", None, None, "CT"),          # listed without punches (TK), on leave
        (NIP_A, "2026-01-06", "07:52:00", "16:01:00", "HD"),
        (NIP_A, "2026-01-07", "07:41:00", None, "DL"),    # punched in, dinas luar per the leave list
        (NIP_B, "2026-01-08", "07:58:00", "16:03:00", "HD"),
        (NIP_C, "2026-01-06", None, None, "CS"),          # only in the leave list
        (NIP_B, "2026-01-07", None, None, "CT"),          # "Cuti Tahunan"
    ])


def test_fingerprint_day_without_punches_and_without_leave_is_tk(tmp_path):
    shutil.copy(DATA / "fingerprint" / "pin_nip.csv", tmp_path / "pin_nip.csv")
    export = tmp_path / "export.csv"
    export.write_text("PIN;Nama;Tanggal;Jam Masuk;Jam Pulang\n104;Yusuf;05/01/2026;;\n101;Dédé;05/01/2026;07.45;\n",
                      encoding="utf-8")
    report = import_file(None, "attendance", export, mapping="fingerprint_attendance", dry_run=True)
    assert [row[-1] for row in report.preview] == ["TK", "HD"]
    assert report.merges[0].note and "cuti.csv not found" in report.merges[0].note
    assert report.encoding == "utf-8"


def test_leave_list_may_name_employees_by_nip(tmp_path):
    for name in ("absensi_2026-01.csv", "pin_nip.csv"):
        shutil.copy(DATA / "fingerprint" / name, tmp_path / name)
    (tmp_path / "cuti.csv").write_text(f"nip;tanggal;jenis\n{NIP_A};06/01/2026;Sakit\n{NIP_D};09/01/2026;CT\n",
                                       encoding="utf-8")
    report = import_file(None, "attendance", tmp_path / "absensi_2026-01.csv",
                         mapping="fingerprint_attendance", dry_run=True)
    leave = report.merges[0]
    assert (leave.rows, leave.applied, leave.added, leave.rejected) == (2, 1, 1, [])
    assert (NIP_A, "2026-01-06", "07:52:00", "16:01:00", "CS") in report.preview


def test_a_users_own_mapping_file_finds_its_lookup_next_to_it(tmp_path):
    shipped = Path(db.PROJECT_ROOT / "kinerja" / "mappings" / "fingerprint_attendance.yaml")
    mapping_dir = tmp_path / "mappings"
    mapping_dir.mkdir()
    shutil.copy(shipped, mapping_dir / "mesin.yaml")
    shutil.copy(DATA / "fingerprint" / "pin_nip.csv", mapping_dir / "pin_nip.csv")
    export = tmp_path / "export.csv"
    export.write_text("PIN;Nama;Tanggal;Jam Masuk;Jam Pulang\n101;Dédé;05/01/2026;07.45;16.00\n", encoding="utf-8")
    report = import_file(None, "attendance", export, mapping=mapping_dir / "mesin.yaml", dry_run=True)
    assert report.loaded == 1 and report.mapping == "mesin.yaml"


# ---------------------------------------------------------------- the BKN SKP export

def test_bkn_targets_export_counts_and_indonesian_decimals(tmp_path):
    engine = _sqlite(tmp_path)
    report = import_file(engine, "targets", SKP, mapping="bkn_skp_targets")
    assert report.encoding == "utf-8 with BOM"
    assert (report.rows_in_file, report.loaded) == (12, 5)
    assert report.counts == {"nip_spreadsheet": 2, "nip_invalid": 1, "bad_number": 3, "missing_value": 1}
    assert report.written == 5
    rows = _rows(engine, "targets", "nip, indicator_id, year, quarter, target, weight")
    assert [(r[0], r[1], r[2], r[3], float(r[4]), float(r[5])) for r in rows] == sorted([
        (NIP_A, "DISHUB-01", "2026", "1", 12.5, 40.0),
        (NIP_A, "DISHUB-02", "2026", "1", 1250.0, 60.0),      # `1.250` thousands dot
        (NIP_B, "DISHUB-01", "2026", "1", 7.25, 50.0),        # Triwulan `I`
        (NIP_B, "DISHUB-03", "2026", "2", 100.0, 50.0),       # `'` text prefix, `TW II`
        (NIP_C, "DISHUB-02", "2026", "4", 3.0, 100.0),        # NIP printed with spaces
    ])


# ---------------------------------------------------------------- plain contract layout

VALID = {"units": "DISHUB,Dinas Perhubungan,,dinas",
         "employees": f"{NIP_A},Dédé Kurniawan,PNS,III/a,2019-03-01,",
         "assignments": f"{NIP_A},DISHUB,Analis,{NIP_B},2019-03-01,",
         "holidays": "2026-01-01,Tahun Baru,national",
         "work_schedules": "2026-02-18,2026-03-19,1,08:00,15:00",
         "attendance": f"{NIP_A},05/01/2026,07.45,16:00:00,HD",
         "indicators": "DISHUB-01,DISHUB,Izin trayek,dokumen,higher,sum",
         "targets": f"{NIP_A},DISHUB-01,2026,1,12.5,40",
         "activities": f"A1,{NIP_A},2026-01-05,DISHUB-01,3,45,approved,\"Rapat, <b>koordinasi</b>\"",
         "feedback": f"F1,{NIP_A},{NIP_B},peer,2026,1,akuntabel,4,\"Baik; 'sekali'\",2026-03-30 10:15:00",
         "survey_responses": "R1,DISHUB,Izin trayek,2026-01-05,4,3,4,3,4,3,4,3,4"}


@pytest.mark.parametrize("table", list(CONTRACT))
def test_contract_layout_csv_loads_into_any_table(tmp_path, table):
    path = tmp_path / f"{table}.csv"
    path.write_text(",".join(c for c, _, _ in CONTRACT[table]) + "\n" + VALID[table] + "\n", encoding="utf-8")
    engine = _sqlite(tmp_path)
    report = import_file(engine, table, path)
    assert (report.loaded, report.rejected, report.written) == (1, [], 1)
    assert report.mapping is None
    assert len(_rows(engine, table, CONTRACT[table][0][0])) == 1


def test_contract_layout_into_both_databases(db_url, tmp_path):
    path = tmp_path / "employees.csv"
    path.write_text("nip;name;employment_type;grade;active_from;active_to\n"
                    f"{NIP_A};Dédé <script>;PNS;III/a;01/03/2019;\n"
                    f"{NIP_B};O'Brien; DROP TABLE x;PPPK;IX;2021-01-01;31/12/2025\n"
                    "1.98703E+17;Sjarifuddin;PNS;II/c;2010-01-01;\n", encoding="utf-8")
    engine = db.get_engine(db_url)
    report = import_file(engine, "employees", path)
    assert (report.loaded, report.counts) == (1, {"extra_fields": 1, "nip_spreadsheet": 1})
    assert _rows(engine, "employees", "nip, name, active_from") == [(NIP_A, "Dédé <script>", "2019-03-01")]


def test_quoted_fields_keep_their_delimiters_and_line_numbers(tmp_path):
    path = tmp_path / "activities.csv"
    path.write_text("activity_id,nip,activity_date,indicator_id,quantity,minutes,status,description\n"
                    f'A1,{NIP_A},2026-01-05,I1,3,45,approved,"two\nlines, one field"\n'
                    f"A2,{NIP_A},2026-01-05,I1,three,45,approved,\n", encoding="utf-8")
    report = import_file(None, "activities", path, dry_run=True)
    assert report.loaded == 1
    assert [(r.row, r.reason) for r in report.rejected] == [(4, "bad_number")]
    assert report.preview[0][-1] == "two\nlines, one field"


def test_dry_run_writes_nothing(tmp_path):
    engine = _sqlite(tmp_path)
    report = import_file(engine, "targets", SKP, mapping="bkn_skp_targets", dry_run=True)
    assert report.loaded == 5 and report.written == 0
    assert not sa.inspect(engine).has_table("targets")
    text = report.format()
    assert text.startswith("Dry run: nothing written.")
    assert "rows that would be written to targets: 5" in text
    assert "nip_spreadsheet 2" in text and "row 7: nip_spreadsheet" in text


def test_a_file_with_only_bad_rows_writes_nothing_and_says_so(tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("holiday_date,name,kind\n2026-02-30,Bad,national\n", encoding="utf-8")
    report = import_file(_sqlite(tmp_path), "holidays", path)
    assert (report.loaded, report.written, report.counts) == (0, 0, {"bad_date": 1})
    assert "rows written to holidays: 0" in report.format()


# ---------------------------------------------------------------- encodings

def test_utf8_file_with_a_stray_byte_keeps_utf8_and_rejects_only_that_row(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("unit_code;name\nDISHUB;Dinas Perhubungan – Kota\nPKM-01;Puskesmas Dédé\n".encode()
                     + b"PKM-02;Puskesmas \xff\xfe Bad\nPKM-03;Puskesmas S\xc3\xa9maran\n")
    report = import_file(None, "units", path, dry_run=True)
    assert report.encoding == "utf-8"
    assert report.loaded == 3 and [(r.row, r.reason) for r in report.rejected] == [(4, "encoding")]
    assert ("PKM-01", "Puskesmas Dédé", None, None) in report.preview


def test_windows_1252_names_are_read_correctly(tmp_path):
    path = tmp_path / "employees.csv"
    path.write_bytes("nip;name;employment_type;active_from\n".encode()
                     + f"{NIP_A};Dédé Sjarifuddin – Kepala;PNS;2019-03-01\n".encode("cp1252"))
    report = import_file(None, "employees", path, dry_run=True)
    assert report.encoding == "windows-1252"
    assert report.preview[0][1] == "Dédé Sjarifuddin – Kepala"


def test_nul_bytes_reject_the_row(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(b"unit_code,name\nA,Alpha\nB,Be\x00ta\n")
    report = import_file(None, "units", path, dry_run=True)
    assert report.loaded == 1 and report.counts == {"encoding": 1}


# ---------------------------------------------------------------- XLSX

def test_xlsx_with_typed_cells_and_a_numeric_nip(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["nip", "work_date", "check_in", "check_out", "status"])
    sheet.append([NIP_A, dt.datetime(2026, 1, 5), dt.time(7, 45), "16.05", "HD"])
    sheet.append([NIP_B, "06/01/2026", 0.3125, dt.time(16, 0), "HD"])          # 07:30 as a day fraction
    sheet.append([199105122019031001, dt.date(2026, 1, 5), dt.time(7, 45), None, "HD"])  # NIP as a number
    sheet.append([NIP_C, 46027, "07:45", None, "HD"])                            # date as a bare number
    sheet.append([None, None, None, None, None])                                 # formatting only
    sheet.append([NIP_C, dt.date(2026, 1, 7), "25:61", None, "HD"])
    path = tmp_path / "absen.xlsx"
    book.save(path)
    engine = _sqlite(tmp_path)
    report = import_file(engine, "attendance", path)
    assert report.encoding is None and report.rows_in_file == 5 and report.blank_rows == 1
    assert report.loaded == 2
    assert report.counts == {"nip_spreadsheet": 1, "bad_date": 1, "bad_time": 1}
    assert [r.row for r in report.rejected] == [4, 5, 7]
    assert _rows(engine, "attendance", "nip, work_date, check_in, check_out, status") == [
        (NIP_B, "2026-01-06", "07:30:00", "16:00:00", "HD"),
        (NIP_A, "2026-01-05", "07:45:00", "16:05:00", "HD"),
    ]


def test_xls_and_broken_xlsx_are_file_level_errors(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFailed, match="XLS"):
        import_file(None, "units", tmp_path / "old.xls", dry_run=True)
    with pytest.raises(ImportFailed, match="not a readable XLSX"):
        import_file(None, "units", tmp_path / "broken.xlsx", dry_run=True)


# ---------------------------------------------------------------- values

@pytest.mark.parametrize("text, expected", [("07.45", "07:45:00"), ("07:45", "07:45:00"), ("7:45:00", "07:45:00"),
                                            ("7.45", "07:45:00"), ("23:59:59", "23:59:59"), ("", None)])
def test_time_formats(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:61", "24:00", "7", "07:5", "jam 7", "12:60"])
def test_impossible_times_are_rejected(text):
    with pytest.raises(RowError) as caught:
        parse_time(text)
    assert caught.value.reason == "bad_time"


@pytest.mark.parametrize("text, expected", [("05/01/2026", "2026-01-05"), ("2026-01-05", "2026-01-05"),
                                            ("5/1/2026", "2026-01-05"), ("05-01-2026", "2026-01-05"),
                                            ("2026-01-05 00:00:00", "2026-01-05")])
def test_dates_are_day_first_or_iso(text, expected):
    from kinerja.importer import DEFAULT_DATE_FORMATS

    assert parse_date(text, DEFAULT_DATE_FORMATS) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "05/01/26", "2026/13/01", "1899-12-31", "kemarin"])
def test_bad_dates_are_rejected(text):
    from kinerja.importer import DEFAULT_DATE_FORMATS

    with pytest.raises(RowError) as caught:
        parse_date(text, DEFAULT_DATE_FORMATS)
    assert caught.value.reason == "bad_date"


@pytest.mark.parametrize("text, reason", [("1.99105E+17", "nip_spreadsheet"), ("1,99105E+17", "nip_spreadsheet"),
                                          ("199105122019031000", "nip_spreadsheet"),
                                          ("199105122019031001.0", "nip_spreadsheet"),
                                          ("19910512201903100", "nip_invalid"), ("NIP-1", "nip_invalid"),
                                          ("１９９１０５１２２０１９０３１００１", "nip_invalid")])
def test_damaged_nips_are_rejected(text, reason):
    with pytest.raises(RowError) as caught:
        parse_nip(text)
    assert caught.value.reason == reason


def test_nip_printed_with_spaces_or_a_text_prefix_is_accepted():
    assert parse_nip("19910512 201903 1 001") == NIP_A
    assert parse_nip("'199105122019031001") == NIP_A


# ---------------------------------------------------------------- file-level errors

def test_file_level_problems_raise_import_failed_with_one_line(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("unit_code,name,colour\nA,Alpha,red\n", encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("columns: [unclosed\n", encoding="utf-8")
    cases = [
        (dict(table="units", path=tmp_path / "missing.csv"), "file not found"),
        (dict(table="pegawai", path=units), "unknown table 'pegawai'"),
        (dict(table="units", path=units), "unknown columns colour"),
        (dict(table="units", path=units, mapping=bad_yaml), "not valid YAML"),
        (dict(table="units", path=units, mapping=tmp_path / "nope.yaml"), "mapping .* not found"),
        (dict(table="units", path=units, mapping="bkn_skp_targets"), "is for table targets"),
        (dict(table="units", path=units, mapping={"columns": {"unit_code": "kode", "name": "name"}}),
         "no column 'kode'"),
        (dict(table="units", path=units, mapping={"columns": {"unit_code": "unit_code"}}),
         "required column name"),
        (dict(table="units", path=units, mapping={"columns": {"unit_code": "unit_code", "name": "name",
                                                              "warna": "colour"}}), "warna"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ImportFailed, match=message) as caught:
            import_file(None, dry_run=True, **kwargs)
        assert "\n" not in str(caught.value)
    units.write_text("unit_code\nA\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="missing columns name"):
        import_file(None, "units", units, dry_run=True)


def test_a_mapping_with_constants_and_value_maps(tmp_path):
    path = tmp_path / "libur.csv"
    path.write_text("Tanggal|Keterangan|Jenis\n01-01-2026|Tahun Baru|Nasional\n16/02/2026|Cuti Imlek|Cuti Bersama\n"
                    "17/02/2026|Imlek|Lainnya\n", encoding="utf-8")
    mapping = {"table": "holidays",
               "columns": {"holiday_date": "Tanggal", "name": "Keterangan",
                           "kind": {"from": "Jenis", "strict": True,
                                    "map": {"Nasional": "national", "Cuti Bersama": "cuti_bersama"}}}}
    report = import_file(None, "holidays", path, mapping=mapping, dry_run=True)
    assert report.preview == [("2026-01-01", "Tahun Baru", "national"), ("2026-02-16", "Cuti Imlek", "cuti_bersama")]
    assert report.counts == {"unknown_value": 1}
    constants = {"columns": {"holiday_date": "Tanggal", "name": "Keterangan"}, "constants": {"kind": "national"}}
    report = import_file(None, "holidays", path, mapping=constants, dry_run=True)
    assert {row[2] for row in report.preview} == {"national"} and report.loaded == 3
