-- Served by orders_customer; nothing to say but the cost.
SELECT id, total, placed_at FROM orders WHERE customer_id = 7 LIMIT 50
