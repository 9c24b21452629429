-- feedback_aspect_stats (methodology.md §4): per (ratee_nip, rater_type, aspect), ratings and score sum of the
-- period's scored feedback that names an aspect (k_feedback_scored, filled by feedback_scored). SQLite and
-- PostgreSQL.
select ratee_nip, rater_type, aspect, count(*) as ratings, sum(score) as score_sum
from k_feedback_scored
where aspect is not null
group by ratee_nip, rater_type, aspect
