SELECT id FROM orders WHERE total * 1.2 > 1000 LIMIT 50
