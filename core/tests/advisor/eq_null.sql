SELECT id FROM orders WHERE shipped_at = NULL LIMIT 10
