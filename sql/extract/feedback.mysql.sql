-- feedback whose (year, quarter) lies in the period (year, quarter_from .. quarter_to), plus rows
-- whose year or quarter is missing or out of range (year 1900-2100, quarter 1-4) (MySQL/MariaDB).
select feedback_id, ratee_nip, rater_id, rater_type, cast(year as char) as year,
       cast(quarter as char) as quarter, aspect, cast(score as char) as score, comment,
       date_format(submitted_at, '%Y-%m-%d %H:%i:%s') as submitted_at
from feedback
where (year = :year and quarter between :quarter_from and :quarter_to)
   or year is null or quarter is null
   or year not between 1900 and 2100
   or quarter not between 1 and 4
