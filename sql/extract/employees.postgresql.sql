-- employees: the whole table, every column as text.
select nip, name, employment_type, grade,
       to_char(active_from, 'YYYY-MM-DD') as active_from, to_char(active_to, 'YYYY-MM-DD') as active_to
from employees
