SELECT name FROM customers WHERE id IN (
  SELECT customer_id FROM orders WHERE id IN (
    SELECT order_id FROM order_items WHERE product_id IN (
      SELECT id FROM products WHERE category = 'books'))) LIMIT 10
