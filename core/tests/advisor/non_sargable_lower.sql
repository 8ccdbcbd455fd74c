SELECT id, name FROM customers WHERE lower(email) = 'ann@example.com'
