SELECT o.id, o.total
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.placed_at >= '2024-06-01' LIMIT 100
