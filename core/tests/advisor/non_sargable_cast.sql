SELECT id FROM orders WHERE CAST(placed_at AS date) = '2024-03-01'
