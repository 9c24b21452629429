-- work_schedules: the whole table, every column as text.
select cast(valid_from as text) as valid_from, cast(valid_to as text) as valid_to,
       cast(weekday as text) as weekday,
       cast(start_time as text) as start_time, cast(end_time as text) as end_time
from work_schedules
