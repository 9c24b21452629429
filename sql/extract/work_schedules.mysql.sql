-- work_schedules: the whole table, every column as text (MySQL/MariaDB).
select date_format(valid_from, '%Y-%m-%d') as valid_from, date_format(valid_to, '%Y-%m-%d') as valid_to,
       cast(weekday as char) as weekday,
       time_format(start_time, '%H:%i:%s') as start_time, time_format(end_time, '%H:%i:%s') as end_time
from work_schedules
