-- customer_id is NOT NULL: NOT IN is safe here.
SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM orders WHERE status = 'new') LIMIT 10
