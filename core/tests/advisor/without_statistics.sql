-- statistics: off
SELECT id FROM orders WHERE coupon = 'WELCOME' LIMIT 10
