-- phone is varchar: a number literal makes the database convert every phone.
SELECT id FROM customers WHERE phone = 5551234 LIMIT 10
