-- A scripted workload for the SQLite shell, fed on standard input with the
-- database file test.db (in an otherwise empty directory) as its argument.
-- Its output must not depend on the platform: no clocks, no random(), no
-- paths, and floating-point results are printed with few digits.

.print '== setup'
.headers off
.mode list
SELECT sqlite_version();
PRAGMA journal_mode;
PRAGMA page_size;
PRAGMA foreign_keys = ON;
SELECT compile_options FROM pragma_compile_options
 WHERE compile_options NOT LIKE 'COMPILER=%' ORDER BY 1;

CREATE TABLE city(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  country TEXT NOT NULL
);
INSERT INTO city(id, name, country) VALUES
  (1, 'Lisboa', 'PT'), (2, 'Porto', 'PT'), (3, 'Sevilla', 'ES'),
  (4, 'Zaragoza', 'ES'), (5, 'Gent', 'BE'), (6, 'Liège', 'BE'),
  (7, 'Kraków', 'PL'), (8, 'Gdańsk', 'PL'), (9, 'Tromsø', 'NO'),
  (10, 'Åre', 'SE');

CREATE TABLE customer(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  city_id INTEGER NOT NULL REFERENCES city(id),
  since TEXT NOT NULL
);
CREATE TABLE product(
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents > 0),
  attrs TEXT CHECK (json_valid(attrs))
);
CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer(id),
  product_id INTEGER NOT NULL REFERENCES product(id),
  qty INTEGER NOT NULL,
  day TEXT NOT NULL
);

-- Deterministic pseudo-random data from recursive CTEs (a Lehmer generator).
WITH RECURSIVE seq(n, r) AS (
  SELECT 1, 48271
  UNION ALL
  SELECT n + 1, (r * 48271) % 2147483647 FROM seq WHERE n < 600
)
INSERT INTO customer(id, name, email, city_id, since)
SELECT n,
       json_extract('["Ana","Ben","Carla","Dan","Eva","Finn","Gil","Hugo","Ida","Jon","Kim","Leo"]',
                    printf('$[%d]', r % 12))
         || ' ' ||
       json_extract('["Silva","Smith","García","Nowak","Hansen","Dubois","Meyer","Rossi"]',
                    printf('$[%d]', (r / 12) % 8)),
       CASE WHEN n % 7 = 0 THEN NULL
            ELSE lower(printf('user%04d@example.%s', n,
                 substr('ptesbeplnose', 1 + 2 * (r % 6), 2))) END,
       1 + (r / 97) % 10,
       date('2019-01-01', printf('+%d days', (r / 13) % 1500))
FROM seq;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 120)
INSERT INTO product(id, sku, title, price_cents, attrs)
SELECT n,
       printf('SKU-%s%03d', char(65 + n % 26), n),
       printf('%s %s #%d',
         json_extract('["red","blue","green","black","white"]', printf('$[%d]', n % 5)),
         json_extract('["mug","lamp","chair","desk","shelf","kettle"]', printf('$[%d]', n % 6)),
         n),
       199 + (n * 7919) % 25000,
       json_object('weight_g', 50 + (n * 31) % 2000,
                   'tags', json_array(CASE n % 3 WHEN 0 THEN 'kitchen'
                                      WHEN 1 THEN 'office' ELSE 'home' END,
                                      CASE WHEN n % 4 = 0 THEN 'sale' ELSE 'new' END),
                   'dims', json_object('w', n % 50 + 10, 'h', n % 30 + 5))
FROM seq;

BEGIN;
WITH RECURSIVE seq(n, r) AS (
  SELECT 1, 16807
  UNION ALL
  SELECT n + 1, (r * 16807) % 2147483647 FROM seq WHERE n < 6000
)
INSERT INTO orders(id, customer_id, product_id, qty, day)
SELECT n,
       1 + r % 600,
       1 + (r / 600) % 120,
       1 + (r / 72000) % 9,
       date('2023-01-01', printf('+%d days', (r / 7) % 365))
FROM seq;
COMMIT;

CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_product_day ON orders(product_id, day);
CREATE INDEX customer_city ON customer(city_id, since);
ANALYZE;

SELECT 'customers', count(*) FROM customer
UNION ALL SELECT 'products', count(*) FROM product
UNION ALL SELECT 'orders', count(*) FROM orders;
PRAGMA integrity_check;
PRAGMA foreign_key_check;

.print '== joins and aggregates'
.headers on
.mode column
SELECT c.country,
       count(DISTINCT cu.id) AS customers,
       count(o.id) AS orders,
       sum(o.qty) AS items,
       printf('%.2f', sum(o.qty * p.price_cents) / 100.0) AS revenue
FROM city c
JOIN customer cu ON cu.city_id = c.id
JOIN orders o ON o.customer_id = cu.id
JOIN product p ON p.id = o.product_id
GROUP BY c.country
ORDER BY sum(o.qty * p.price_cents) DESC;

SELECT strftime('%m', day) AS month,
       count(*) AS orders,
       min(qty) AS min_qty,
       max(qty) AS max_qty,
       round(avg(qty), 3) AS avg_qty,
       total(qty * price_cents) AS cents
FROM orders JOIN product ON product.id = orders.product_id
GROUP BY month
HAVING count(*) > 400
ORDER BY month;

SELECT cu.name, ci.name AS city, count(*) AS n, sum(o.qty) AS items
FROM customer cu
JOIN city ci ON ci.id = cu.city_id
LEFT JOIN orders o ON o.customer_id = cu.id
GROUP BY cu.id
ORDER BY items DESC, cu.id
LIMIT 8;

SELECT count(*) AS customers_without_orders
FROM customer cu
WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = cu.id);

SELECT p.sku, p.title, count(o.id) AS orders
FROM product p LEFT JOIN orders o ON o.product_id = p.id AND o.day >= '2023-12-01'
GROUP BY p.id
ORDER BY orders DESC, p.sku
LIMIT 5;

EXPLAIN QUERY PLAN
SELECT sum(qty) FROM orders WHERE product_id = 42 AND day BETWEEN '2023-03-01' AND '2023-03-31';
SELECT sum(qty) AS march_42
FROM orders WHERE product_id = 42 AND day BETWEEN '2023-03-01' AND '2023-03-31';

.print '== window functions'
SELECT country, name, orders,
       rank() OVER (PARTITION BY country ORDER BY orders DESC) AS rank_in_country,
       sum(orders) OVER (PARTITION BY country) AS country_total
FROM (SELECT ci.country, ci.name, count(*) AS orders
      FROM orders o JOIN customer cu ON cu.id = o.customer_id
      JOIN city ci ON ci.id = cu.city_id
      GROUP BY ci.id)
ORDER BY country, rank_in_country;

SELECT day, daily,
       sum(daily) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
       round(avg(daily) OVER (ORDER BY day ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING), 2) AS week_avg,
       lag(daily) OVER (ORDER BY day) AS prev,
       lead(daily, 2, -1) OVER (ORDER BY day) AS next2
FROM (SELECT day, sum(qty) AS daily FROM orders GROUP BY day)
WHERE day BETWEEN '2023-06-01' AND '2023-06-12'
ORDER BY day;

SELECT bucket, count(*) AS products, min(price_cents) AS lo, max(price_cents) AS hi
FROM (SELECT price_cents, ntile(4) OVER (ORDER BY price_cents, id) AS bucket FROM product)
GROUP BY bucket;

SELECT id, qty,
       row_number() OVER w AS rn,
       dense_rank() OVER w AS dr,
       percent_rank() OVER w AS pr,
       first_value(id) OVER w AS first_id,
       group_concat(id, '/') OVER (w ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS around
FROM orders WHERE customer_id = 17
WINDOW w AS (ORDER BY qty DESC, id)
ORDER BY rn;

.print '== json'
.mode list
SELECT sku, json_extract(attrs, '$.weight_g'), attrs -> '$.tags' ->> 1, attrs ->> '$.dims.w'
FROM product WHERE id IN (1, 2, 3, 60);
SELECT json_group_array(sku) FROM (SELECT sku FROM product WHERE id <= 5 ORDER BY id);
SELECT json_group_object(tag, n) FROM (
  SELECT t.value AS tag, count(*) AS n
  FROM product, json_each(product.attrs, '$.tags') AS t
  GROUP BY t.value ORDER BY t.value);
SELECT fullkey, type, atom FROM json_tree('{"a":[1,2.5,{"b":null}],"c":"x"}');
SELECT json_set(attrs, '$.dims.d', 3, '$.tags[#]', 'extra'),
       json_remove(attrs, '$.weight_g'),
       json_patch('{"a":1,"b":2}', '{"b":null,"c":3}')
FROM product WHERE id = 7;
SELECT json('[1, 2,  3 ]'), json_valid('{x}'), json_type('{"a":[]}', '$.a'),
       json_quote('He said "hi"'), json_array_length('[1,[2,3],4]');

.print '== strings'
SELECT upper(name), lower(name), length(name), length(CAST(name AS BLOB)),
       unicode(name), hex(substr(name, 1, 2))
FROM city ORDER BY id;
SELECT replace('the quick brown fox', 'o', '0'), instr('mississippi', 'ssi'),
       substr('abcdefgh', -3), substr('abcdefgh', 2, 3),
       trim('  padded  ') || '|', ltrim('xxabcxx', 'x'), rtrim('xxabcxx', 'x'),
       char(72, 105, 33), quote('it''s'), quote(x'00ff'), soundex('Robert'),
       printf('%5d|%-5s|%08.3f|%x|%e|%q', 42, 'ab', 3.14159, 255, 12345.678, 'o''k');
SELECT group_concat(name, ', ') FROM (SELECT name FROM city WHERE country IN ('PL', 'BE') ORDER BY name);
SELECT count(*) FROM customer WHERE name LIKE 'a%' ;
SELECT count(*) FROM customer WHERE name GLOB '*[st]h*';
SELECT count(*), count(email), count(DISTINCT substr(email, instr(email, '@') + 1)) FROM customer;
SELECT substr(email, instr(email, '@') + 1) AS domain, count(*)
FROM customer WHERE email IS NOT NULL GROUP BY domain ORDER BY domain;
SELECT name FROM city ORDER BY name COLLATE NOCASE DESC;

.print '== dates and numbers'
SELECT date('2024-02-28', '+1 day'), date('2023-02-28', '+1 day'),
       strftime('%Y-%j %W %w', '2023-12-31'), julianday('2000-01-01') - julianday('1970-01-01'),
       datetime(1700000000, 'unixepoch'), date('2023-05-15', 'start of month', '+1 month', '-1 day');
SELECT 7 / 2, 7 / 2.0, 7 % 3, -7 % 3, 1 << 40, 0x7fffffffffffffff, 9223372036854775807 + 0,
       abs(-5), round(2.5), round(-2.5), round(3.14159, 3), sqrt(2.0) * sqrt(2.0) = 2.0,
       printf('%.6f', pi()), power(2, 10), floor(-1.5), ceil(-1.5), log10(1000), mod(10, 4),
       CAST('12abc' AS INTEGER), CAST(1e20 AS INTEGER), typeof(1), typeof(1.0), typeof('1'),
       typeof(x'01'), typeof(NULL), 1e300 * 1e300, 0.1 + 0.2, 1.0 / 3, 100.0 / 7;
SELECT sum(x), total(x), avg(x), max(x), min(x)
FROM (SELECT value * 0.5 AS x FROM generate_series(1, 100));

.print '== recursive queries'
WITH RECURSIVE fib(i, a, b) AS (
  SELECT 1, 0, 1 UNION ALL SELECT i + 1, b, a + b FROM fib WHERE i < 90
)
SELECT i, a FROM fib WHERE i % 15 = 0;

WITH RECURSIVE
  xaxis(x) AS (VALUES(-2.0) UNION ALL SELECT x + 0.05 FROM xaxis WHERE x < 1.2),
  yaxis(y) AS (VALUES(-1.0) UNION ALL SELECT y + 0.1 FROM yaxis WHERE y < 1.0),
  m(iter, cx, cy, x, y) AS (
    SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis
    UNION ALL
    SELECT iter + 1, cx, cy, x * x - y * y + cx, 2.0 * x * y + cy FROM m
    WHERE (x * x + y * y) < 4.0 AND iter < 28
  ),
  m2(iter, cx, cy) AS (SELECT max(iter), cx, cy FROM m GROUP BY cx, cy),
  a(t) AS (
    SELECT group_concat(substr(' .+*#', 1 + min(iter / 7, 4), 1), '')
    FROM m2 GROUP BY cy
  )
SELECT group_concat(rtrim(t), x'0a') FROM a;

WITH RECURSIVE tree(id, parent, depth, path) AS (
  SELECT 1, NULL, 0, '1'
  UNION ALL
  SELECT child.id, tree.id, tree.depth + 1, tree.path || '>' || child.id
  FROM tree JOIN (SELECT value AS id FROM generate_series(2, 40)) AS child
    ON child.id / 3 + 1 = tree.id AND child.id <> tree.id
)
SELECT depth, count(*), max(path) FROM tree GROUP BY depth;

.print '== full-text search'
CREATE VIRTUAL TABLE docs USING fts5(title, body);
INSERT INTO docs(title, body)
SELECT title,
       printf('%s made of %s, ships to %s. %s',
         title, CASE id % 3 WHEN 0 THEN 'steel' WHEN 1 THEN 'oak wood' ELSE 'glass' END,
         (SELECT name FROM city WHERE city.id = 1 + product.id % 10),
         CASE WHEN id % 4 = 0 THEN 'On sale this week.' ELSE 'New arrival.' END)
FROM product;
SELECT count(*) FROM docs WHERE docs MATCH 'glass AND sale';
SELECT rowid, highlight(docs, 1, '[', ']') FROM docs
WHERE docs MATCH 'oak AND lamp AND (kraków OR gdańsk)' ORDER BY rowid;
SELECT rowid, title, round(bm25(docs), 2) AS score FROM docs
WHERE docs MATCH 'sale AND (chair OR "black mug")' ORDER BY score, rowid LIMIT 5;
SELECT rowid FROM docs WHERE docs MATCH 'title:kettle NOT steel' ORDER BY rowid LIMIT 10;

.print '== transactions'
BEGIN;
DELETE FROM orders WHERE qty > 5;
UPDATE product SET price_cents = price_cents * 2;
INSERT INTO city(id, name, country) VALUES (11, 'Bergen', 'NO');
SELECT count(*), sum(qty) FROM orders;
SELECT sum(price_cents) FROM product;
ROLLBACK;
SELECT count(*), sum(qty) FROM orders;
SELECT sum(price_cents) FROM product;
SELECT count(*) FROM city;

BEGIN;
UPDATE customer SET email = NULL WHERE id <= 10;
SAVEPOINT sp1;
DELETE FROM orders WHERE customer_id <= 100;
SELECT count(*) FROM orders;
ROLLBACK TO sp1;
RELEASE sp1;
COMMIT;
SELECT count(*), count(email) FROM customer;
SELECT count(*) FROM orders;

-- Conflict clauses resolve constraint violations without an error.
BEGIN;
INSERT OR IGNORE INTO city(id, name, country) VALUES (1, 'Duplicate', 'XX');
INSERT OR REPLACE INTO product(id, sku, title, price_cents, attrs)
  VALUES (120, 'SKU-Q120', 'Replaced', 100, '{}');
UPDATE OR IGNORE city SET name = 'Porto' WHERE id = 1;
COMMIT;
SELECT name FROM city WHERE id = 1;
SELECT sku, title, price_cents FROM product WHERE id = 120;

CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER product_price AFTER UPDATE OF price_cents ON product BEGIN
  INSERT INTO audit(what) VALUES (printf('%s: %d -> %d', old.sku, old.price_cents, new.price_cents));
END;
UPDATE product SET price_cents = price_cents + 1 WHERE id % 40 = 0;
SELECT * FROM audit;
CREATE VIEW big_spenders AS
  SELECT customer_id, sum(qty * price_cents) AS spent
  FROM orders JOIN product ON product.id = product_id
  GROUP BY customer_id HAVING spent > 1000000;
SELECT count(*), max(spent) FROM big_spenders;
UPDATE orders SET qty = qty + 1 WHERE id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 3) RETURNING id, qty;
DELETE FROM orders WHERE id > 5990 RETURNING id;

.print '== r-tree'
CREATE VIRTUAL TABLE spot USING rtree(id, min_x, max_x, min_y, max_y);
INSERT INTO spot
SELECT value, (value * 37) % 1000 / 10.0, (value * 37) % 1000 / 10.0 + value % 7 + 0.25,
       (value * 91) % 1000 / 10.0, (value * 91) % 1000 / 10.0 + value % 5 + 0.5
FROM generate_series(1, 2000);
SELECT count(*) FROM spot WHERE min_x >= 10 AND max_x <= 20 AND min_y >= 30 AND max_y <= 60;
SELECT id, min_x, max_x, min_y, max_y FROM spot
WHERE max_x >= 50 AND min_x <= 50.5 AND max_y >= 50 AND min_y <= 50.5 ORDER BY id;

.print '== bigger data'
-- A small page cache makes the sorter and the temporary table spill to
-- temporary files, and a persistent journal is truncated instead of deleted.
PRAGMA cache_size = 64;
CREATE TEMP TABLE big AS
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000)
SELECT n, printf('%06d-%s', (n * 7919) % 100003, hex(n * n)) AS k, n % 97 AS g FROM seq;
CREATE INDEX temp.big_k ON big(k);
SELECT count(*), count(DISTINCT g), min(k), max(k), sum(length(k)) FROM big;
SELECT g, count(*), sum(n) FROM big GROUP BY g ORDER BY sum(n) DESC, g LIMIT 3;
SELECT k FROM big ORDER BY substr(k, 8), n LIMIT 3;
PRAGMA journal_mode = PERSIST;
BEGIN;
INSERT INTO orders(customer_id, product_id, qty, day)
SELECT 1 + n % 600, 1 + g, 1 + n % 3, date('2024-01-01', printf('+%d days', n % 31))
FROM big WHERE n % 4 = 0;
UPDATE customer SET since = date(since, '+1 year') WHERE id % 3 = 0;
COMMIT;
PRAGMA journal_mode = TRUNCATE;
DELETE FROM orders WHERE day >= '2024-01-01' AND qty = 3;
PRAGMA journal_mode = DELETE;
SELECT count(*), sum(qty), max(day) FROM orders;
DROP TABLE big;
PRAGMA cache_size = -2000;
PRAGMA integrity_check;

.print '== other files'
-- Write a second database file, then read it back.
ATTACH 'archive.db' AS archive;
CREATE TABLE archive.monthly AS
  SELECT strftime('%Y-%m', day) AS month, count(*) AS orders, sum(qty) AS items
  FROM orders GROUP BY month;
CREATE TABLE archive.blobs(id INTEGER PRIMARY KEY, zeros BLOB, digits BLOB);
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 50)
INSERT INTO archive.blobs
SELECT n, zeroblob(n * 300), CAST(printf('%0*d', n * 300, n) AS BLOB) FROM seq;
DETACH archive;
VACUUM INTO 'copy.db';
.backup backup.db

.open archive.db
.tables
SELECT * FROM monthly WHERE month IN ('2023-01', '2023-07', '2023-12');
SELECT count(*), sum(length(zeros)), sum(length(digits)), max(hex(substr(digits, -3)))
FROM blobs WHERE id >= 45;
PRAGMA integrity_check;

-- CSV out to a file and back in.
.open copy.db
.tables
SELECT count(*), sum(qty) FROM orders;
.headers on
.mode csv
.output orders.csv
SELECT o.id, cu.name, p.title, o.qty, o.day
FROM orders o JOIN customer cu ON cu.id = o.customer_id JOIN product p ON p.id = o.product_id
WHERE o.id % 10 = 0 ORDER BY o.id;
.output stdout
.import orders.csv imported
.mode list
SELECT count(*), sum(qty), min(day), max(name) FROM imported;
SELECT * FROM imported LIMIT 3;

-- A script written by one query and run with .read.
.headers off
.once script.sql
SELECT printf('SELECT %d AS n, %Q AS city;', id, name) FROM city WHERE id % 4 = 1;
.read script.sql

-- The backup taken with .backup, then a shrinking VACUUM of it.
.open backup.db
SELECT count(*), sum(qty) FROM orders;
DELETE FROM orders WHERE day >= '2024-01-01';
PRAGMA page_count;
VACUUM;
PRAGMA page_count;
PRAGMA freelist_count;
PRAGMA integrity_check;

.print '== output modes'
.open test.db
SELECT count(*) FROM orders;
.headers on
.mode box
SELECT id, name, country FROM city WHERE id <= 3;
.mode markdown
SELECT id, name, country FROM city WHERE id BETWEEN 4 AND 6;
.mode json
SELECT id, name, country FROM city WHERE id > 8;
.mode line
SELECT * FROM product WHERE id = 9;
.mode insert city
SELECT * FROM city WHERE id IN (6, 7);
.mode html
SELECT id, sku FROM product WHERE id < 3;
.mode tabs
SELECT id, title FROM product WHERE id < 3;
.mode quote
SELECT 1, 'x''y', NULL, 2.5, x'cafe';
.mode list
.separator |
.nullvalue NULL
SELECT id, email FROM customer WHERE id IN (7, 8);
.schema city
.dump audit
.print '== done'
