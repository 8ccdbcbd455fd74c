SELECT id, name FROM products ORDER BY price DESC LIMIT 10
