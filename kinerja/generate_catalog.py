"""Static vocabulary of the synthetic demo city: units, positions, indicators, services, comments.

Everything here is data, not logic, so a reader can check the city's realism in one place.
The city itself is fictitious ("Kota Harapan Jaya"); every name below is invented.
"""
from __future__ import annotations

CITY_NAME = "Kota Harapan Jaya"

# (code, name, kind, head title, weight of head count)
CORE_UNITS: tuple[tuple[str, str, str, str, float], ...] = (
    ("SETDA", "Sekretariat Daerah", "sekretariat", "Sekretaris Daerah", 6.0),
    ("SETWAN", "Sekretariat DPRD", "sekretariat", "Sekretaris DPRD", 2.5),
    ("INSPEKTORAT", "Inspektorat", "inspektorat", "Inspektur", 2.0),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "badan", "Kepala BKPSDM", 2.0),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "badan", "Kepala Bappeda", 2.0),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "badan", "Kepala BPKAD", 3.0),
    ("DINKES", "Dinas Kesehatan", "dinas", "Kepala Dinas Kesehatan", 3.0),
    ("RSUD", "Rumah Sakit Umum Daerah", "rsud", "Direktur RSUD", 14.0),
    ("DISDIK", "Dinas Pendidikan", "dinas", "Kepala Dinas Pendidikan", 12.0),
    ("DISHUB", "Dinas Perhubungan", "dinas", "Kepala Dinas Perhubungan", 4.0),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "dinas", "Kepala Disdukcapil", 3.0),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "dinas", "Kepala DPMPTSP", 2.0),
    ("DINSOS", "Dinas Sosial", "dinas", "Kepala Dinas Sosial", 2.0),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "satpol_pp", "Kepala Satpol PP", 4.0),
)

# Further OPDs, added in this order as the city grows.
EXTRA_UNITS: tuple[tuple[str, str, str], ...] = (
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "dinas"),
    ("DLH", "Dinas Lingkungan Hidup", "dinas"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "dinas"),
    ("BAPENDA", "Badan Pendapatan Daerah", "badan"),
    ("DISNAKER", "Dinas Tenaga Kerja", "dinas"),
    ("DISPERKIM", "Dinas Perumahan dan Kawasan Permukiman", "dinas"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "badan"),
    ("DP3AP2KB", "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan KB",
     "dinas"),
    ("DISPORAPAR", "Dinas Kepemudaan, Olahraga dan Pariwisata", "dinas"),
    ("DKPP", "Dinas Ketahanan Pangan dan Pertanian", "dinas"),
    ("DISKOPUMKM", "Dinas Koperasi dan Usaha Mikro", "dinas"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "dinas"),
    ("DISPUSIP", "Dinas Perpustakaan dan Kearsipan", "dinas"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "badan"),
    ("DISBUD", "Dinas Kebudayaan", "dinas"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan", "dinas"),
    ("DISPERKAN", "Dinas Perikanan", "dinas"),
    ("BRIDA", "Badan Riset dan Inovasi Daerah", "badan"),
    ("DINPMD", "Dinas Pemberdayaan Masyarakat", "dinas"),
    ("DISPERTANAH", "Dinas Pertanahan", "dinas"),
)

# (abbreviation, name) of kecamatan; more are made up from WORDS when a big city needs them.
KECAMATAN: tuple[tuple[str, str], ...] = (
    ("SKJ", "Sukajadi"), ("MKS", "Mekarsari"), ("TJH", "Tanjung Harapan"), ("SGJ", "Sungai Jernih"),
    ("BKI", "Bukit Indah"), ("KRA", "Karang Anyar"), ("PSP", "Pasir Putih"), ("CPB", "Cempaka Baru"),
    ("KBJ", "Kebon Jati"), ("RWB", "Rawa Bening"), ("TLS", "Talang Sari"), ("PDL", "Padang Luhur"),
    ("BTA", "Batu Ampar"), ("AMC", "Air Mancur"), ("LBH", "Lembah Hijau"), ("TLD", "Teluk Damai"),
)
WORDS_A = ("Suka", "Mekar", "Tanjung", "Sungai", "Bukit", "Karang", "Pasir", "Cempaka", "Kebon",
           "Rawa", "Talang", "Padang", "Batu", "Air", "Lembah", "Teluk", "Jati", "Sido", "Tegal",
           "Kampung")
WORDS_B = ("Maju", "Makmur", "Rahayu", "Asri", "Jaya", "Indah", "Sari", "Baru", "Damai", "Mulya",
           "Permai", "Harapan", "Raya", "Lestari", "Sejahtera", "Wangi")

# Head-count weights of the generated unit kinds (core units carry their own).
WEIGHT_EXTRA, WEIGHT_KECAMATAN, WEIGHT_KELURAHAN, WEIGHT_PUSKESMAS = 2.5, 1.5, 0.6, 2.5

# Unit kinds and codes whose employees meet the public (public raters, IKM survey).
SERVICE_KINDS = frozenset({"puskesmas", "rsud", "kecamatan", "kelurahan"})
SERVICE_CODES = frozenset({"DPMPTSP", "DISDUKCAPIL", "DISHUB"})
SURVEY_KINDS = frozenset({"puskesmas", "rsud", "kecamatan"})

MIDDLE_TITLES: dict[str, tuple[str, ...]] = {
    "sekretariat": ("Asisten Pemerintahan", "Asisten Perekonomian", "Kepala Bagian Umum",
                    "Kepala Bagian Hukum", "Kepala Bagian Organisasi", "Kepala Bagian Protokol"),
    "rsud": ("Kepala Bidang Pelayanan Medik", "Kepala Bidang Keperawatan", "Kepala Bagian Umum",
             "Kepala Bidang Penunjang", "Kepala Bagian Keuangan", "Kepala Instalasi Gawat Darurat"),
    "kecamatan": ("Sekretaris Kecamatan", "Kepala Seksi Pemerintahan", "Kepala Seksi Pelayanan Umum"),
    "default": ("Sekretaris", "Kepala Bidang Program", "Kepala Bidang Pelayanan",
                "Kepala Bidang Pengendalian", "Kepala Subbagian Umum", "Kepala Subbagian Keuangan",
                "Kepala Seksi Data dan Informasi", "Kepala Bidang Pengembangan"),
}

STAFF_TITLES: dict[str, tuple[str, ...]] = {
    "puskesmas": ("Dokter", "Perawat", "Perawat", "Bidan", "Bidan", "Apoteker", "Pranata Laboratorium Kesehatan",
                  "Sanitarian", "Nutrisionis", "Pengadministrasi Umum"),
    "rsud": ("Dokter Spesialis", "Dokter", "Perawat", "Perawat", "Perawat", "Bidan", "Apoteker",
             "Radiografer", "Perekam Medis", "Pengadministrasi Keuangan"),
    "DISDIK": ("Guru Ahli Pertama", "Guru Ahli Muda", "Guru Ahli Muda", "Pengawas Sekolah",
               "Penilik", "Analis Kebijakan", "Pengadministrasi Perkantoran"),
    "DISHUB": ("Penguji Kendaraan Bermotor", "Petugas Pengatur Lalu Lintas", "Petugas Pengatur Lalu Lintas",
               "Analis Transportasi", "Pengadministrasi Perkantoran"),
    "DISDUKCAPIL": ("Administrator Database Kependudukan", "Pengadministrasi Kependudukan",
                    "Pengadministrasi Kependudukan", "Pranata Komputer"),
    "DPMPTSP": ("Analis Perizinan", "Analis Perizinan", "Verifikator Perizinan", "Pengadministrasi Umum"),
    "satpol_pp": ("Polisi Pamong Praja", "Polisi Pamong Praja", "Polisi Pamong Praja", "Pengadministrasi Umum"),
    "kecamatan": ("Pengadministrasi Pemerintahan", "Analis Pelayanan", "Pengelola Data", "Pengadministrasi Umum"),
    "kelurahan": ("Sekretaris Kelurahan", "Pengadministrasi Umum", "Pengelola Pelayanan", "Kasi Pemerintahan"),
    "inspektorat": ("Auditor Ahli Pertama", "Auditor Ahli Muda", "Pengawas Penyelenggaraan Urusan Pemerintahan"),
    "default": ("Analis Kebijakan Ahli Muda", "Pranata Komputer", "Pengadministrasi Perkantoran",
                "Pengelola Keuangan", "Arsiparis", "Perencana Ahli Pertama", "Pengelola Barang Milik Daerah",
                "Analis Sumber Daya Manusia Aparatur"),
}

PNS_GRADES = ("I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c",
              "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e")
PPPK_GRADES = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
               "XV", "XVI", "XVII")

# Indicator templates: (name, uom, direction, aggregation, target low, target high, per entry,
# descriptions). Sum indicators: quarterly target per employee and the usual quantity of one log
# entry. Mean indicators: the target level; one measurement is logged about weekly.
Template = tuple[str, str, str, str, float, float, float, tuple[str, ...]]

SHARED_INDICATORS: tuple[Template, ...] = (
    ("Laporan kinerja disusun", "laporan", "higher", "sum", 3, 3, 1,
     ("Menyusun laporan kinerja bulanan", "Menyusun laporan capaian kinerja")),
    ("Naskah dinas diselesaikan", "dokumen", "higher", "sum", 45, 120, 3,
     ("Menyusun konsep surat dinas", "Memproses disposisi pimpinan", "Menyelesaikan nota dinas")),
    ("Rata-rata waktu penyelesaian disposisi", "hari", "lower", "mean", 2, 3, 1,
     ("Mencatat waktu penyelesaian disposisi",)),
    ("Jam pelajaran pengembangan kompetensi", "jam pelajaran", "higher", "sum", 6, 12, 2,
     ("Mengikuti pelatihan daring", "Mengikuti bimbingan teknis", "Mengikuti webinar ASN")),
)

UNIT_INDICATORS: dict[str, tuple[Template, ...]] = {
    "DPMPTSP": (
        ("Rata-rata waktu tunggu izin", "menit", "lower", "mean", 30, 60, 1,
         ("Mengukur waktu tunggu layanan perizinan",)),
        ("Izin diterbitkan", "dokumen", "higher", "sum", 120, 300, 6,
         ("Memverifikasi berkas izin usaha", "Menerbitkan izin melalui OSS")),
        ("Pengaduan perizinan ditindaklanjuti", "pengaduan", "higher", "sum", 20, 45, 2,
         ("Menindaklanjuti pengaduan pemohon",)),
    ),
    "puskesmas": (
        ("Pasien dilayani", "pasien", "higher", "sum", 450, 900, 15,
         ("Melayani pasien poli umum", "Melayani pasien KIA", "Pemeriksaan pasien rawat jalan")),
        ("Kunjungan posyandu", "kegiatan", "higher", "sum", 8, 16, 1,
         ("Mendampingi kegiatan posyandu",)),
        ("Rata-rata waktu tunggu pendaftaran", "menit", "lower", "mean", 15, 30, 1,
         ("Mengukur waktu tunggu pendaftaran",)),
    ),
    "rsud": (
        ("Pasien rawat jalan dilayani", "pasien", "higher", "sum", 500, 1000, 18,
         ("Melayani pasien rawat jalan", "Visite pasien")),
        ("Rata-rata waktu tunggu rawat jalan", "menit", "lower", "mean", 45, 90, 1,
         ("Mengukur waktu tunggu poliklinik",)),
        ("Tindakan keperawatan", "tindakan", "higher", "sum", 300, 600, 10,
         ("Melakukan tindakan keperawatan",)),
    ),
    "DISDUKCAPIL": (
        ("Dokumen kependudukan diterbitkan", "dokumen", "higher", "sum", 600, 1200, 20,
         ("Menerbitkan KTP-el", "Menerbitkan Kartu Keluarga", "Menerbitkan akta kelahiran")),
        ("Rata-rata waktu penerbitan KTP-el", "jam", "lower", "mean", 2, 4, 1,
         ("Mengukur waktu penerbitan KTP-el",)),
    ),
    "DISHUB": (
        ("Waktu penanganan pengaduan", "jam", "lower", "mean", 24, 48, 1,
         ("Menangani pengaduan lalu lintas",)),
        ("Kendaraan diuji", "kendaraan", "higher", "sum", 150, 300, 8,
         ("Melaksanakan uji KIR kendaraan",)),
        ("Titik rawan macet ditangani", "lokasi", "higher", "sum", 10, 25, 1,
         ("Mengatur lalu lintas di titik rawan macet",)),
    ),
    "DISDIK": (
        ("Jam mengajar terlaksana", "jam pelajaran", "higher", "sum", 240, 300, 6,
         ("Melaksanakan pembelajaran di kelas", "Menyusun modul ajar")),
        ("Supervisi sekolah", "sekolah", "higher", "sum", 6, 12, 1, ("Melaksanakan supervisi sekolah",)),
    ),
    "DINKES": (
        ("Pembinaan puskesmas", "kegiatan", "higher", "sum", 6, 12, 1, ("Membina pelayanan puskesmas",)),
        ("Laporan surveilans penyakit", "laporan", "higher", "sum", 12, 13, 1,
         ("Menyusun laporan surveilans mingguan",)),
    ),
    "DINSOS": (
        ("Penerima bantuan sosial diverifikasi", "KK", "higher", "sum", 150, 400, 8,
         ("Memverifikasi data penerima bansos",)),
        ("PPKS ditangani", "orang", "higher", "sum", 10, 30, 1, ("Menangani PPKS",)),
    ),
    "BPKAD": (
        ("SP2D diterbitkan", "dokumen", "higher", "sum", 200, 450, 10, ("Menerbitkan SP2D",)),
        ("Rata-rata waktu verifikasi SPM", "jam", "lower", "mean", 8, 16, 1,
         ("Mengukur waktu verifikasi SPM",)),
    ),
    "BKPSDM": (
        ("Usulan kenaikan pangkat diproses", "berkas", "higher", "sum", 60, 150, 4,
         ("Memproses usulan kenaikan pangkat",)),
        ("Rata-rata waktu layanan kepegawaian", "hari", "lower", "mean", 3, 5, 1,
         ("Mengukur waktu layanan kepegawaian",)),
    ),
    "BAPPEDA": (
        ("Dokumen perencanaan disusun", "dokumen", "higher", "sum", 3, 6, 1, ("Menyusun dokumen perencanaan",)),
        ("Rapat koordinasi perencanaan", "kegiatan", "higher", "sum", 8, 15, 1,
         ("Menyelenggarakan rapat koordinasi",)),
    ),
    "inspektorat": (
        ("Objek pemeriksaan diselesaikan", "laporan", "higher", "sum", 3, 6, 1, ("Melaksanakan audit",)),
        ("Rekomendasi ditindaklanjuti", "persen", "higher", "mean", 80, 90, 1,
         ("Memantau tindak lanjut rekomendasi",)),
    ),
    "sekretariat": (
        ("Naskah kebijakan dikaji", "dokumen", "higher", "sum", 10, 25, 1, ("Mengkaji rancangan kebijakan",)),
        ("Rapat pimpinan difasilitasi", "kegiatan", "higher", "sum", 12, 24, 1,
         ("Memfasilitasi rapat pimpinan",)),
    ),
    "satpol_pp": (
        ("Patroli ketertiban", "kegiatan", "higher", "sum", 40, 60, 1, ("Melaksanakan patroli ketertiban",)),
        ("Pelanggaran perda ditindak", "kasus", "higher", "sum", 10, 30, 1, ("Menindak pelanggaran perda",)),
    ),
    "kecamatan": (
        ("Surat rekomendasi diterbitkan", "dokumen", "higher", "sum", 90, 200, 5,
         ("Menerbitkan surat rekomendasi", "Melegalisasi dokumen warga")),
        ("Rata-rata waktu pelayanan administrasi", "menit", "lower", "mean", 20, 40, 1,
         ("Mengukur waktu pelayanan administrasi",)),
    ),
    "kelurahan": (
        ("Surat keterangan diterbitkan", "dokumen", "higher", "sum", 60, 150, 4,
         ("Menerbitkan surat keterangan domisili", "Menerbitkan surat pengantar")),
        ("Pertemuan warga difasilitasi", "kegiatan", "higher", "sum", 4, 10, 1,
         ("Memfasilitasi musyawarah warga",)),
    ),
    "default": (
        ("Kegiatan program dilaksanakan", "kegiatan", "higher", "sum", 8, 20, 1,
         ("Melaksanakan kegiatan program",)),
        ("Persentase realisasi anggaran", "persen", "higher", "mean", 85, 95, 1,
         ("Memantau realisasi anggaran",)),
        ("Layanan teknis diberikan", "layanan", "higher", "sum", 40, 120, 4, ("Memberikan layanan teknis",)),
    ),
}

SURVEY_SERVICES: dict[str, tuple[str, ...]] = {
    "puskesmas": ("Poli Umum", "Kesehatan Ibu dan Anak", "Poli Gigi", "Laboratorium", "Imunisasi"),
    "rsud": ("Rawat Jalan", "Instalasi Gawat Darurat", "Rawat Inap", "Farmasi"),
    "kecamatan": ("Legalisasi Dokumen", "Surat Rekomendasi", "Pelayanan PATEN"),
    "DPMPTSP": ("Izin Usaha", "Persetujuan Bangunan Gedung", "Izin Reklame", "Izin Praktik Tenaga Kesehatan"),
    "DISDUKCAPIL": ("KTP-el", "Kartu Keluarga", "Akta Kelahiran", "Pindah Datang", "Kartu Identitas Anak"),
    "DISHUB": ("Uji KIR", "Izin Trayek", "Retribusi Parkir"),
}

COMMENTS_GOOD = (
    "Sangat responsif dalam melayani masyarakat.",
    "Selalu tepat waktu dan dapat diandalkan.",
    "Mampu bekerja sama dengan baik dalam tim.",
    "Inisiatif tinggi dan terbuka terhadap perubahan.",
    "Ramah dan sabar menghadapi pemohon layanan.",
    "Laporan yang disusun rapi dan akurat.",
)
COMMENTS_BAD = (
    "Perlu meningkatkan ketepatan waktu penyelesaian tugas.",
    "Komunikasi dengan rekan kerja perlu diperbaiki.",
    "Sering tidak berada di tempat saat jam layanan.",
    "Perlu lebih teliti dalam memeriksa berkas.",
)
COMMENTS_PUBLIC = (
    "Pelayanan cepat, terima kasih.",
    "Antrean terlalu lama.",
    "Petugas ramah dan membantu.",
    "Informasi persyaratan kurang jelas.",
)
# Free text must never harm a report or a query (validation.md); the demo carries one of each.
COMMENT_MARKUP = "Pelayanan bagus <script>alert(1)</script> <b>tebal</b> & \"kutip\""
COMMENT_SQL = "Sangat membantu'); DROP TABLE feedback; --"

ASPECTS = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
RATER_TYPES = ("self", "supervisor", "peer", "subordinate", "public")
