-- indicators: the whole table, every column as text.
select indicator_id, unit_code, name, uom, direction, aggregation
from indicators
