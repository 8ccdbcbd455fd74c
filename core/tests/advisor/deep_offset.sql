SELECT id, placed_at FROM orders ORDER BY placed_at LIMIT 20 OFFSET 200000
