use super::*;
use crate::catalog::{Column, Dialect, ForeignKey, Table};

fn column(name: &str, data_type: &str) -> Column {
    Column { name: name.into(), data_type: data_type.into(), nullable: true, default: None, comment: None }
}

fn table(name: &str, columns: &[(&str, &str)], fks: &[(&str, &str, &str)]) -> Table {
    Table {
        name: name.into(),
        columns: columns.iter().map(|(n, t)| column(n, t)).collect(),
        primary_key: vec![columns[0].0.into()],
        foreign_keys: fks
            .iter()
            .map(|(c, t, r)| ForeignKey {
                columns: vec![(*c).into()],
                ref_table: (*t).into(),
                ref_columns: vec![(*r).into()],
            })
            .collect(),
        unique: vec![],
        indexes: vec![],
        comment: None,
    }
}

/// A small company: employees work in departments, projects are staffed through an assignment table.
fn company() -> Catalog {
    Catalog {
        dialect: Dialect::Sqlite,
        tables: vec![
            table(
                "Employees",
                &[
                    ("EmployeeId", "INTEGER"),
                    ("firstName", "TEXT"),
                    ("lastName", "TEXT"),
                    ("MonthlySalary", "NUMERIC"),
                    ("DeptId", "INTEGER"),
                ],
                &[("DeptId", "departments", "dept_id")],
            ),
            table("departments", &[("dept_id", "INTEGER"), ("dept_name", "TEXT"), ("city", "TEXT")], &[]),
            table("projects", &[("project_id", "INTEGER"), ("title", "TEXT"), ("budget", "NUMERIC")], &[]),
            table(
                "assignments",
                &[
                    ("assignment_id", "INTEGER"),
                    ("employee_id", "INTEGER"),
                    ("project_id", "INTEGER"),
                    ("hours", "INTEGER"),
                ],
                &[("employee_id", "Employees", "EmployeeId"), ("project_id", "projects", "project_id")],
            ),
            table(
                "vendors",
                &[("vendor_id", "INTEGER"), ("company_name", "TEXT"), ("country", "TEXT"), ("rating", "INTEGER")],
                &[],
            ),
        ],
    }
}

fn samples() -> Samples {
    let mut samples = Samples::new();
    samples.entry("departments".into()).or_default().insert("city".into(), vec!["Lyon".into(), "New York".into()]);
    samples.entry("vendors".into()).or_default().insert("country".into(), vec!["Peru".into(), "Chile".into()]);
    samples
}

fn names(linked: &Linked) -> Vec<&str> {
    linked.tables.iter().map(|t| t.table.as_str()).collect()
}

fn pick<'l>(linked: &'l Linked, table: &str) -> &'l TablePick {
    linked.tables.iter().find(|t| t.table == table).unwrap_or_else(|| panic!("{table} is picked: {:?}", names(linked)))
}

#[test]
fn plural_and_camel_case_names_are_linked_with_reasons() {
    let (catalog, samples) = (company(), samples());
    let linked = link("What is the monthly salary of each employee?", &catalog, &samples, 2000);
    assert_eq!(names(&linked)[0], "Employees");
    let employees = pick(&linked, "Employees");
    assert!(employees.reasons.iter().any(|r| r == "name matches \"employee\""), "{:?}", employees.reasons);
    let salary = employees.columns.iter().find(|c| c.column == "MonthlySalary").expect("the salary column is picked");
    assert!(salary.score > 0.0);
    assert!(salary.reason == "matches \"monthly\"" || salary.reason == "matches \"salary\"", "{}", salary.reason);
}

#[test]
fn synonyms_find_tables_named_otherwise() {
    let linked = link("How many staff are there?", &company(), &samples(), 2000);
    let first = &linked.tables[0];
    assert_eq!(first.table, "Employees");
    assert_eq!(first.reasons[0], "name matches \"staff\" (synonym)");
}

#[test]
fn literals_match_sample_values() {
    let linked = link("Which vendors are based in Peru?", &company(), &samples(), 2000);
    let vendors = pick(&linked, "vendors");
    assert!(vendors.reasons.iter().any(|r| r == "value \"Peru\" in column country"), "{:?}", vendors.reasons);
    let country = vendors.columns.iter().find(|c| c.column == "country").expect("country is shown");
    assert_eq!(country.reason, "value \"Peru\"");
    // A multi-word value, not capitalised at the start of the question.
    let linked = link("list departments located in New York", &company(), &samples(), 2000);
    assert!(pick(&linked, "departments").reasons.iter().any(|r| r.contains("value \"New York\"")));
}

#[test]
fn bridge_tables_close_the_join_path() {
    let linked = link("total hours per project title for each employee last name", &company(), &samples(), 2000);
    let bridge = pick(&linked, "assignments");
    assert!(bridge.reasons.iter().any(|r| r.starts_with("joins ")) || bridge.reasons[0].contains("hours"));
    // Without any word of its own, the link table is still added to join the two named tables.
    let linked = link("employees and their projects", &company(), &samples(), 2000);
    let bridge = pick(&linked, "assignments");
    assert!(
        bridge.reasons.iter().any(|r| r == "joins projects and Employees" || r == "joins Employees and projects"),
        "{:?}",
        bridge.reasons
    );
}

#[test]
fn the_budget_is_respected_and_top_tables_are_whole() {
    let (catalog, samples) = (company(), samples());
    let full = Skeleton::full(&catalog, &samples);
    for budget in [0, 5, 12, 20, 40, 80, full.tokens / 2, full.tokens, 10_000] {
        let linked = link("employees of the Lyon department and their projects", &catalog, &samples, budget);
        assert!(linked.skeleton.tokens <= budget, "{} > {budget}", linked.skeleton.tokens);
        assert_eq!(linked.full_tokens, full.tokens);
        assert_eq!(linked.skeleton.lines.len(), linked.tables.len());
    }
    let linked = link("employees of the Lyon department", &catalog, &samples, 10_000);
    let top = &linked.tables[0];
    assert_eq!(top.columns.len(), catalog.table(&top.table).map_or(0, |t| t.columns.len()), "shown whole");
    // With a tight budget the line is pruned to matched columns, labels and keys.
    // With a tight budget the line is pruned to matched columns, row labels and the primary key; the foreign
    // key to a table not shown is left out.
    let linked = link("monthly salary of employees", &catalog, &samples, 30);
    assert_eq!(
        linked.skeleton.text(),
        "Employees(EmployeeId INTEGER PK, firstName TEXT, lastName TEXT, MonthlySalary NUMERIC)"
    );
    let shown: Vec<&str> = linked.tables[0].columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(shown, ["MonthlySalary", "EmployeeId", "firstName", "lastName"]);
}

#[test]
fn identifiers_split_and_abbreviations_match() {
    // `dept_name` is found from "department name", `firstName` from "first name".
    let linked = link("department name and first name of every worker", &company(), &samples(), 2000);
    let departments = pick(&linked, "departments");
    assert!(departments.columns.iter().any(|c| c.column == "dept_name" && c.score > 0.0), "{:?}", departments.columns);
    let employees = pick(&linked, "Employees");
    assert!(employees.columns.iter().any(|c| c.column == "firstName" && c.score > 0.0));
}

#[test]
fn common_words_count_less_than_rare_ones() {
    // Every table has an id; only one has a rating.
    let linked = link("id and rating", &company(), &samples(), 2000);
    assert_eq!(linked.tables[0].table, "vendors");
}

#[test]
fn linking_is_deterministic_and_the_index_is_reusable() {
    let (catalog, samples) = (company(), samples());
    let index = LinkIndex::new(&catalog, &samples);
    let question = "projects with the largest budget staffed by employees from Lyon";
    let a = index.link(question, 60);
    let b = index.link(question, 60);
    assert_eq!(a, b);
    assert_eq!(a, link(question, &catalog, &samples, 60));
}

#[test]
fn dotted_names_weigh_the_qualifier_less() {
    let catalog = Catalog {
        dialect: Dialect::Sqlite,
        tables: vec![
            table("sales.region", &[("region_id", "INTEGER"), ("label", "TEXT")], &[]),
            table("hr.sales_rep", &[("rep_id", "INTEGER"), ("label", "TEXT")], &[]),
        ],
    };
    let linked = link("sales reps", &catalog, &Samples::new(), 2000);
    assert_eq!(linked.tables[0].table, "hr.sales_rep");
}

#[test]
fn a_target_keeps_the_evidence_and_drops_the_padding() {
    let (catalog, samples) = (company(), samples());
    let index = LinkIndex::new(&catalog, &samples);
    let question = "Which employees work on the project titled Apollo?";
    let filled = index.link_within(question, Budget::tokens(index.full_tokens()));
    let lean = index.link_within(question, Budget { cap: index.full_tokens(), target: 0 });
    // The evidence — both named tables and the table joining them — is kept past a zero target ...
    for table in ["Employees", "projects", "assignments"] {
        pick(&lean, table);
    }
    // ... but nothing that only fills the budget, and no line grows beyond its keys.
    assert!(!names(&lean).contains(&"vendors"), "{:?}", names(&lean));
    assert!(lean.skeleton.tokens < filled.skeleton.tokens, "{} < {}", lean.skeleton.tokens, filled.skeleton.tokens);
    assert_eq!(filled.skeleton.tokens, index.full_tokens(), "a budget of the whole catalog shows it whole");
    // The cap still binds the evidence.
    let capped = index.link_within(question, Budget { cap: 10, target: 0 });
    assert!(capped.skeleton.tokens <= 10, "{}", capped.skeleton.tokens);
}

#[test]
fn a_quoted_literal_no_sample_holds_points_at_the_tables_that_name_rows() {
    let (catalog, samples) = (company(), samples());
    let index = LinkIndex::new(&catalog, &samples);
    let linked = index.link("Who works on \"Skunk Works\"?", 2000);
    let projects = pick(&linked, "projects");
    assert!(
        projects.reasons.iter().any(|r| r.contains("\"Skunk Works\"") && r.contains("may name a row")),
        "{:?}",
        projects.reasons
    );
    // A literal the samples hold is a value match, not a guess.
    let linked = index.link("Which departments are in \"Lyon\"?", 2000);
    let departments = pick(&linked, "departments");
    assert!(departments.reasons.iter().all(|r| !r.contains("may name a row")), "{:?}", departments.reasons);
}
