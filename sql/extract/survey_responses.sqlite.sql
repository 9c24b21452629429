-- survey responses dated in the period (date_from .. date_to), plus rows whose response_date is not a real date.
select cast(response_id as text) as response_id, unit_code, service,
       cast(response_date as text) as response_date,
       cast(u1 as text) as u1, cast(u2 as text) as u2, cast(u3 as text) as u3,
       cast(u4 as text) as u4, cast(u5 as text) as u5, cast(u6 as text) as u6,
       cast(u7 as text) as u7, cast(u8 as text) as u8, cast(u9 as text) as u9
from survey_responses
where response_date between :date_from and :date_to
   or response_date is null
   or date(response_date, '+0 days') is not response_date
