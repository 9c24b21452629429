-- Drop the session's temporary tables (SQLite keeps them on a pooled connection otherwise).
drop table if exists k_workday;
drop table if exists k_emp;
drop table if exists k_unknown;
drop table if exists k_status;
drop table if exists k_band;
drop table if exists k_target;
drop table if exists k_q_attendance;
drop table if exists k_q_activities;
drop table if exists k_q_feedback;
drop table if exists k_q_survey_responses;
drop table if exists k_dup_attendance;
drop table if exists k_dup_activities;
drop table if exists k_dup_feedback;
drop table if exists k_dup_survey_responses;
drop table if exists k_feedback_scored
