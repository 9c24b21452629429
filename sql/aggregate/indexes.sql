-- Indexes and statistics of the session's temporary tables, once they are filled.
create index k_workday_day on k_workday (day);
create index k_unknown_key on k_unknown (nip, day);
create index k_emp_nip on k_emp (nip);
create index k_target_key on k_target (nip, indicator_id, quarter);
create index k_q_attendance_k on k_q_attendance (k);
create index k_q_activities_k on k_q_activities (k);
create index k_q_feedback_k on k_q_feedback (k);
create index k_q_survey_responses_k on k_q_survey_responses (k);
create index k_dup_attendance_key on k_dup_attendance (nip, work_date);
analyze k_workday;
analyze k_emp;
analyze k_unknown;
analyze k_status;
analyze k_band;
analyze k_target;
analyze k_q_attendance;
analyze k_q_activities;
analyze k_q_feedback;
analyze k_q_survey_responses;
analyze k_dup_attendance;
analyze k_dup_activities;
analyze k_dup_feedback;
analyze k_dup_survey_responses
