-- employees: the whole table, every column as text (SQLite keeps what was stored, e.g. 'abc' in a DATE).
select cast(nip as text) as nip, name, employment_type, grade,
       cast(active_from as text) as active_from, cast(active_to as text) as active_to
from employees
