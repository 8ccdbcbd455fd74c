WITH recent AS (SELECT customer_id, total FROM orders WHERE placed_at >= '2025-01-01')
SELECT c.name, r.total FROM (SELECT id, name FROM customers WHERE country = 'IS') c JOIN recent r ON r.customer_id = c.id
