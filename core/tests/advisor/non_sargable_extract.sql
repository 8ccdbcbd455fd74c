SELECT count(*) FROM orders WHERE extract(year FROM placed_at) = 2024
