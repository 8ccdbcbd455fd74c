SELECT id FROM orders WHERE status = 'new' AND
