-- employees: the whole table, every column as text (MySQL/MariaDB).
select nip, name, employment_type, grade,
       date_format(active_from, '%Y-%m-%d') as active_from, date_format(active_to, '%Y-%m-%d') as active_to
from employees
