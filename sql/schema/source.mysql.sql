-- Source tables (contract.md) for MySQL and MariaDB (SQLAlchemy dialect "mysql"); source.sql is the
-- SQLite/PostgreSQL version. Differences, and why:
--   * indexed key columns are varchar(255): MySQL/InnoDB cannot index `text` without a prefix length,
--     and a composite key of text columns exceeds InnoDB's 3072-byte key limit;
--   * indexes are declared inside `create table if not exists` (MySQL 8 has no `create index if not
--     exists`), so the script stays idempotent on both servers;
--   * `datetime` instead of `timestamp` (no time-zone conversion, no 2038 limit, no auto-update);
--   * utf8mb4 with the binary collation, so keys compare exactly as on SQLite/PostgreSQL (case and
--     trailing spaces matter; `a` and `A` are different unit codes).
-- As in source.sql the keys are plain indexes, not constraints: validation must see duplicated keys.

create table if not exists units (
    unit_code   varchar(255),
    name        text,
    parent_code varchar(255),
    kind        varchar(255),
    index units_code (unit_code)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists employees (
    nip             varchar(255),
    name            text,
    employment_type varchar(255),
    grade           varchar(255),
    active_from     date,
    active_to       date,
    index employees_nip (nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists assignments (
    nip            varchar(255),
    unit_code      varchar(255),
    position       text,
    supervisor_nip varchar(255),
    valid_from     date,
    valid_to       date,
    index assignments_nip (nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists holidays (
    holiday_date date,
    name         text,
    kind         varchar(255)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists work_schedules (
    valid_from date,
    valid_to   date,
    weekday    integer,
    start_time time,
    end_time   time
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists attendance (
    nip       varchar(255),
    work_date date,
    check_in  time,
    check_out time,
    status    varchar(255),
    index attendance_work_date_nip (work_date, nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists indicators (
    indicator_id varchar(255),
    unit_code    varchar(255),
    name         text,
    uom          varchar(255),
    direction    varchar(255),
    aggregation  varchar(255),
    index indicators_id (indicator_id)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists targets (
    nip          varchar(255),
    indicator_id varchar(255),
    year         integer,
    quarter      integer,
    target       double precision,
    weight       double precision,
    index targets_year_nip (year, nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists activities (
    activity_id   varchar(255),
    nip           varchar(255),
    activity_date date,
    indicator_id  varchar(255),
    quantity      double precision,
    minutes       integer,
    status        varchar(255),
    description   text,
    index activities_id (activity_id),
    index activities_date_nip (activity_date, nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists feedback (
    feedback_id  varchar(255),
    ratee_nip    varchar(255),
    rater_id     varchar(255),
    rater_type   varchar(255),
    year         integer,
    quarter      integer,
    aspect       varchar(255),
    score        integer,
    comment      mediumtext,
    submitted_at datetime,
    index feedback_year_quarter (year, quarter, ratee_nip)
) character set utf8mb4 collate utf8mb4_bin;

create table if not exists survey_responses (
    response_id   varchar(255),
    unit_code     varchar(255),
    service       text,
    response_date date,
    u1 integer, u2 integer, u3 integer, u4 integer, u5 integer,
    u6 integer, u7 integer, u8 integer, u9 integer,
    index survey_responses_date (response_date, unit_code)
) character set utf8mb4 collate utf8mb4_bin;
