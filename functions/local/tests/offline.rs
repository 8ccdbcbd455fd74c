//! The offline translator against real data.
//!
//! Every Chinook question is translated, its SQL is run on the real Chinook SQLite database and the rows are
//! checked; all generated SQL is also pinned in `core/tests/fixtures/offline.chinook.snap`. After an intended change,
//! regenerate the snapshot with `NL2SQL_BLESS=1 cargo test -p nl2sql-core --test offline` and review the
//! diff. A hand-written snake_case PostgreSQL shop schema proves nothing here is Chinook-specific.

use nl2sql_core::Error;
use nl2sql_core::catalog::{Catalog, Dialect, Samples};
use nl2sql_core::offline::{Options, Translation, translate};
use rusqlite::{Connection, OpenFlags, types::ValueRef};

const LIMIT: u64 = 1000;
const FULL: usize = LIMIT as usize;

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/../../core/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path} is readable: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {path} is valid JSON: {e}"))
}

fn chinook() -> (Catalog, Samples) {
    (fixture("chinook.catalog.json"), fixture("chinook.samples.json"))
}

fn shop() -> (Catalog, Samples) {
    (fixture("shop.catalog.json"), fixture("shop.samples.json"))
}

fn ask(question: &str, (catalog, samples): &(Catalog, Samples)) -> Translation {
    translate(question, catalog, samples, &Options { limit: LIMIT })
        .unwrap_or_else(|e| panic!("{question:?} should translate, got {e}"))
}

fn chinook_db() -> Connection {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/chinook.sqlite");
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the Chinook file opens")
}

/// Runs `sql` on the Chinook database and returns every value as text (reals with 4 decimals).
fn run(sql: &str) -> Vec<Vec<String>> {
    let db = chinook_db();
    let mut statement = db.prepare(sql).unwrap_or_else(|e| panic!("SQLite rejects {sql}: {e}"));
    let width = statement.column_count();
    let rows = statement.query_map([], |row| {
        (0..width)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Null => "NULL".to_owned(),
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) => format!("{x:.4}"),
                    ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
                })
            })
            .collect::<rusqlite::Result<Vec<String>>>()
    });
    let rows = rows.unwrap_or_else(|e| panic!("SQLite fails on {sql}: {e}"));
    rows.collect::<rusqlite::Result<_>>().unwrap_or_else(|e| panic!("SQLite fails on {sql}: {e}"))
}

/// What the rows of a question must look like.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exactly this many rows.
    Rows(usize),
    /// The first row starts with these values.
    First(&'static [&'static str]),
    /// Column `i` holds numbers in descending order.
    Descending(usize),
    /// Every value of column `i` is this.
    All(usize, &'static str),
    /// The same rows, in any order, as this hand-written query.
    Same(&'static str),
    /// The SQL contains this text.
    Sql(&'static str),
}

use Expect::*;

#[rustfmt::skip]
const CHINOOK: &[(&str, &[Expect])] = &[
    ("How many tracks are there?", &[Rows(1), First(&["3503"])]),
    ("What is the number of albums?", &[First(&["347"])]),
    ("Which 5 artists have the most albums?", &[Rows(5), First(&["Iron Maiden", "21"]), Descending(1)]),
    ("Which artist has the most albums?", &[Rows(1), First(&["Iron Maiden", "21"])]),
    ("How many customers are there in each country?", &[Rows(24), First(&["USA", "13"]), Descending(1)]),
    ("average unit price of tracks", &[Rows(1), First(&["1.0508"])]),
    ("customers from Brazil", &[Rows(5), Same("SELECT CustomerId, FirstName, LastName FROM Customer WHERE Country = 'Brazil'")]),
    ("number of tracks per genre", &[Rows(25), First(&["Rock", "1297"]), Descending(1)]),
    ("invoices with a total over 20", &[Rows(4), Same("SELECT * FROM Invoice WHERE Total > 20")]),
    ("top 3 longest tracks", &[Rows(3), First(&["2820", "Occupation / Precipice", "5286953"]), Descending(2)]),
    ("List all genres", &[Rows(25), Same("SELECT GenreId, Name FROM Genre")]),
    ("What are the genres?", &[Rows(25)]),
    ("List all albums", &[Rows(347)]),
    ("Show the names of employees", &[Rows(8), Same("SELECT LastName, FirstName FROM Employee")]),
    ("How many tracks are in the genre Rock?", &[First(&["1297"])]),
    ("tracks in the genre Rock", &[Rows(FULL), Sql("Genre.Name = 'Rock'")]),
    ("rock tracks", &[Rows(FULL), Sql("Genre.Name = 'Rock'")]),
    ("How many tracks longer than 300000 milliseconds?", &[First(&["1069"])]),
    ("tracks longer than 5 minutes", &[Rows(FULL), Sql("Milliseconds > 300000")]),
    ("tracks between 200000 and 201000 milliseconds", &[Same("SELECT TrackId, Name, Milliseconds FROM Track WHERE Milliseconds BETWEEN 200000 AND 201000")]),
    ("the 10 most expensive tracks", &[Rows(10), Descending(2), Sql("ORDER BY UnitPrice DESC")]),
    ("What is the total of invoices?", &[Rows(1), First(&["2328.6000"])]),
    ("total of invoices per billing country", &[Rows(24), First(&["USA", "523.0600"])]),
    ("top 3 customers by invoice total", &[Rows(3), First(&["Helena", "Holý", "49.6200"])]),
    ("Which customers spent the most?", &[First(&["Helena", "Holý", "49.6200"]), Descending(2)]),
    ("artists with more than 10 albums", &[Rows(3), First(&["Iron Maiden", "21"]), Descending(1)]),
    ("How many customers does each employee support?", &[Rows(3), Sql("GROUP BY Employee.EmployeeId")]),
    ("How many customers does each support rep have?", &[Rows(3), First(&["Peacock", "Jane", "21"])]),
    ("Which genre has the fewest tracks?", &[Rows(1), First(&["Opera", "1"])]),
    ("Which media type has the largest average bytes?", &[Rows(1), Sql("AVG(Track.Bytes)")]),
    ("How many countries do customers come from?", &[First(&["24"])]),
    ("tracks by AC/DC", &[Rows(18), Sql("Artist.Name = 'AC/DC'")]),
    ("How many invoices were there in 2023?", &[Same("SELECT COUNT(*) FROM Invoice WHERE InvoiceDate LIKE '2023%'")]),
    ("Which employees were hired after 2003?", &[Same("SELECT EmployeeId, LastName, FirstName, HireDate FROM Employee WHERE substr(HireDate, 1, 4) > '2003'")]),
    ("customers from Brazil or Canada", &[Rows(13), Sql("IN ('Brazil', 'Canada')")]),
    ("customers named O'Reilly", &[Rows(1), First(&["46", "Hugh", "O'Reilly"])]),
    ("employees sorted by last name", &[Rows(8), First(&["1", "Adams", "Andrew"])]),
    ("How many customers have invoices?", &[First(&["59"]), Sql("COUNT(DISTINCT Customer.CustomerId)")]),
    ("what is the highest unit price?", &[First(&["1.9900"])]),
    ("average milliseconds of tracks for each media type", &[Rows(5), Descending(1)]),
    ("playlists with more than 1000 tracks", &[Rows(3), Sql("HAVING COUNT(DISTINCT Track.TrackId) > 1000")]),
    ("albums named 'Let There Be Rock'", &[Rows(1), First(&["4", "Let There Be Rock"])]),
    ("How many tracks does the album Let There Be Rock have?", &[First(&["8"])]),
    ("name of the artist of the album Big Ones", &[Rows(1), First(&["Aerosmith"])]),
    ("invoices with billing country Germany", &[Rows(28), All(6, "Germany")]),
    ("Show the track names and their genre", &[Rows(FULL), Sql("Track.Name AS track_name, Genre.Name AS genre_name")]),
    ("Who is the oldest employee?", &[Rows(1), First(&["4", "Park", "Margaret"])]),
    ("List the 5 most recent invoices", &[Rows(5), Sql("ORDER BY InvoiceDate DESC")]),
];

/// Checks one question's SQL and rows; returns what is wrong.
fn check(question: &str, t: &Translation, expectations: &[Expect]) -> Option<String> {
    let rows = run(&t.sql);
    let numbers = |i: usize| rows.iter().map(|r| r[i].parse().unwrap_or(f64::NAN)).collect::<Vec<f64>>();
    let wrong = |expect: &Expect| match *expect {
        Rows(n) => rows.len() != n,
        First(values) => rows.first().is_none_or(|r| r.len() < values.len() || r[..values.len()] != *values),
        Descending(i) => !numbers(i).windows(2).all(|w| w[0] >= w[1]),
        All(i, value) => !rows.iter().all(|r| r[i] == value),
        Same(oracle) => {
            let (mut got, mut want) = (rows.clone(), run(oracle));
            got.sort();
            want.sort();
            got != want
        }
        Sql(text) => !t.sql.contains(text),
    };
    let mut problems: Vec<String> = expectations.iter().filter(|e| wrong(e)).map(|e| format!("{e:?}")).collect();
    if !t.sql.starts_with("SELECT ") || !t.sql.contains(" LIMIT ") {
        problems.push("not a SELECT with a LIMIT".into());
    }
    if !(0.0..=1.0).contains(&t.confidence) || t.explanation.is_empty() || t.tables.is_empty() {
        problems.push(format!("bad metadata {t:?}"));
    }
    let first_rows = &rows[..rows.len().min(4)];
    (!problems.is_empty())
        .then(|| format!("{question}\n  sql:  {}\n  rows: {first_rows:?}\n  failed: {}", t.sql, problems.join(", ")))
}

#[test]
fn chinook_questions_return_the_right_rows() {
    let schema = chinook();
    let mut snapshot = String::new();
    let mut failures = Vec::new();
    for (question, expectations) in CHINOOK {
        let t = ask(question, &schema);
        snapshot.push_str(&format!("-- {question}\n{}\n\n", t.sql));
        failures.extend(check(question, &t, expectations));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../core/tests/fixtures/offline.chinook.snap");
    if std::env::var_os("NL2SQL_BLESS").is_some() {
        std::fs::write(path, &snapshot).expect("the snapshot is writable");
    }
    let (n, total) = (failures.len(), CHINOOK.len());
    assert!(failures.is_empty(), "{n} of {total} questions failed:\n{}", failures.join("\n"));
    let pinned = std::fs::read_to_string(path).unwrap_or_default();
    assert!(pinned == snapshot, "generated SQL differs from {path}; rerun with NL2SQL_BLESS=1 and review the diff");
}

#[test]
fn snake_case_schema_gets_the_same_treatment() {
    let schema = shop();
    let cases = [
        ("How many orders are there?", "SELECT COUNT(*) AS order_count FROM orders LIMIT 1000"),
        ("average price of products", "SELECT AVG(price) AS avg_price FROM products LIMIT 1000"),
        (
            "number of orders per customer",
            "SELECT customers.name, COUNT(*) AS order_count FROM orders JOIN customers ON \
             orders.customer_id = customers.id GROUP BY customers.id, customers.name ORDER BY \
             order_count DESC, customers.name LIMIT 1000",
        ),
        ("customers from Germany", "SELECT id, name FROM customers WHERE country = 'Germany' LIMIT 1000"),
        (
            "Which 3 products have the most order items?",
            "SELECT products.name, COUNT(*) AS order_item_count FROM products JOIN order_items ON \
             order_items.product_id = products.id GROUP BY products.id, products.name ORDER BY \
             order_item_count DESC, products.name LIMIT 3",
        ),
        (
            "total quantity of order items per product category",
            "SELECT products.category, SUM(order_items.quantity) AS sum_quantity FROM order_items \
             JOIN products ON order_items.product_id = products.id GROUP BY products.category ORDER \
             BY sum_quantity DESC, products.category LIMIT 1000",
        ),
        (
            "total amount of orders per status",
            "SELECT status, SUM(total_amount) AS sum_total_amount FROM orders GROUP BY status ORDER \
             BY sum_total_amount DESC, status LIMIT 1000",
        ),
        (
            "orders with a total amount over 100",
            "SELECT id, customer_id, order_date, status, total_amount FROM orders WHERE \
             total_amount > 100 LIMIT 1000",
        ),
        ("How many pending orders?", "SELECT COUNT(*) AS order_count FROM orders WHERE status = 'pending' LIMIT 1000"),
        (
            "orders placed in 2024",
            "SELECT id, customer_id, order_date, status, total_amount FROM orders WHERE order_date \
             >= '2024-01-01' AND order_date < '2025-01-01' LIMIT 1000",
        ),
        (
            "the 5 heaviest products",
            "SELECT id, name, weight_grams FROM products ORDER BY weight_grams DESC, id LIMIT 5",
        ),
        (
            "customers who ordered Chess Set",
            "SELECT DISTINCT customers.id, customers.name FROM customers JOIN orders ON \
             orders.customer_id = customers.id JOIN order_items ON order_items.order_id = orders.id \
             JOIN products ON order_items.product_id = products.id WHERE products.name = 'Chess Set' \
             LIMIT 1000",
        ),
        (
            "Which 2 products were ordered the most?",
            "SELECT products.name, COUNT(DISTINCT orders.id) AS order_count FROM products JOIN \
             order_items ON order_items.product_id = products.id JOIN orders ON order_items.order_id \
             = orders.id GROUP BY products.id, products.name ORDER BY order_count DESC, products.name \
             LIMIT 2",
        ),
        (
            "top 5 customers by total amount",
            "SELECT customers.name, SUM(orders.total_amount) AS sum_total_amount FROM customers JOIN \
             orders ON orders.customer_id = customers.id GROUP BY customers.id, customers.name ORDER \
             BY sum_total_amount DESC, customers.name LIMIT 5",
        ),
        ("customer names and their cities", "SELECT name, city FROM customers LIMIT 1000"),
    ];
    let mut failures = Vec::new();
    for (question, sql) in cases {
        let got = ask(question, &schema).sql;
        if got != sql {
            failures.push(format!("{question}\n  want: {sql}\n  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `InvoiceLine` → "invoice line", `customer_id` → "customer id": how people write schema names.
fn words(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c == '_' {
            out.push(' ');
        } else {
            if c.is_uppercase() && i > 0 && !out.ends_with(' ') {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Every question shape over every table and column of Chinook yields SQL that SQLite runs, within the
/// limit.
#[test]
fn every_question_shape_runs_on_every_table() {
    let (catalog, samples) = chinook();
    let db = chinook_db();
    let mut failures = Vec::new();
    let mut count = 0;
    for table in &catalog.tables {
        let t = words(&table.name);
        let mut questions = vec![
            format!("How many {t}s are there?"),
            format!("List all {t}s"),
            format!("top 3 {t}s"),
            format!("{t}s sorted by name descending"),
        ];
        for other in &catalog.tables {
            let o = words(&other.name);
            questions.push(format!("number of {t}s per {o}"));
            questions.push(format!("Which 3 {t}s have the most {o}s?"));
            questions.push(format!("{t}s with more than 2 {o}s"));
        }
        for column in &table.columns {
            let c = words(&column.name);
            questions.push(format!("Show the {c} of {t}s"));
            questions.push(format!("average {c} of {t}s per {c}"));
            questions.push(format!("{t}s with a {c} over 10"));
            questions.push(format!("the 2 {t}s with the highest {c}"));
            questions.push(format!("maximum {c} of {t}s"));
        }
        for question in questions {
            count += 1;
            let t = match translate(&question, &catalog, &samples, &Options { limit: 7 }) {
                Ok(t) => t,
                Err(Error::Untranslatable(_)) => continue,
                Err(e) => panic!("{question}: {e}"),
            };
            let limit = t.sql.rsplit_once(" LIMIT ").and_then(|(_, n)| n.parse::<u64>().ok());
            let rows = (db.prepare(&t.sql)).and_then(|mut s| s.query_map([], |_| Ok(())).map(|rows| rows.count()));
            match (limit, rows) {
                (Some(limit), Ok(n)) if limit <= 7 && n as u64 <= limit => {}
                other => failures.push(format!("{question}\n  {}\n  {other:?}", t.sql)),
            }
        }
    }
    assert!(count > 500);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn postgres_and_mysql_quote_identifiers() {
    let (mut catalog, samples) = chinook();
    let options = Options { limit: 50 };
    catalog.dialect = Dialect::Postgres;
    let t = translate("customers from Brazil", &catalog, &samples, &options).expect("translates");
    assert_eq!(
        t.sql,
        r#"SELECT "CustomerId", "FirstName", "LastName" FROM "Customer" WHERE "Country" = 'Brazil' LIMIT 50"#
    );
    let t = translate("tracks per genre", &catalog, &samples, &options).expect("translates");
    let join = r#"FROM "Track" JOIN "Genre" ON "Track"."GenreId" = "Genre"."GenreId""#;
    assert!(
        t.sql.starts_with(r#"SELECT "Genre"."Name", COUNT(*) AS track_count "#) && t.sql.contains(join),
        "{}",
        t.sql
    );
    catalog.dialect = Dialect::Mysql;
    let t = translate(r"albums named 'Back\Slash'", &catalog, &samples, &options).expect("translates");
    assert!(t.sql.contains(r"LIKE '%Back\\Slash%'"), "{}", t.sql);
}

#[test]
fn limits_are_always_present_and_capped() {
    let (catalog, samples) = chinook();
    let t = translate("top 50 longest tracks", &catalog, &samples, &Options { limit: 20 }).expect("translates");
    assert!(t.sql.ends_with(" LIMIT 20"), "{}", t.sql);
    assert_eq!(run(&t.sql).len(), 20);
    let t = translate("How many tracks?", &catalog, &samples, &Options { limit: 20 }).expect("translates");
    assert!(t.sql.ends_with(" LIMIT 20"), "{}", t.sql);
}

#[test]
fn literals_are_escaped() {
    let schema = chinook();
    let t = ask(r#"albums titled "It's Alive""#, &schema);
    assert!(t.sql.contains("LIKE '%It''s Alive%'"), "{}", t.sql);
    assert!(run(&t.sql).is_empty());
    let t = ask("customers named O'Reilly", &schema);
    assert!(t.sql.contains("= 'O''Reilly'"), "{}", t.sql);
}

#[test]
fn confidence_drops_when_guessing() {
    let schema = chinook();
    let clear = ask("How many tracks are there?", &schema);
    assert!(clear.confidence >= 0.9, "{clear:?}");
    let vague = ask("How many tracks did Zorblax frobnicate yesterday?", &schema);
    assert!(vague.confidence < clear.confidence, "{vague:?}");
    assert!(vague.explanation.contains("\"Zorblax\""), "{vague:?}");
    let guessed = ask("average of products", &shop());
    assert_eq!(guessed.sql, "SELECT AVG(price) AS avg_price FROM products LIMIT 1000");
    assert!(guessed.confidence < clear.confidence, "{guessed:?}");
}

#[test]
fn unrelated_questions_are_untranslatable() {
    let (catalog, samples) = chinook();
    for question in ["What is the weather like on Mars tomorrow?", "", "???"] {
        match translate(question, &catalog, &samples, &Options { limit: 10 }) {
            Err(Error::Untranslatable(message)) => assert!(message.contains("no table"), "{message}"),
            other => panic!("{question:?} should be untranslatable, got {other:?}"),
        }
    }
}
