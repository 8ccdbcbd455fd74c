-- events has no index on customer_id: every lookup would scan 300 million rows.
SELECT e.kind, e.at FROM customers c JOIN events e ON e.customer_id = c.id WHERE c.email = 'ann@example.com'
