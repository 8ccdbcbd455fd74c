SELECT id, at FROM events WHERE kind = 'cart' AND customer_id = 77 AND at >= '2025-01-01' LIMIT 100
