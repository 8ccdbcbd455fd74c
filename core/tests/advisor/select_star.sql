-- A point lookup by primary key that still ships every column.
SELECT * FROM orders WHERE id = 42
