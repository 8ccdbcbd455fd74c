-- orders_placed already leads with placed_at: no duplicate index.
SELECT id FROM orders WHERE placed_at >= '2024-12-01' AND placed_at < '2024-12-02' LIMIT 100
