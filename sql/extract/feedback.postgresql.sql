-- feedback whose (year, quarter) lies in the period (year, quarter_from .. quarter_to), plus rows
-- whose year or quarter is missing or out of range (year 1900-2100, quarter 1-4).
select feedback_id, ratee_nip, rater_id, rater_type, cast(year as text) as year,
       cast(quarter as text) as quarter, aspect, cast(score as text) as score, comment,
       to_char(submitted_at, 'YYYY-MM-DD HH24:MI:SS') as submitted_at
from feedback
where (year = :year and quarter between :quarter_from and :quarter_to)
   or year is null or quarter is null
   or year not between 1900 and 2100
   or quarter not between 1 and 4
