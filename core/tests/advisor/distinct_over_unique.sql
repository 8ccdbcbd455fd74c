SELECT DISTINCT id, email FROM customers WHERE country = 'FR' LIMIT 100
