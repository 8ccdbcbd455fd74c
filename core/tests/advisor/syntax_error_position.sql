SELECT id,
  total
FROM orders WHERE status = = 'x'
