SELECT id, name FROM customers WHERE name LIKE '%smith' LIMIT 20
