-- dialect: mysql
SELECT id FROM customers WHERE phone = 5551234 LIMIT 10
