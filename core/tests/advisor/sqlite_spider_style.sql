-- dialect: sqlite
-- Spider writes strings in double quotes; SQLite reads an unknown double-quoted word as text.
SELECT T1.name FROM customers AS T1 JOIN orders AS T2 ON T1.id = T2.customer_id WHERE T2.status = "new" AND T1.phone = 5551234
