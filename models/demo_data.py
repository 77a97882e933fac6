"""Demo and seed data for the Service Desk of Diskominfo Provinsi Jawa Barat.

Plain constants only, no logic: the organisation of Dinas Komunikasi dan Informatika (the bidang
that take IT requests and their seksi), the service catalogue (layanan) with duration classes and
required documents (dokumen persyaratan), the Perangkat Daerah of the Pemerintah Daerah Provinsi
Jawa Barat that may submit requests, the staff roles, and one fictional demo staff user per role.

Structure follows the SOP era (2021; the SOP cites Pergub Jawa Barat Nomor 60 Tahun 2017 for the
units of Diskominfo): five bidang with three seksi each. The SOP itself names "Bidang Aplikasi
Informatika" and "Seksi Rekayasa Aplikasi"; since 2022 seksi are largely replaced by
sub-koordinator groups, but seksi are kept here because the SOP uses them.
Sekretariat is left out on purpose: it is not a bidang that takes IT requests. The service list is
a realistic demo catalogue, not an official one. All staff names are fictional.

Duration classes (SOP step 5): "pendek" 1-3 hari, "sedang" 3-7 hari, "panjang" 1 minggu - 1 bulan.
"""

from __future__ import annotations

# --- Bidang and seksi of Diskominfo Jawa Barat that handle service requests -------------------

BIDANG = [
    {
        "code": "aptika",
        "name": "Bidang Aplikasi Informatika",
        "seksi": [
            {"code": "rekayasa-aplikasi", "name": "Seksi Rekayasa Aplikasi"},
            {
                "code": "integrasi-interoperabilitas",
                "name": "Seksi Integrasi dan Interoperabilitas",
            },
            {"code": "pengelolaan-aplikasi", "name": "Seksi Pengelolaan Aplikasi"},
        ],
    },
    {
        "code": "egov",
        "name": "Bidang e-Government",
        "seksi": [
            {"code": "tata-kelola", "name": "Seksi Tata Kelola"},
            {"code": "pengelolaan-infrastruktur", "name": "Seksi Pengelolaan Infrastruktur"},
            {"code": "layanan-infrastruktur", "name": "Seksi Layanan Infrastruktur"},
        ],
    },
    {
        "code": "persandian",
        "name": "Bidang Persandian dan Keamanan Informasi",
        "seksi": [
            {"code": "sandi", "name": "Seksi Persandian"},
            {"code": "keamanan-informasi", "name": "Seksi Keamanan Informasi"},
            {"code": "layanan-keamanan-informasi", "name": "Seksi Layanan Keamanan Informasi"},
        ],
    },
    {
        "code": "statistik",
        "name": "Bidang Statistik",
        "seksi": [
            {"code": "kompilasi-data", "name": "Seksi Kompilasi Data"},
            {"code": "pengolahan-data", "name": "Seksi Pengolahan Data"},
            {"code": "penyajian-data", "name": "Seksi Penyajian Data"},
        ],
    },
    {
        "code": "ikp",
        "name": "Bidang Informasi dan Komunikasi Publik",
        "seksi": [
            {
                "code": "pengolahan-penyediaan-informasi",
                "name": "Seksi Pengolahan dan Penyediaan Informasi",
            },
            {"code": "komunikasi-publik", "name": "Seksi Komunikasi Publik"},
            {"code": "kemitraan-komunikasi", "name": "Seksi Kemitraan Komunikasi"},
        ],
    },
]

# --- Service catalogue (layanan) ------------------------------------------------------------

_SURAT_PERMOHONAN = (
    "Surat permohonan",
    "Surat permohonan resmi dari Kepala Perangkat Daerah, ditandatangani dan distempel.",
)

LAYANAN = [
    # Bidang Aplikasi Informatika
    {
        "code": "permintaan-subdomain",
        "name": "Permintaan subdomain jabarprov.go.id",
        "bidang": "aptika",
        "seksi": "rekayasa-aplikasi",
        "duration": "sedang",
        "description": (
            "Pendaftaran subdomain baru di bawah domain jabarprov.go.id untuk situs web atau "
            "aplikasi resmi Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Formulir pendaftaran subdomain",
                "Formulir berisi nama subdomain yang diusulkan, alamat IP atau lokasi hosting, "
                "dan penanggung jawab teknis.",
            ),
            (
                "Surat pernyataan pengelola konten",
                "Pernyataan kesanggupan Perangkat Daerah mengelola dan memutakhirkan isi situs "
                "secara berkala.",
            ),
        ],
    },
    {
        "code": "gangguan-aplikasi",
        "name": "Penanganan gangguan aplikasi",
        "bidang": "aptika",
        "seksi": "pengelolaan-aplikasi",
        "duration": "pendek",
        "description": (
            "Penanganan aplikasi yang dikelola Diskominfo yang tidak dapat diakses, lambat, "
            "atau berjalan tidak sebagaimana mestinya."
        ),
        "required_documents": [
            (
                "Laporan gangguan",
                "Uraian singkat gangguan berisi nama aplikasi, waktu kejadian, dan langkah yang "
                "menimbulkan gangguan.",
            ),
            (
                "Tangkapan layar",
                "Tangkapan layar pesan galat atau tampilan aplikasi saat gangguan terjadi.",
            ),
        ],
    },
    {
        "code": "email-dinas",
        "name": "Pembuatan akun email dinas",
        "bidang": "aptika",
        "seksi": "pengelolaan-aplikasi",
        "duration": "pendek",
        "description": (
            "Pembuatan akun email resmi berdomain jabarprov.go.id bagi pegawai atau unit kerja "
            "Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Daftar calon pengguna",
                "Daftar nama, NIP, jabatan, dan nomor telepon pegawai yang akan dibuatkan akun "
                "email.",
            ),
        ],
    },
    {
        "code": "pengembangan-aplikasi",
        "name": "Pengembangan aplikasi",
        "bidang": "aptika",
        "seksi": "rekayasa-aplikasi",
        "duration": "panjang",
        "description": (
            "Pembangunan aplikasi baru atau pengembangan fitur aplikasi yang sudah ada sesuai "
            "kebutuhan layanan Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Dokumen kebutuhan aplikasi",
                "Uraian proses bisnis, fitur yang dibutuhkan, pengguna, dan data yang dikelola "
                "aplikasi.",
            ),
            (
                "Surat penunjukan tim pengelola",
                "Surat penunjukan pegawai Perangkat Daerah sebagai pengelola dan admin aplikasi.",
            ),
        ],
    },
    {
        "code": "integrasi-aplikasi",
        "name": "Integrasi dan interoperabilitas aplikasi (API)",
        "bidang": "aptika",
        "seksi": "integrasi-interoperabilitas",
        "duration": "panjang",
        "description": (
            "Penyediaan akses API dan integrasi pertukaran data antaraplikasi di lingkungan "
            "Pemerintah Daerah Provinsi Jawa Barat."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Spesifikasi integrasi",
                "Dokumen berisi aplikasi sumber dan tujuan, data yang dipertukarkan, dan "
                "frekuensi pertukaran data.",
            ),
        ],
    },
    # Bidang e-Government
    {
        "code": "gangguan-jaringan",
        "name": "Penanganan gangguan jaringan internet",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
        "duration": "pendek",
        "description": (
            "Penanganan jaringan internet atau intranet Perangkat Daerah yang terputus atau "
            "mengalami penurunan kualitas."
        ),
        "required_documents": [
            (
                "Formulir laporan gangguan jaringan",
                "Formulir berisi lokasi titik layanan, waktu mulai gangguan, dan gejala yang "
                "dialami.",
            ),
        ],
    },
    {
        "code": "pemasangan-jaringan",
        "name": "Pemasangan jaringan internet baru",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
        "duration": "panjang",
        "description": (
            "Pemasangan titik layanan jaringan internet baru di kantor atau unit pelaksana "
            "teknis Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Formulir pendaftaran permintaan layanan jaringan internet",
                "Formulir berisi alamat lokasi, jumlah pengguna, kebutuhan bandwidth, dan "
                "narahubung di lokasi.",
            ),
        ],
    },
    {
        "code": "relokasi-jaringan",
        "name": "Relokasi jaringan",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
        "duration": "panjang",
        "description": (
            "Pemindahan perangkat dan titik layanan jaringan ke ruangan atau gedung lain karena "
            "perpindahan kantor Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Denah lokasi",
                "Denah lokasi lama dan lokasi baru beserta titik penempatan perangkat jaringan "
                "yang diinginkan.",
            ),
            (
                "Formulir pendaftaran permintaan layanan jaringan internet",
                "Formulir berisi alamat lokasi baru, jumlah pengguna, dan narahubung di lokasi.",
            ),
        ],
    },
    {
        "code": "hosting-vps",
        "name": "Permintaan hosting / VPS",
        "bidang": "egov",
        "seksi": "pengelolaan-infrastruktur",
        "duration": "sedang",
        "description": (
            "Penyediaan ruang hosting atau server virtual (VPS) di Pusat Data Pemerintah Daerah "
            "Provinsi Jawa Barat."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Spesifikasi kebutuhan server",
                "Rincian kebutuhan prosesor, memori, penyimpanan, sistem operasi, dan perangkat "
                "lunak pendukung.",
            ),
        ],
    },
    {
        "code": "colocation-server",
        "name": "Penempatan server (colocation)",
        "bidang": "egov",
        "seksi": "pengelolaan-infrastruktur",
        "duration": "sedang",
        "description": (
            "Penempatan server fisik milik Perangkat Daerah di ruang Pusat Data Pemerintah "
            "Daerah Provinsi Jawa Barat."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Data teknis perangkat",
                "Merek, tipe, ukuran rak, daya listrik, dan nomor seri server yang akan "
                "ditempatkan.",
            ),
            (
                "Berita acara serah terima barang",
                "Dokumen serah terima server dari Perangkat Daerah kepada pengelola Pusat Data.",
            ),
        ],
    },
    {
        "code": "video-konferensi",
        "name": "Permintaan fasilitas video konferensi (Zoom)",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
        "duration": "pendek",
        "description": (
            "Penyediaan ruang rapat daring dan dukungan teknis video konferensi untuk kegiatan "
            "Perangkat Daerah."
        ),
        "required_documents": [
            (
                "Surat permohonan atau nota dinas",
                "Surat atau nota dinas yang mencantumkan nama kegiatan, tanggal, jam, dan "
                "perkiraan jumlah peserta.",
            ),
        ],
    },
    {
        "code": "rekomendasi-belanja-tik",
        "name": "Permohonan rekomendasi teknis belanja TIK",
        "bidang": "egov",
        "seksi": "tata-kelola",
        "duration": "sedang",
        "description": (
            "Pemberian rekomendasi teknis atas rencana pengadaan perangkat keras, perangkat "
            "lunak, atau layanan TIK Perangkat Daerah."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Kerangka acuan kerja",
                "Kerangka acuan kerja berisi latar belakang, spesifikasi teknis, dan rencana "
                "anggaran belanja TIK.",
            ),
        ],
    },
    # Bidang Persandian dan Keamanan Informasi
    {
        "code": "sertifikat-elektronik",
        "name": "Penerbitan sertifikat elektronik (TTE)",
        "bidang": "persandian",
        "seksi": "sandi",
        "duration": "sedang",
        "description": (
            "Pendaftaran dan penerbitan sertifikat elektronik untuk tanda tangan elektronik "
            "pejabat dan pegawai Perangkat Daerah."
        ),
        "required_documents": [
            (
                "Surat rekomendasi",
                "Surat rekomendasi dari Kepala Perangkat Daerah bagi pegawai yang diusulkan "
                "memperoleh sertifikat elektronik.",
            ),
            (
                "Kartu Tanda Penduduk",
                "Pindaian KTP elektronik pemohon yang masih berlaku dan terbaca dengan jelas.",
            ),
            (
                "Surat keputusan jabatan",
                "Salinan surat keputusan pengangkatan dalam jabatan terakhir pemohon.",
            ),
        ],
    },
    {
        "code": "uji-kerentanan",
        "name": "Uji kerentanan dan penetration test aplikasi",
        "bidang": "persandian",
        "seksi": "keamanan-informasi",
        "duration": "panjang",
        "description": (
            "Pengujian keamanan aplikasi atau situs web Perangkat Daerah untuk menemukan celah "
            "kerentanan sebelum atau sesudah aplikasi digunakan."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Dokumen ruang lingkup pengujian",
                "Daftar alamat URL atau IP sasaran, akun uji, dan jadwal pengujian yang "
                "disepakati.",
            ),
            (
                "Surat persetujuan pengujian",
                "Pernyataan pemilik aplikasi yang mengizinkan pengujian keamanan terhadap "
                "sistemnya.",
            ),
        ],
    },
    {
        "code": "insiden-keamanan",
        "name": "Penanganan insiden keamanan siber",
        "bidang": "persandian",
        "seksi": "layanan-keamanan-informasi",
        "duration": "pendek",
        "description": (
            "Penanganan insiden seperti peretasan, deface situs web, atau infeksi malware pada "
            "sistem elektronik Perangkat Daerah."
        ),
        "required_documents": [
            (
                "Laporan insiden",
                "Kronologi kejadian, sistem yang terdampak, dan bukti berupa tangkapan layar "
                "atau log.",
            ),
        ],
    },
    # Bidang Statistik
    {
        "code": "permintaan-data",
        "name": "Permintaan data statistik sektoral",
        "bidang": "statistik",
        "seksi": "penyajian-data",
        "duration": "sedang",
        "description": (
            "Penyediaan data statistik sektoral Pemerintah Daerah Provinsi Jawa Barat untuk "
            "keperluan perencanaan dan evaluasi."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Daftar kebutuhan data",
                "Rincian judul data, variabel, periode, dan cakupan wilayah yang dibutuhkan.",
            ),
        ],
    },
    {
        "code": "publikasi-dataset",
        "name": "Publikasi dataset di Open Data Jabar",
        "bidang": "statistik",
        "seksi": "kompilasi-data",
        "duration": "sedang",
        "description": (
            "Verifikasi dan penayangan dataset Perangkat Daerah pada portal Open Data Jabar "
            "beserta metadatanya."
        ),
        "required_documents": [
            (
                "Berkas dataset",
                "Dataset dalam format CSV atau XLSX sesuai standar data yang berlaku.",
            ),
            (
                "Metadata dataset",
                "Keterangan definisi, satuan, sumber, dan frekuensi pemutakhiran dataset.",
            ),
        ],
    },
    {
        "code": "pendampingan-statistik",
        "name": "Pendampingan penyelenggaraan statistik sektoral",
        "bidang": "statistik",
        "seksi": "pengolahan-data",
        "duration": "panjang",
        "description": (
            "Pendampingan Perangkat Daerah dalam merancang kegiatan statistik, mengolah, dan "
            "menganalisis data sektoral."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Rancangan kegiatan statistik",
                "Rancangan tujuan, metode pengumpulan data, kuesioner, dan jadwal kegiatan "
                "statistik.",
            ),
        ],
    },
    # Bidang Informasi dan Komunikasi Publik
    {
        "code": "publikasi-informasi",
        "name": "Publikasi informasi di portal jabarprov.go.id",
        "bidang": "ikp",
        "seksi": "pengolahan-penyediaan-informasi",
        "duration": "pendek",
        "description": (
            "Penayangan berita, pengumuman, atau informasi publik Perangkat Daerah di portal "
            "resmi Pemerintah Daerah Provinsi Jawa Barat."
        ),
        "required_documents": [
            (
                "Naskah dan materi publikasi",
                "Naskah berita atau pengumuman beserta foto atau lampiran yang akan ditayangkan.",
            ),
        ],
    },
    {
        "code": "penayangan-videotron",
        "name": "Penayangan materi di videotron",
        "bidang": "ikp",
        "seksi": "komunikasi-publik",
        "duration": "pendek",
        "description": (
            "Penayangan materi sosialisasi program Perangkat Daerah pada videotron milik "
            "Pemerintah Daerah Provinsi Jawa Barat."
        ),
        "required_documents": [
            _SURAT_PERMOHONAN,
            (
                "Berkas materi tayang",
                "Berkas video atau gambar sesuai resolusi dan durasi yang ditentukan, beserta "
                "periode penayangan.",
            ),
        ],
    },
]

# --- Perangkat Daerah of the Pemerintah Daerah Provinsi Jawa Barat ---------------------------

PERANGKAT_DAERAH = [
    # Sekretariat dan Inspektorat
    {"code": "SETDA", "name": "Sekretariat Daerah Provinsi Jawa Barat"},
    {"code": "SETWAN", "name": "Sekretariat DPRD Provinsi Jawa Barat"},
    {"code": "INSPEKTORAT", "name": "Inspektorat Daerah Provinsi Jawa Barat"},
    # Dinas
    {"code": "DISDIK", "name": "Dinas Pendidikan Provinsi Jawa Barat"},
    {"code": "DINKES", "name": "Dinas Kesehatan Provinsi Jawa Barat"},
    {"code": "DBMPR", "name": "Dinas Bina Marga dan Penataan Ruang Provinsi Jawa Barat"},
    {"code": "DSDA", "name": "Dinas Sumber Daya Air Provinsi Jawa Barat"},
    {"code": "DISPERKIM", "name": "Dinas Perumahan dan Permukiman Provinsi Jawa Barat"},
    {"code": "SATPOLPP", "name": "Satuan Polisi Pamong Praja Provinsi Jawa Barat"},
    {"code": "DINSOS", "name": "Dinas Sosial Provinsi Jawa Barat"},
    {"code": "DISNAKERTRANS", "name": "Dinas Tenaga Kerja dan Transmigrasi Provinsi Jawa Barat"},
    {
        "code": "DP3AKB",
        "name": (
            "Dinas Pemberdayaan Perempuan, Perlindungan Anak dan Keluarga Berencana "
            "Provinsi Jawa Barat"
        ),
    },
    {"code": "DKPP", "name": "Dinas Ketahanan Pangan dan Peternakan Provinsi Jawa Barat"},
    {"code": "DLH", "name": "Dinas Lingkungan Hidup Provinsi Jawa Barat"},
    {
        "code": "DISDUKCAPIL",
        "name": "Dinas Kependudukan dan Pencatatan Sipil Provinsi Jawa Barat",
    },
    {"code": "DPMDESA", "name": "Dinas Pemberdayaan Masyarakat dan Desa Provinsi Jawa Barat"},
    {"code": "DISHUB", "name": "Dinas Perhubungan Provinsi Jawa Barat"},
    {"code": "DISKOMINFO", "name": "Dinas Komunikasi dan Informatika Provinsi Jawa Barat"},
    {"code": "DISKUK", "name": "Dinas Koperasi dan Usaha Kecil Provinsi Jawa Barat"},
    {
        "code": "DPMPTSP",
        "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Jawa Barat",
    },
    {"code": "DISPORA", "name": "Dinas Pemuda dan Olahraga Provinsi Jawa Barat"},
    {"code": "DISPUSIPDA", "name": "Dinas Perpustakaan dan Kearsipan Daerah Provinsi Jawa Barat"},
    {"code": "DKP", "name": "Dinas Kelautan dan Perikanan Provinsi Jawa Barat"},
    {"code": "DISPARBUD", "name": "Dinas Pariwisata dan Kebudayaan Provinsi Jawa Barat"},
    {"code": "DTPH", "name": "Dinas Tanaman Pangan dan Hortikultura Provinsi Jawa Barat"},
    {"code": "DISBUN", "name": "Dinas Perkebunan Provinsi Jawa Barat"},
    {"code": "DISHUT", "name": "Dinas Kehutanan Provinsi Jawa Barat"},
    {"code": "DESDM", "name": "Dinas Energi dan Sumber Daya Mineral Provinsi Jawa Barat"},
    {"code": "DISPERINDAG", "name": "Dinas Perindustrian dan Perdagangan Provinsi Jawa Barat"},
    # Badan
    {"code": "BAPPEDA", "name": "Badan Perencanaan Pembangunan Daerah Provinsi Jawa Barat"},
    {"code": "BAPENDA", "name": "Badan Pendapatan Daerah Provinsi Jawa Barat"},
    {"code": "BPKAD", "name": "Badan Pengelolaan Keuangan dan Aset Daerah Provinsi Jawa Barat"},
    {"code": "BKD", "name": "Badan Kepegawaian Daerah Provinsi Jawa Barat"},
    {"code": "BPSDM", "name": "Badan Pengembangan Sumber Daya Manusia Provinsi Jawa Barat"},
    {"code": "BPBD", "name": "Badan Penanggulangan Bencana Daerah Provinsi Jawa Barat"},
    {"code": "KESBANGPOL", "name": "Badan Kesatuan Bangsa dan Politik Provinsi Jawa Barat"},
    {"code": "BADAN-PENGHUBUNG", "name": "Badan Penghubung Provinsi Jawa Barat"},
    # Rumah sakit daerah
    {"code": "RSUD-ALIHSAN", "name": "RSUD Al Ihsan Provinsi Jawa Barat"},
    {"code": "RSJ", "name": "Rumah Sakit Jiwa Provinsi Jawa Barat"},
    {"code": "RSP-ROTINSULU", "name": "Rumah Sakit Paru Dr. H.A. Rotinsulu Provinsi Jawa Barat"},
    {"code": "RSP-SIDAWANGI", "name": "Rumah Sakit Paru Sidawangi Provinsi Jawa Barat"},
    {"code": "RSKK", "name": "Rumah Sakit Kesehatan Kerja Provinsi Jawa Barat"},
    {"code": "RSUD-PAMEUNGPEUK", "name": "RSUD Pameungpeuk Provinsi Jawa Barat"},
    {"code": "RSUD-JAMPANGKULON", "name": "RSUD Jampangkulon Provinsi Jawa Barat"},
]

# --- Staff roles ------------------------------------------------------------------------------

ROLES = [
    (
        "admin",
        "Administrator sistem: mengelola pengguna, katalog layanan, kalender kerja, dan dapat "
        "melakukan seluruh tugas Helpdesk di semua bidang.",
    ),
    (
        "helpdesk",
        "Helpdesk Bidang: mendaftarkan permintaan layanan atas nama pemohon, memverifikasi "
        "dokumen persyaratan, dan mendisposisikan tiket kepada Agen.",
    ),
    (
        "agent",
        "Agen / Petugas Teknis: memenuhi permintaan layanan, mengubah status tiket menjadi "
        "Selesai, mengunggah SLA dan BA, lalu menutup tiket.",
    ),
    (
        "kepala_bidang",
        "Kepala Bidang: menerima pemberitahuan tiket dibuka dan ditutup, serta memantau "
        "kepatuhan mutu baku layanan di bidangnya.",
    ),
    (
        "kepala_seksi",
        "Kepala Seksi: menerima pemberitahuan tiket dibuka dan ditutup, serta memantau "
        "kepatuhan mutu baku layanan di seksinya.",
    ),
]

# --- One fictional demo user per role ---------------------------------------------------------

DEMO_STAFF = [
    {
        "email": "admin@example.go.id",
        "name": "Yusuf Mahardika",
        "role": "admin",
        "nip": "199001012015031001",
        "position": "Pranata Komputer Ahli Muda",
        "bidang": "aptika",
        "seksi": None,
    },
    {
        "email": "helpdesk@example.go.id",
        "name": "Nadia Puspitasari",
        "role": "helpdesk",
        "nip": "199002012015031002",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "aptika",
        "seksi": None,
    },
    {
        "email": "agen@example.go.id",
        "name": "Galih Ramadhan Saputra",
        "role": "agent",
        "nip": "199003012015031003",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "aptika",
        "seksi": "rekayasa-aplikasi",
    },
    {
        "email": "kabid@example.go.id",
        "name": "Hendra Wirakusumah",
        "role": "kepala_bidang",
        "nip": "199004012015031004",
        "position": "Kepala Bidang Aplikasi Informatika",
        "bidang": "aptika",
        "seksi": None,
    },
    {
        "email": "kasi@example.go.id",
        "name": "Ratna Sulistyawati",
        "role": "kepala_seksi",
        "nip": "199005012015031005",
        "position": "Kepala Seksi Rekayasa Aplikasi",
        "bidang": "aptika",
        "seksi": "rekayasa-aplikasi",
    },
]

# One agent for every other seksi that has services, so that every service's tickets can be
# disposed to someone (agen.<seksi>@example.go.id). All names are fictional.
DEMO_STAFF += [
    {
        "email": "agen.integrasi-interoperabilitas@example.go.id",
        "name": "Dimas Arya Nugraha",
        "role": "agent",
        "nip": "199006012015031006",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "aptika",
        "seksi": "integrasi-interoperabilitas",
    },
    {
        "email": "agen.pengelolaan-aplikasi@example.go.id",
        "name": "Siti Nurhaliza Pratiwi",
        "role": "agent",
        "nip": "199007012015031007",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "aptika",
        "seksi": "pengelolaan-aplikasi",
    },
    {
        "email": "agen.tata-kelola@example.go.id",
        "name": "Rizky Firmansyah",
        "role": "agent",
        "nip": "199008012015031008",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "egov",
        "seksi": "tata-kelola",
    },
    {
        "email": "agen.pengelolaan-infrastruktur@example.go.id",
        "name": "Asep Saepul Rohman",
        "role": "agent",
        "nip": "199009012015031009",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "egov",
        "seksi": "pengelolaan-infrastruktur",
    },
    {
        "email": "agen.layanan-infrastruktur@example.go.id",
        "name": "Intan Permatasari",
        "role": "agent",
        "nip": "199010012015031010",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
    },
    {
        "email": "agen.sandi@example.go.id",
        "name": "Bayu Adi Kusuma",
        "role": "agent",
        "nip": "199011012015031011",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "persandian",
        "seksi": "sandi",
    },
    {
        "email": "agen.keamanan-informasi@example.go.id",
        "name": "Fajar Hidayatullah",
        "role": "agent",
        "nip": "199012012015031012",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "persandian",
        "seksi": "keamanan-informasi",
    },
    {
        "email": "agen.layanan-keamanan-informasi@example.go.id",
        "name": "Rina Marlina",
        "role": "agent",
        "nip": "199013012015031013",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "persandian",
        "seksi": "layanan-keamanan-informasi",
    },
    {
        "email": "agen.kompilasi-data@example.go.id",
        "name": "Teguh Prasetyo",
        "role": "agent",
        "nip": "199014012015031014",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "statistik",
        "seksi": "kompilasi-data",
    },
    {
        "email": "agen.pengolahan-data@example.go.id",
        "name": "Dewi Anggraeni",
        "role": "agent",
        "nip": "199015012015031015",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "statistik",
        "seksi": "pengolahan-data",
    },
    {
        "email": "agen.penyajian-data@example.go.id",
        "name": "Ujang Sutisna",
        "role": "agent",
        "nip": "199016012015031016",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "statistik",
        "seksi": "penyajian-data",
    },
    {
        "email": "agen.pengolahan-penyediaan-informasi@example.go.id",
        "name": "Lia Amalia",
        "role": "agent",
        "nip": "199017012015031017",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "ikp",
        "seksi": "pengolahan-penyediaan-informasi",
    },
    {
        "email": "agen.komunikasi-publik@example.go.id",
        "name": "Cecep Supriatna",
        "role": "agent",
        "nip": "199018012015031018",
        "position": "Pranata Komputer Ahli Pertama",
        "bidang": "ikp",
        "seksi": "komunikasi-publik",
    },
]

# A Kepala Seksi for every other seksi (kasi.<seksi>@example.go.id): the BA prints the agent's
# Kepala Seksi under "Mengetahui", so without one no BA of that seksi can be issued.
DEMO_STAFF += [
    {
        "email": "kasi.integrasi-interoperabilitas@example.go.id",
        "name": "Wawan Setiawan",
        "role": "kepala_seksi",
        "nip": "198501112010011001",
        "position": "Kepala Seksi Integrasi dan Interoperabilitas",
        "bidang": "aptika",
        "seksi": "integrasi-interoperabilitas",
    },
    {
        "email": "kasi.pengelolaan-aplikasi@example.go.id",
        "name": "Euis Komariah",
        "role": "kepala_seksi",
        "nip": "198502122010012002",
        "position": "Kepala Seksi Pengelolaan Aplikasi",
        "bidang": "aptika",
        "seksi": "pengelolaan-aplikasi",
    },
    {
        "email": "kasi.tata-kelola@example.go.id",
        "name": "Dadang Sudrajat",
        "role": "kepala_seksi",
        "nip": "198503132010011003",
        "position": "Kepala Seksi Tata Kelola",
        "bidang": "egov",
        "seksi": "tata-kelola",
    },
    {
        "email": "kasi.pengelolaan-infrastruktur@example.go.id",
        "name": "Yanti Rosdiana",
        "role": "kepala_seksi",
        "nip": "198504142010012004",
        "position": "Kepala Seksi Pengelolaan Infrastruktur",
        "bidang": "egov",
        "seksi": "pengelolaan-infrastruktur",
    },
    {
        "email": "kasi.layanan-infrastruktur@example.go.id",
        "name": "Iwan Kurniawan",
        "role": "kepala_seksi",
        "nip": "198505152010011005",
        "position": "Kepala Seksi Layanan Infrastruktur",
        "bidang": "egov",
        "seksi": "layanan-infrastruktur",
    },
    {
        "email": "kasi.sandi@example.go.id",
        "name": "Neneng Hasanah",
        "role": "kepala_seksi",
        "nip": "198506162010012006",
        "position": "Kepala Seksi Persandian",
        "bidang": "persandian",
        "seksi": "sandi",
    },
    {
        "email": "kasi.keamanan-informasi@example.go.id",
        "name": "Agus Salim Hidayat",
        "role": "kepala_seksi",
        "nip": "198507172010011007",
        "position": "Kepala Seksi Keamanan Informasi",
        "bidang": "persandian",
        "seksi": "keamanan-informasi",
    },
    {
        "email": "kasi.layanan-keamanan-informasi@example.go.id",
        "name": "Rini Yuliani",
        "role": "kepala_seksi",
        "nip": "198508182010012008",
        "position": "Kepala Seksi Layanan Keamanan Informasi",
        "bidang": "persandian",
        "seksi": "layanan-keamanan-informasi",
    },
    {
        "email": "kasi.kompilasi-data@example.go.id",
        "name": "Deden Permana",
        "role": "kepala_seksi",
        "nip": "198509192010011009",
        "position": "Kepala Seksi Kompilasi Data",
        "bidang": "statistik",
        "seksi": "kompilasi-data",
    },
    {
        "email": "kasi.pengolahan-data@example.go.id",
        "name": "Tuti Alawiyah",
        "role": "kepala_seksi",
        "nip": "198510202010012010",
        "position": "Kepala Seksi Pengolahan Data",
        "bidang": "statistik",
        "seksi": "pengolahan-data",
    },
    {
        "email": "kasi.penyajian-data@example.go.id",
        "name": "Endang Suherman",
        "role": "kepala_seksi",
        "nip": "198511212010011011",
        "position": "Kepala Seksi Penyajian Data",
        "bidang": "statistik",
        "seksi": "penyajian-data",
    },
    {
        "email": "kasi.pengolahan-penyediaan-informasi@example.go.id",
        "name": "Lilis Suryani",
        "role": "kepala_seksi",
        "nip": "198512222010012012",
        "position": "Kepala Seksi Pengolahan dan Penyediaan Informasi",
        "bidang": "ikp",
        "seksi": "pengolahan-penyediaan-informasi",
    },
    {
        "email": "kasi.komunikasi-publik@example.go.id",
        "name": "Ahmad Fauzi Rahman",
        "role": "kepala_seksi",
        "nip": "198501232010021013",
        "position": "Kepala Seksi Komunikasi Publik",
        "bidang": "ikp",
        "seksi": "komunikasi-publik",
    },
    {
        "email": "kasi.kemitraan-komunikasi@example.go.id",
        "name": "Nining Widaningsih",
        "role": "kepala_seksi",
        "nip": "198502242010022014",
        "position": "Kepala Seksi Kemitraan Komunikasi",
        "bidang": "ikp",
        "seksi": "kemitraan-komunikasi",
    },
]

# --- Demo satisfaction surveys (SKM): answers of u1 ... u9 (1-4) and a comment ----------------
# Each is one fictional requester whose ticket `flask seed-demo-surveys` takes through the whole
# SOP to Close Tiket before answering; three or more so the heads' page shows figures.

DEMO_SURVEYS = [
    {
        "requester": "Rina Kartikasari",
        "perangkat_daerah": "DISDIK",
        "answers": (4, 3, 3, 4, 4, 4, 4, 3, 3),
        "comment": "Petugas cepat tanggap; alur permohonan sudah jelas.",
    },
    {
        "requester": "Agus Setiawan",
        "perangkat_daerah": "DISDIK",
        "answers": (3, 3, 2, 4, 3, 3, 4, 3, 3),
        "comment": "Waktu penyelesaian bisa lebih cepat.",
    },
    {
        "requester": "Dewi Lestari",
        "perangkat_daerah": "DISDIK",
        "answers": (4, 4, 4, 4, 3, 4, 4, 4, 3),
        "comment": "",
    },
    {
        "requester": "Budi Hartono",
        "perangkat_daerah": "DISDIK",
        "answers": (3, 4, 3, 4, 4, 3, 3, 2, 3),
        "comment": "Mohon disediakan kanal pengaduan yang lebih mudah dihubungi.",
    },
]
