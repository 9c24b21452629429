-- Source tables (contract.md): the flows only read them; `kinerja generate` and `kinerja import` write them.
-- One DDL for SQLite and PostgreSQL; every statement is idempotent.
-- The keys of contract.md are plain indexes, not constraints: the feeds these tables mirror do deliver
-- duplicated keys, and validation must see them to quarantine them (validation.md, key duplicates).

create table if not exists units (
    unit_code   text,
    name        text,
    parent_code text,
    kind        text
);
create index if not exists units_code on units (unit_code);

create table if not exists employees (
    nip             text,
    name            text,
    employment_type text,
    grade           text,
    active_from     date,
    active_to       date
);
create index if not exists employees_nip on employees (nip);

create table if not exists assignments (
    nip            text,
    unit_code      text,
    position       text,
    supervisor_nip text,
    valid_from     date,
    valid_to       date
);
create index if not exists assignments_nip on assignments (nip);

create table if not exists holidays (
    holiday_date date,
    name         text,
    kind         text
);

create table if not exists work_schedules (
    valid_from date,
    valid_to   date,
    weekday    integer,
    start_time time,
    end_time   time
);

create table if not exists attendance (
    nip       text,
    work_date date,
    check_in  time,
    check_out time,
    status    text
);
create index if not exists attendance_work_date_nip on attendance (work_date, nip);

create table if not exists indicators (
    indicator_id text,
    unit_code    text,
    name         text,
    uom          text,
    direction    text,
    aggregation  text
);
create index if not exists indicators_id on indicators (indicator_id);

create table if not exists targets (
    nip          text,
    indicator_id text,
    year         integer,
    quarter      integer,
    target       double precision,
    weight       double precision
);
create index if not exists targets_year_nip on targets (year, nip);

create table if not exists activities (
    activity_id   text,
    nip           text,
    activity_date date,
    indicator_id  text,
    quantity      double precision,
    minutes       integer,
    status        text,
    description   text
);
create index if not exists activities_id on activities (activity_id);
create index if not exists activities_date_nip on activities (activity_date, nip);

create table if not exists feedback (
    feedback_id  text,
    ratee_nip    text,
    rater_id     text,
    rater_type   text,
    year         integer,
    quarter      integer,
    aspect       text,
    score        integer,
    comment      text,
    submitted_at timestamp
);
create index if not exists feedback_year_quarter on feedback (year, quarter, ratee_nip);

create table if not exists survey_responses (
    response_id   text,
    unit_code     text,
    service       text,
    response_date date,
    u1 integer, u2 integer, u3 integer, u4 integer, u5 integer,
    u6 integer, u7 integer, u8 integer, u9 integer
);
create index if not exists survey_responses_date on survey_responses (response_date, unit_code);
