-- 7% of 30 million orders, no LIMIT.
SELECT id, total FROM orders WHERE status = 'shipped'
