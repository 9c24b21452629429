-- feedback whose (year, quarter) lies in the period (year, quarter_from .. quarter_to), plus rows
-- whose year or quarter is not an integer year 1900-2100 / quarter 1-4.
-- Every column is cast to text here, so that sqlite3 and the Arrow reader (kinerja.extract) read the same.
select cast(feedback_id as text) as feedback_id, cast(ratee_nip as text) as ratee_nip,
       cast(rater_id as text) as rater_id, cast(rater_type as text) as rater_type,
       cast(year as text) as year, cast(quarter as text) as quarter, cast(aspect as text) as aspect,
       cast(score as text) as score, cast(comment as text) as comment,
       cast(submitted_at as text) as submitted_at
from feedback
where (year = :year and quarter between :quarter_from and :quarter_to)
   or year is null or quarter is null
   or typeof(year) <> 'integer' or typeof(quarter) <> 'integer'
   or year not between 1900 and 2100
   or quarter not between 1 and 4
