//! The finding codes: a stable name, the bottleneck kind it reports as, and why it matters. `docs/advisor.md`
//! explains each at length; a test keeps the two lists equal.

/// One finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable code, e.g. `non_sargable_function`.
    pub code: &'static str,
    /// The bottleneck kind (`nl2sql_advisor_bottlenecks_detected{kind}`).
    pub kind: &'static str,
    /// One line of rationale.
    pub rationale: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $kind:literal, $why:literal;)*) => {
        $(
            #[doc = $why]
            pub const $name: Code = Code { code: $code, kind: $kind, rationale: $why };
        )*
        /// Every code, in documentation order.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

codes! {
    FULL_TABLE_SCAN = "full_table_scan", "FullTableScan",
        "A table above `large_table_rows` is read whole: every execution costs its full size.";
    SELECT_STAR = "select_star", "SelectStar",
        "`SELECT *` reads and ships every column, defeats index-only scans and changes meaning when the table does.";
    UNBOUNDED_RESULT = "unbounded_result", "UnboundedResult",
        "A query without LIMIT over a large table can return more rows than any caller uses.";
    NON_SARGABLE_FUNCTION = "non_sargable_function", "NonSargablePredicate",
        "A function around a column hides it from the column's indexes: the condition is checked row by row.";
    NON_SARGABLE_ARITHMETIC = "non_sargable_arithmetic", "NonSargablePredicate",
        "Arithmetic on a column hides it from its indexes; the same condition on the bare column can use them.";
    IMPLICIT_CAST = "implicit_cast", "ImplicitCast",
        "Comparing a column with a value of another type converts the column on every row (or fails).";
    LEADING_WILDCARD = "leading_wildcard", "LeadingWildcard",
        "`LIKE '%x'` cannot use a B-tree index: every row's value is scanned.";
    OR_ACROSS_COLUMNS = "or_across_columns", "OrAcrossColumns",
        "OR between conditions on different columns stops a single index from serving the condition.";
    CARTESIAN_PRODUCT = "cartesian_product", "CartesianProduct",
        "Relations with no join condition between them multiply: every row pairs with every row.";
    NOT_IN_NULLABLE = "not_in_nullable", "NotInNullable",
        "`NOT IN (subquery)` over a nullable column returns no row once the subquery yields a NULL, and blocks anti-joins.";
    EQ_NULL = "eq_null", "NullComparison",
        "`= NULL` and `<> NULL` are never true: the condition silently removes every row.";
    ORDER_BY_RANDOM = "order_by_random", "RandomOrder",
        "Ordering by a random value sorts the whole input to keep a few rows.";
    DEEP_OFFSET = "deep_offset", "DeepOffset",
        "A large OFFSET still reads and discards every skipped row; pages get slower the deeper they are.";
    DISTINCT_OVER_UNIQUE = "distinct_over_unique", "RedundantDistinct",
        "DISTINCT over columns that include a unique key of every table sorts or hashes rows that are already distinct.";
    CORRELATED_SUBQUERY = "correlated_subquery", "CorrelatedSubquery",
        "A scalar subquery that reads the outer row runs once per outer row.";
    UNION_WITHOUT_ALL = "union_without_all", "UnionWithoutAll",
        "UNION removes duplicates with a sort or hash; when branches cannot overlap, UNION ALL gives the same rows for free.";
    HAVING_WITHOUT_AGGREGATE = "having_without_aggregate", "HavingFilter",
        "A HAVING condition on grouping columns only filters after grouping what WHERE could filter before it.";
    UNUSED_JOIN = "unused_join", "UnusedJoin",
        "A table joined on its unique key whose columns are never used only checks that a match exists.";
    NESTED_SUBQUERIES = "nested_subqueries", "NestedSubqueries",
        "Subqueries nested three or more deep are hard to read and often planned as repeated subplans.";
}

/// The code named `code`.
pub fn find(code: &str) -> Option<&'static Code> {
    ALL.iter().find(|c| c.code == code)
}
