SELECT id FROM customers WHERE city = 'Oslo' OR phone = '555-0100'
