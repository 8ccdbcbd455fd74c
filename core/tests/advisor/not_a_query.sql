INSERT INTO countries (code, name) VALUES ('NZ', 'New Zealand')
