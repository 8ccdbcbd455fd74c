-- referrer_id is nullable: one NULL and NOT IN returns nothing.
SELECT id FROM customers WHERE id NOT IN (SELECT referrer_id FROM customers) LIMIT 10
