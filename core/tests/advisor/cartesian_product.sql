SELECT c.name, o.total FROM customers c, orders o WHERE o.status = 'new' LIMIT 10
