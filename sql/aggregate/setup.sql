-- Temporary tables of one pushdown session (kinerja/pushdown.py), filled from the policy and the
-- validation result with bound parameters (executemany / COPY). One DDL for SQLite and PostgreSQL.
-- Calendar and policy: working days with their schedule (seconds since midnight), employees' active
-- ranges (day numbers since 1970-01-01), status classes, TL/PSW band bounds, target keys.
create temp table k_workday (day integer, work_date date, start_sec integer, end_sec integer);
create temp table k_emp (ord integer, nip text, af integer, at integer);
create temp table k_unknown (nip text, day integer);
create temp table k_status (status text, day_class integer, timed integer);
create temp table k_band (band integer, hi double precision);
create temp table k_target (nip text, indicator_id text, quarter integer);
-- Quarantined rows as read (every contract column as extracted text) and `k`, the row key as
-- validation builds it; the anti-join removes every source row whose content equals one of them.
create temp table k_q_attendance (k text, nip text, work_date text, check_in text, check_out text, status text);
create temp table k_q_activities (k text, activity_id text, nip text, activity_date text, indicator_id text,
                                  quantity text, minutes text, status text, description text);
create temp table k_q_feedback (k text, feedback_id text, ratee_nip text, rater_id text, rater_type text,
                                year text, quarter text, aspect text, score text, comment text, submitted_at text);
create temp table k_q_survey_responses (k text, response_id text, unit_code text, service text, response_date text,
                                        u1 text, u2 text, u3 text, u4 text, u5 text, u6 text, u7 text, u8 text,
                                        u9 text);
-- One copy of each identical duplicate (validation uses the first copy; the anti-join removed them all).
create temp table k_dup_attendance (nip text, work_date date, check_in time, check_out time, status text);
create temp table k_dup_activities (nip text, activity_date date, indicator_id text, quantity double precision,
                                    status text);
create temp table k_dup_feedback (ratee_nip text, rater_id text, rater_type text, year integer, quarter integer,
                                  aspect text, score double precision);
create temp table k_dup_survey_responses (unit_code text, response_date date,
                                          u1 double precision, u2 double precision, u3 double precision,
                                          u4 double precision, u5 double precision, u6 double precision,
                                          u7 double precision, u8 double precision, u9 double precision);
-- The period's scored feedback rows (filled by feedback_scored), read by feedback_type_stats and
-- feedback_aspect_stats.
create temp table k_feedback_scored (ratee_nip text, rater_id text, rater_type text, aspect text,
                                     score double precision)
