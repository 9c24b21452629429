-- feedback_scored (methodology.md §4), SQLite: the used feedback rows whose (year, quarter) lies in the
-- period and that carry a score, a ratee and a rater type, into k_feedback_scored (sql/aggregate/setup.sql):
-- the one input of feedback_type_stats and feedback_aspect_stats.
-- Used rows: source rows of the window minus quarantined contents (k_q_feedback, compared as
-- extract/feedback reads them) plus one copy of identical duplicates (k_dup_feedback).
-- Parameters: year, quarter_from, quarter_to.
insert into k_feedback_scored (ratee_nip, rater_id, rater_type, aspect, score)
with fb as (
    select f.ratee_nip, f.rater_id, f.rater_type, f.year, f.quarter, f.aspect, f.score
    from feedback f
    where f.year = :year and f.quarter between :quarter_from and :quarter_to
      and not exists (
          select 1 from k_q_feedback q
          where q.k = coalesce(cast(f.feedback_id as text), '')
            and q.feedback_id is cast(f.feedback_id as text)
            and q.ratee_nip is cast(f.ratee_nip as text)
            and q.rater_id is cast(f.rater_id as text)
            and q.rater_type is f.rater_type
            and q.year is cast(f.year as text)
            and q.quarter is cast(f.quarter as text)
            and q.aspect is f.aspect
            and q.score is cast(f.score as text)
            and q.comment is f.comment
            and q.submitted_at is cast(f.submitted_at as text))
    union all
    select d.ratee_nip, d.rater_id, d.rater_type, d.year, d.quarter, d.aspect, d.score from k_dup_feedback d
),
scored as (
    select fb.ratee_nip, fb.rater_id, fb.rater_type, fb.aspect, cast(fb.score as double precision) as score
    from fb
    where fb.year = :year and fb.quarter between :quarter_from and :quarter_to
      and fb.score is not null and fb.ratee_nip is not null and fb.rater_type is not null
)
select ratee_nip, rater_id, rater_type, aspect, score from scored
