//! Linking one question against a synthetic warehouse of 1,000 tables and 20,000 columns with foreign keys
//! and sample values, all generated deterministically from word lists. The index is built once, as a host
//! does per catalog; the benchmark measures [`LinkIndex::link`].
//!
//! `cargo bench -p nl2sql-core --bench linker -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use nl2sql_core::catalog::{Catalog, Column, Dialect, ForeignKey, Samples, Table};
use nl2sql_core::linker::LinkIndex;
use std::hint::black_box;

const AREAS: &[&str] =
    &["sales", "finance", "hr", "inventory", "shipping", "marketing", "support", "billing", "procurement", "legal"];
const NOUNS: &[&str] = &[
    "customer",
    "order",
    "invoice",
    "product",
    "supplier",
    "employee",
    "shipment",
    "payment",
    "account",
    "contract",
    "campaign",
    "ticket",
    "warehouse",
    "region",
    "store",
    "vendor",
    "part",
    "asset",
    "budget",
    "claim",
    "lead",
    "partner",
    "project",
    "task",
    "course",
    "student",
    "policy",
    "device",
    "route",
    "vehicle",
    "booking",
    "room",
    "event",
    "member",
    "plan",
    "subscription",
    "refund",
    "review",
    "category",
    "brand",
    "discount",
    "tax",
    "currency",
    "country",
    "city",
    "address",
    "department",
    "position",
    "skill",
    "team",
];
const KINDS: &[&str] = &["", "item", "line", "history", "log", "detail", "status", "type", "note", "snapshot"];
const ATTRIBUTES: &[&str] = &[
    "name",
    "code",
    "amount",
    "total",
    "quantity",
    "price",
    "cost",
    "date",
    "created_at",
    "updated_at",
    "status",
    "description",
    "email",
    "phone",
    "city",
    "country",
    "rating",
    "score",
    "weight",
    "volume",
    "start_date",
    "end_date",
    "balance",
    "discount_rate",
    "tax_rate",
    "priority",
    "level",
    "title",
    "comment",
    "version",
    "owner",
    "region",
    "channel",
    "source",
    "currency",
    "duration",
    "capacity",
    "margin",
    "revenue",
    "profit",
];
const CITIES: &[&str] =
    &["Lyon", "Osaka", "Lima", "Quebec", "Porto", "Dakar", "Perth", "Bergen", "Cusco", "Tampere", "Graz", "Leeds"];

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn column(name: String, data_type: &str) -> Column {
    Column { name, data_type: data_type.into(), nullable: true, default: None, comment: None }
}

fn warehouse() -> (Catalog, Samples) {
    let mut rng = Lcg(42);
    let mut tables: Vec<Table> = Vec::new();
    let mut samples = Samples::new();
    let mut i = 0;
    while tables.len() < 1000 {
        let (area, noun, kind) = (AREAS[i % AREAS.len()], NOUNS[(i / AREAS.len()) % NOUNS.len()], KINDS[i / 500]);
        i += 1;
        let name = if kind.is_empty() { format!("{area}_{noun}") } else { format!("{area}_{noun}_{kind}") };
        let mut columns = vec![column(format!("{noun}_id"), "INTEGER")];
        let mut foreign_keys = Vec::new();
        // Up to three foreign keys to earlier tables.
        for _ in 0..rng.next(4).min(tables.len()) {
            let parent: &Table = &tables[rng.next(tables.len())];
            let key = format!("{}_ref", parent.name);
            if columns.iter().any(|c| c.name == key) {
                continue;
            }
            columns.push(column(key.clone(), "INTEGER"));
            foreign_keys.push(ForeignKey {
                columns: vec![key],
                ref_table: parent.name.clone(),
                ref_columns: vec![parent.columns[0].name.clone()],
            });
        }
        while columns.len() < 20 {
            let attribute = ATTRIBUTES[rng.next(ATTRIBUTES.len())];
            let name = if rng.next(3) == 0 { format!("{noun}_{attribute}") } else { attribute.to_owned() };
            if !columns.iter().any(|c| c.name == name) {
                let text = ["name", "city", "country", "status", "code", "email"].iter().any(|w| name.ends_with(w));
                columns.push(column(name, if text { "TEXT" } else { "NUMERIC" }));
            }
        }
        for c in columns.iter().filter(|c| c.data_type == "TEXT").take(2) {
            let values = (0..20).map(|k| format!("{} {}", CITIES[(k + i) % CITIES.len()], k)).collect();
            samples.entry(name.clone()).or_default().insert(c.name.clone(), values);
        }
        tables.push(Table {
            name,
            columns,
            primary_key: vec![format!("{noun}_id")],
            foreign_keys,
            unique: vec![],
            indexes: vec![],
            comment: None,
        });
    }
    (Catalog { dialect: Dialect::Postgres, tables }, samples)
}

fn bench(c: &mut Criterion) {
    let (catalog, samples) = warehouse();
    assert_eq!(catalog.tables.len(), 1000);
    assert_eq!(catalog.tables.iter().map(|t| t.columns.len()).sum::<usize>(), 20_000);
    let index = LinkIndex::new(&catalog, &samples);
    let questions = [
        "total invoice amount per customer region in 2023",
        "Which suppliers in 'Lyon 3' shipped the most parts last month?",
        "average salary of employees by department and position, highest first",
        "list the open support tickets with their priority and the customer's email",
    ];
    for (i, question) in questions.iter().enumerate() {
        c.bench_function(&format!("link 1000 tables, question {}", i + 1), |b| {
            b.iter(|| index.link(black_box(question), black_box(2000)))
        });
    }
    c.bench_function("index 1000 tables", |b| b.iter(|| LinkIndex::new(black_box(&catalog), &samples)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
