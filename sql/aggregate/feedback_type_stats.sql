-- feedback_type_stats (methodology.md §4): per (ratee_nip, rater_type), distinct raters, ratings and score sum
-- of the period's scored feedback (k_feedback_scored, filled by feedback_scored). SQLite and PostgreSQL.
select ratee_nip, rater_type, count(distinct rater_id) as raters, count(*) as ratings, sum(score) as score_sum
from k_feedback_scored
group by ratee_nip, rater_type
