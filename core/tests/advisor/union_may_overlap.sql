-- Branches may return the same city: UNION is needed.
SELECT city FROM customers WHERE country = 'NO' UNION SELECT city FROM customers WHERE created_at > '2024-01-01'
