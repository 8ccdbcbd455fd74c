//! The plain-English account of a rendered plan: what is listed or computed, how tables are joined, which
//! rows and groups are kept, the order and the row limit.

use super::build::{Expr, Writer};

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Explains the query `w` prints.
pub(crate) fn explain(w: &Writer<'_>) -> String {
    let plan = w.plan;
    let root = w.table_name(plan.root);
    let aggregates: Vec<String> = plan.select.iter().filter(|e| e.is_aggregate()).map(|e| w.describe(*e)).collect();
    let columns: Vec<String> = plan.select.iter().filter(|e| !e.is_aggregate()).map(|e| w.describe(*e)).collect();
    let mut text = if aggregates.is_empty() {
        let what = if columns.is_empty() { "every column".to_owned() } else { join_words(&columns) };
        let distinct = if w.distinct() { " (each row once)" } else { "" };
        format!("Lists {what} of the {root} rows{distinct}")
    } else if plan.group_by.is_empty() {
        format!("Computes {}", join_words(&aggregates))
    } else {
        let groups: Vec<String> = plan.group_by.iter().map(|c| w.describe(Expr::Col(*c))).collect();
        let mut text = format!("Computes {} for each {}", join_words(&aggregates), join_words(&groups));
        if !columns.is_empty() && columns != groups {
            text.push_str(&format!(", showing {}", join_words(&columns)));
        }
        text
    };
    if !w.steps.is_empty() {
        let joins: Vec<String> = (w.steps.iter())
            .map(|step| {
                let (child, parent) = (w.table_name(step.edge.child), w.table_name(step.edge.parent));
                let on: Vec<String> = (step.edge.pairs(w.catalog).into_iter())
                    .map(|(c, p)| format!("{child}.{c} = {parent}.{p}"))
                    .collect();
                format!("{} (on {})", w.table_name(step.table), on.join(" and "))
            })
            .collect();
        text.push_str(&format!(", joining {root} to {} along foreign keys", join_words(&joins)));
    }
    text.push('.');
    if !plan.filters.is_empty() {
        let conditions: Vec<String> = (plan.filters.iter())
            .map(|f| format!("{} {} {}", w.describe(Expr::Col(f.col)), f.op.sql(), w.literal(&f.value, f.op)))
            .collect();
        text.push_str(&format!(" Only rows where {} are included.", join_words(&conditions)));
    }
    if let Some((e, op, lit)) = &plan.having {
        text.push_str(&format!(" Only groups where {} {} {} are kept.", w.describe(*e), op.sql(), w.literal(lit, *op)));
    }
    if !plan.order_by.is_empty() {
        let keys: Vec<String> = (plan.order_by.iter())
            .map(|(e, desc)| format!("{} ({})", w.describe(*e), if *desc { "highest first" } else { "lowest first" }))
            .collect();
        text.push_str(&format!(" Sorted by {}.", keys.join(", then ")));
    }
    text.push_str(&format!(" Returns at most {} row{}.", plan.limit, if plan.limit == 1 { "" } else { "s" }));
    text
}
