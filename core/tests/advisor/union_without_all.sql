SELECT id, 'new' AS state FROM orders WHERE status = 'new'
UNION
SELECT id, 'paid' FROM orders WHERE status = 'paid'
