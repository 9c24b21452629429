-- Warehouse tables (contract.md): written by the pipeline. Every result row carries its run_id;
-- nothing is overwritten, a re-run adds a new run. Timestamps are local time in the policy time zone.
-- One DDL for SQLite and PostgreSQL; every statement is idempotent.

create table if not exists runs (
    run_id             text primary key,
    flow               text not null,
    period             text not null,
    policy_version     text,
    policy_hash        text,
    source_fingerprint text,
    data_as_of         timestamp,
    started_at         timestamp,
    finished_at        timestamp,
    status             text not null,
    published          integer not null default 0,
    previous_run_id    text,
    reason             text,
    code_version       text,
    pid                integer,
    host               text
);
create index if not exists runs_flow_period on runs (flow, period);
-- Never two published runs of one flow and period, whatever the code does.
create unique index if not exists runs_one_published on runs (flow, period) where published = 1;

-- One row per (flow, period) while a run of it is in progress: the lock row (SQLite; PostgreSQL also
-- takes an advisory lock). Reaped when the holding process is gone.
create table if not exists run_locks (
    flow       text not null,
    period     text not null,
    run_id     text not null,
    pid        integer,
    host       text,
    started_at timestamp,
    primary key (flow, period)
);

-- The fingerprint of every input partition a run read: per table, and per month for the dated tables.
create table if not exists input_fingerprints (
    run_id       text not null,
    source_table text not null,
    partition    text not null,
    row_count    integer not null,
    fingerprint  text not null,
    primary key (run_id, source_table, partition)
);

-- The row checksums per employee and table (what `kinerja diff` uses to name which inputs changed).
create table if not exists input_row_digests (
    run_id       text not null,
    source_table text not null,
    nip          text not null,
    row_count    integer not null,
    digest       text not null,
    primary key (run_id, source_table, nip)
);

create table if not exists employee_scores (
    run_id             text not null,
    period             text not null,
    nip                text not null,
    unit_code          text,
    active_workdays    integer,
    prorate_factor     double precision,
    hasil_kerja_score  double precision,
    hasil_kerja_rating text,
    perilaku_score     double precision,
    perilaku_rating    text,
    self_score         double precision,
    disiplin_score     double precision,
    nilai_akhir        double precision,
    predikat           text,
    not_rated_reason   text,
    supervisor_nip     text,
    primary key (run_id, nip)
);

create table if not exists indicator_scores (
    run_id           text not null,
    period           text not null,
    nip              text not null,
    indicator_id     text not null,
    target_effective double precision,
    realisasi        double precision,
    capaian          double precision,
    weight           double precision,
    primary key (run_id, nip, indicator_id)
);

create table if not exists aspect_scores (
    run_id text not null,
    period text not null,
    nip    text not null,
    aspect text not null,
    score  double precision,
    primary key (run_id, nip, aspect)
);

-- Per rater type behaviour of an employee (score cards): raters counted, mean score, kept or dropped.
create table if not exists rater_type_scores (
    run_id     text not null,
    period     text not null,
    nip        text not null,
    rater_type text not null,
    raters     integer not null,
    ratings    integer not null,
    score      double precision,
    kept       integer not null,
    weight     double precision,
    primary key (run_id, nip, rater_type)
);

-- Comments shown on score cards: only for rater types with enough raters, never with the rater's identity.
create table if not exists feedback_comments (
    run_id     text not null,
    period     text not null,
    nip        text not null,
    rater_type text not null,
    aspect     text,
    comment    text not null
);
create index if not exists feedback_comments_run_nip on feedback_comments (run_id, nip);

create table if not exists attendance_monthly (
    run_id          text not null,
    month           text not null,
    nip             text not null,
    unit_code       text,
    workdays        integer,
    present_days    integer,
    excused_days    integer,
    tk_days         integer,
    unknown_days    integer,
    tl1 integer, tl2 integer, tl3 integer, tl4 integer,
    psw1 integer, psw2 integer, psw3 integer, psw4 integer,
    late_minutes    integer,
    early_minutes   integer,
    deduction_pct   double precision,
    attendance_rate double precision,
    primary key (run_id, month, nip)
);

create table if not exists discipline_alerts (
    run_id             text not null,
    nip                text not null,
    year               integer not null,
    month              integer not null,
    tk_days_ytd        integer,
    max_consecutive_tk integer,
    level              text,
    is_new             integer,
    primary key (run_id, nip)
);

create table if not exists unit_scores (
    run_id           text not null,
    period           text not null,
    unit_code        text not null,
    employees        integer,
    rated            integer,
    sangat_baik      integer,
    baik             integer,
    butuh_perbaikan  integer,
    kurang           integer,
    sangat_kurang    integer,
    belum_dinilai    integer,
    mean_nilai_akhir double precision,
    attendance_rate  double precision,
    ikm              double precision,
    ikm_grade        text,
    ikm_responses    integer,
    primary key (run_id, unit_code)
);

create table if not exists quarantine (
    run_id       text not null,
    source_table text not null,
    row_key      text,
    check_name   text not null,
    detail       text,
    row_json     text
);
create index if not exists quarantine_run on quarantine (run_id, source_table);

create table if not exists data_quality (
    run_id       text not null,
    source_table text not null,
    extracted    integer,
    used         integer,
    quarantined  integer,
    check_name   text,
    failed       integer,
    severity     text
);
create index if not exists data_quality_run on data_quality (run_id);

create table if not exists revisions (
    run_id          text not null,
    previous_run_id text not null,
    period          text not null,
    nip             text not null,
    field           text not null,
    old_value       text,
    new_value       text
);
create index if not exists revisions_run on revisions (run_id);

-- Names as of the run, so reports are rebuilt from the warehouse alone (source may be another database).
create table if not exists run_units (
    run_id      text not null,
    unit_code   text not null,
    name        text,
    parent_code text,
    kind        text,
    primary key (run_id, unit_code)
);

create table if not exists run_employees (
    run_id          text not null,
    nip             text not null,
    name            text,
    employment_type text,
    grade           text,
    position        text,
    primary key (run_id, nip)
);

-- The head of each unit on the last day a run covers (methodology/unit_heads.py): the name and NIP on
-- the signature block of the unit's report. Internal reports only; the public report has no signature.
create table if not exists run_unit_heads (
    run_id    text not null,
    unit_code text not null,
    nip       text not null,
    name      text,
    position  text,
    primary key (run_id, unit_code)
);

create table if not exists run_indicators (
    run_id       text not null,
    indicator_id text not null,
    unit_code    text,
    name         text,
    uom          text,
    direction    text,
    aggregation  text,
    primary key (run_id, indicator_id)
);

-- What the appraisal report shows beside the scores, computed by kinerja.methodology.awards (§8):
-- award candidates, training needs and calibration flags (flags for people to review, never quotas).
create table if not exists award_candidates (
    run_id     text not null,
    period     text not null,
    unit_code  text,
    nip        text not null,
    nilai_akhir double precision,
    rank       integer
);

create table if not exists training_needs (
    run_id    text not null,
    period    text not null,
    nip       text not null,
    kind      text not null,
    item      text,
    value     double precision,
    threshold double precision
);

create table if not exists calibration_flags (
    run_id    text not null,
    period    text not null,
    flag      text not null,
    unit_code text,
    nip       text,
    value     double precision,
    reference double precision,
    threshold double precision
);

-- Monthly runs (kinerja.methodology.hasil_kerja.activity_monthly): activity volume against the month's share
-- of the quarterly targets, per unit (the employees' unit for the month) and indicator; unit_code NULL is
-- the organisation. realisasi: approved activities of the month within the active dates, summed (sum
-- indicators) or their mean (mean indicators); target_share: Σ target × active working days in the month /
-- working days of the quarter (sum) or the mean target (mean); capaian: §3 (higher / lower, capped).
create table if not exists activity_monthly (
    run_id       text not null,
    month        text not null,
    unit_code    text,
    indicator_id text not null,
    employees    integer,
    realisasi    double precision,
    target_share double precision,
    capaian      double precision
);
