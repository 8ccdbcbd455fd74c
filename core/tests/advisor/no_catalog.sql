-- database: none
SELECT * FROM t1, t2 WHERE t1.a = NULL
