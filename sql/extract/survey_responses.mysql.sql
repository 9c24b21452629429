-- survey responses dated in the period (date_from .. date_to), plus rows without a response_date (MySQL/MariaDB).
select response_id, unit_code, service, date_format(response_date, '%Y-%m-%d') as response_date,
       cast(u1 as char) as u1, cast(u2 as char) as u2, cast(u3 as char) as u3,
       cast(u4 as char) as u4, cast(u5 as char) as u5, cast(u6 as char) as u6,
       cast(u7 as char) as u7, cast(u8 as char) as u8, cast(u9 as char) as u9
from survey_responses
where response_date between :date_from and :date_to
   or response_date is null
