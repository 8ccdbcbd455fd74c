SELECT id, name FROM products ORDER BY random() LIMIT 5
