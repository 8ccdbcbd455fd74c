//! Type names and generated object names, spelled the way each server reports them.
//!
//! Why: a catalog read from DDL is compared with one introspected from the live server, so PostgreSQL types
//! are written as `format_type()` prints them (`character varying(45)`, not `VARCHAR(45)`) and unnamed
//! constraints get the names PostgreSQL would choose.

use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, ObjectName, ObjectNamePart, TimezoneInfo, UnaryOperator, Value, ValueWithSpan,
};

/// PostgreSQL's identifier length limit minus one (`NAMEDATALEN - 1`).
const PG_MAX_IDENT: usize = 63;

/// The `format_type()` spelling of a PostgreSQL column type, and whether it was a `serial` pseudo-type (which
/// means an integer column with a sequence default).
pub(super) fn postgres(data_type: &DataType) -> (String, bool) {
    let name = match data_type {
        DataType::Int(_) | DataType::Int4(_) | DataType::Integer(_) => "integer".to_owned(),
        DataType::SmallInt(_) | DataType::Int2(_) => "smallint".to_owned(),
        DataType::BigInt(_) | DataType::Int8(_) => "bigint".to_owned(),
        DataType::Varchar(len)
        | DataType::CharacterVarying(len)
        | DataType::CharVarying(len)
        | DataType::Nvarchar(len) => match length(len) {
            Some(n) => format!("character varying({n})"),
            None => "character varying".to_owned(),
        },
        DataType::Char(len) | DataType::Character(len) => format!("character({})", length(len).unwrap_or(1)),
        DataType::Text => "text".to_owned(),
        DataType::Bool | DataType::Boolean => "boolean".to_owned(),
        DataType::Real | DataType::Float4 => "real".to_owned(),
        DataType::Float8 | DataType::DoublePrecision | DataType::Double(_) => "double precision".to_owned(),
        DataType::Float(ExactNumberInfo::Precision(p) | ExactNumberInfo::PrecisionAndScale(p, _)) if *p <= 24 => {
            "real".to_owned()
        }
        DataType::Float(_) => "double precision".to_owned(),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => "numeric".to_owned(),
            ExactNumberInfo::Precision(p) => format!("numeric({p},0)"),
            ExactNumberInfo::PrecisionAndScale(p, s) => format!("numeric({p},{s})"),
        },
        DataType::Timestamp(precision, tz) => temporal("timestamp", *precision, tz),
        DataType::Time(precision, tz) => temporal("time", *precision, tz),
        DataType::Date => "date".to_owned(),
        DataType::Bytea => "bytea".to_owned(),
        DataType::Uuid => "uuid".to_owned(),
        DataType::JSON => "json".to_owned(),
        DataType::JSONB => "jsonb".to_owned(),
        DataType::Regclass => "regclass".to_owned(),
        DataType::TsVector => "tsvector".to_owned(),
        DataType::TsQuery => "tsquery".to_owned(),
        DataType::Bit(n) => format!("bit({})", n.unwrap_or(1)),
        DataType::BitVarying(n) | DataType::VarBit(n) => match n {
            Some(n) => format!("bit varying({n})"),
            None => "bit varying".to_owned(),
        },
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner)
            | ArrayElemTypeDef::Qualified(inner, _),
        ) => {
            // format_type prints one `[]` whatever the declared dimensions.
            let inner = postgres(inner).0;
            if inner.ends_with("[]") { inner } else { format!("{inner}[]") }
        }
        DataType::Custom(name, modifiers) => return custom(name, modifiers),
        other => other.to_string().to_lowercase(),
    };
    (name, false)
}

fn length(len: &Option<CharacterLength>) -> Option<u64> {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(*length),
        _ => None,
    }
}

fn temporal(base: &str, precision: Option<u64>, tz: &TimezoneInfo) -> String {
    let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
    let zone = match tz {
        TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "with time zone",
        TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "without time zone",
    };
    format!("{base}{precision} {zone}")
}

/// User-defined, extension and pseudo types (`serial`, domains, enums, `citext`, `geometry(Point,4326)`).
fn custom(name: &ObjectName, modifiers: &[String]) -> (String, bool) {
    let Some(ident) = name.0.last().and_then(|part| part.as_ident()) else {
        return (name.to_string(), false);
    };
    let base = match ident.quote_style {
        // format_type quotes only names that need it, and always the internal type "char".
        Some(_) if ident.value == "char" => "\"char\"".to_owned(),
        Some(_) if is_plain_lower(&ident.value) => ident.value.clone(),
        Some(_) => format!("\"{}\"", ident.value.replace('"', "\"\"")),
        None => ident.value.to_ascii_lowercase(),
    };
    let serial = match base.as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    };
    if let Some(integer) = serial {
        return (integer.to_owned(), true);
    }
    if modifiers.is_empty() { (base, false) } else { (format!("{base}({})", modifiers.join(",")), false) }
}

fn is_plain_lower(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A MySQL column type as `information_schema.COLUMNS.COLUMN_TYPE` spells it: lower case (outside quoted enum
/// values), no space after commas, `int`/`decimal`/`tinyint(1)` for their synonyms.
pub(super) fn mysql(data_type: &DataType) -> String {
    let printed = data_type.to_string();
    let mut out = String::with_capacity(printed.len());
    let mut quoted = false;
    let mut chars = printed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if !quoted && c == ',' && chars.peek() == Some(&' ') {
            chars.next();
        }
        out.push(if quoted { c } else { c.to_ascii_lowercase() });
    }
    for (synonym, canonical) in [("integer", "int"), ("numeric", "decimal"), ("dec(", "decimal(")] {
        if let Some(rest) = out.strip_prefix(synonym) {
            return format!("{canonical}{rest}");
        }
    }
    if out == "bool" || out == "boolean" {
        return "tinyint(1)".to_owned();
    }
    out
}

/// The name PostgreSQL gives an unnamed constraint or index (`makeObjectName`): `<table>_<columns>_<label>`,
/// shortened to fit 63 bytes by trimming the longer of the two parts first.
pub(super) fn pg_object_name(table: &str, columns: &[String], label: &str) -> String {
    let mut joined = String::new();
    for column in columns {
        if !joined.is_empty() {
            joined.push('_');
        }
        joined.push_str(column);
        if joined.len() > PG_MAX_IDENT {
            break;
        }
    }
    let overhead = label.len() + 1 + usize::from(!joined.is_empty());
    let available = PG_MAX_IDENT.saturating_sub(overhead);
    let (mut n1, mut n2) = (table.len(), joined.len());
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let first = clip(table, n1);
    if joined.is_empty() { format!("{first}_{label}") } else { format!("{first}_{}_{label}", clip(&joined, n2)) }
}

/// The longest prefix of `text` of at most `len` bytes that ends on a character boundary.
fn clip(text: &str, mut len: usize) -> &str {
    while !text.is_char_boundary(len) {
        len -= 1;
    }
    &text[..len]
}

/// A PostgreSQL literal default as `pg_get_expr` shows it once coerced to the column type: numbers and
/// booleans bare, other literals cast to the type without its modifiers (`'x'::character varying`).
pub(super) fn pg_literal(expr: &Expr, data_type: &str) -> Option<String> {
    let base = pg_base_type(data_type);
    let numeric = matches!(base.as_str(), "integer" | "smallint" | "bigint" | "numeric" | "real" | "double precision");
    match expr {
        Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) => {
            let plain_number = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.');
            if numeric && plain_number {
                return Some(text.clone());
            }
            if base == "boolean" {
                return match text.to_ascii_lowercase().as_str() {
                    "t" | "true" | "y" | "yes" | "on" | "1" => Some("true".to_owned()),
                    "f" | "false" | "n" | "no" | "off" | "0" => Some("false".to_owned()),
                    _ => None,
                };
            }
            (!numeric).then(|| format!("'{}'::{base}", text.replace('\'', "''")))
        }
        // A negative number stays a constant of its literal's type.
        Expr::UnaryOp { op: UnaryOperator::Minus, expr: inner } if numeric => match inner.as_ref() {
            Expr::Value(ValueWithSpan { value: Value::Number(n, _), .. }) => {
                let literal_type = match n.parse::<i64>() {
                    Ok(v) if i32::try_from(v).is_ok() => "integer",
                    Ok(_) => "bigint",
                    Err(_) => "numeric",
                };
                Some(format!("'-{n}'::{literal_type}"))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A `format_type` name without type modifiers, `character(n)` as its internal name `bpchar`.
fn pg_base_type(data_type: &str) -> String {
    let mut base = String::with_capacity(data_type.len());
    let mut depth = 0usize;
    for c in data_type.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => base.push(c),
            _ => {}
        }
    }
    if base == "character" { "bpchar".to_owned() } else { base }
}

/// Spells a PostgreSQL expression the way `pg_get_expr` does where sqlparser would not: cast types
/// (`'G'::mpaa_rating`, `nextval('s'::regclass)`, `'{}'::text[]`, not `::REGCLASS`) and SQL value functions
/// (`CURRENT_TIMESTAMP`).
pub(super) fn pg_spelling(expr: &mut Expr) {
    match expr {
        Expr::Cast { expr: inner, data_type, .. } => {
            // `(total)::text` prints as `total::text`.
            if let Expr::Nested(nested) = inner.as_mut()
                && matches!(nested.as_ref(), Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_))
            {
                // Moved out, not cloned: a clone here compiles a second copy of sqlparser's Clone code.
                let unwrapped = std::mem::replace(nested.as_mut(), Expr::Value(Value::Null.into()));
                **inner = unwrapped;
            }
            pg_spelling(inner);
            let name = postgres(data_type).0;
            *data_type = DataType::Custom(ObjectName::from(vec![Ident::new(name)]), vec![]);
        }
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => pg_spelling(inner),
        Expr::BinaryOp { left, right, .. } => {
            pg_spelling(left);
            pg_spelling(right);
        }
        Expr::Function(function) => {
            // SQL value functions print in upper case: CURRENT_TIMESTAMP, CURRENT_USER...
            if matches!(function.args, FunctionArguments::None)
                && let [part] = function.name.0.as_mut_slice()
                && let Some(ident) = part.as_ident()
                && ident.quote_style.is_none()
                && ["current_", "localtime", "session_user"]
                    .iter()
                    .any(|prefix| ident.value.to_ascii_lowercase().starts_with(prefix))
            {
                *part = ObjectNamePart::Identifier(Ident::new(ident.value.to_ascii_uppercase()));
            }
            if let FunctionArguments::List(list) = &mut function.args {
                for arg in &mut list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named { arg: FunctionArgExpr::Expr(e), .. } = arg
                    {
                        pg_spelling(e);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};
    use sqlparser::parser::Parser;

    fn types(dialect: &dyn sqlparser::dialect::Dialect, columns: &str) -> Vec<DataType> {
        let sql = format!("CREATE TABLE t ({columns})");
        match Parser::parse_sql(dialect, &sql).as_deref() {
            Ok([sqlparser::ast::Statement::CreateTable(table)]) => {
                table.columns.iter().map(|c| c.data_type.clone()).collect()
            }
            other => panic!("unexpected parse of {sql}: {other:?}"),
        }
    }

    #[test]
    fn postgres_aliases_become_format_type_names() {
        let columns = "a int, b int4, c int2, d int8, e varchar(45), f varchar, g char, h character(3), i bool, \
                       j timestamp, k timestamptz, l timestamp(3) with time zone, m float8, n double precision, \
                       o float4, p real, q decimal(10,2), r numeric, s numeric(5), t text[], u integer[][], \
                       v timetz, w float(10), x public.year, y \"char\", z geometry(Point, 4326), aa \"MyType\", \
                       ab bit, ac bytea, ad jsonb, ae tsvector, af interval";
        let names: Vec<String> = types(&PostgreSqlDialect {}, columns).iter().map(|t| postgres(t).0).collect();
        assert_eq!(
            names,
            [
                "integer",
                "integer",
                "smallint",
                "bigint",
                "character varying(45)",
                "character varying",
                "character(1)",
                "character(3)",
                "boolean",
                "timestamp without time zone",
                "timestamp with time zone",
                "timestamp(3) with time zone",
                "double precision",
                "double precision",
                "real",
                "real",
                "numeric(10,2)",
                "numeric",
                "numeric(5,0)",
                "text[]",
                "integer[]",
                "time with time zone",
                "real",
                "year",
                "\"char\"",
                "geometry(Point,4326)",
                "\"MyType\"",
                "bit(1)",
                "bytea",
                "jsonb",
                "tsvector",
                "interval",
            ]
        );
    }

    #[test]
    fn serials_are_integers_with_a_flag() {
        let found: Vec<(String, bool)> =
            types(&PostgreSqlDialect {}, "a serial, b bigserial, c smallserial").iter().map(postgres).collect();
        assert_eq!(found, [("integer".to_owned(), true), ("bigint".to_owned(), true), ("smallint".to_owned(), true)]);
    }

    #[test]
    fn mysql_types_look_like_information_schema() {
        let names: Vec<String> = types(
            &MySqlDialect {},
            "a INT(11) UNSIGNED, b ENUM('G','PG-13'), c DECIMAL(4,2), d INTEGER, e BOOLEAN, f VARCHAR(10)",
        )
        .iter()
        .map(mysql)
        .collect();
        assert_eq!(
            names,
            ["int(11) unsigned", "enum('G','PG-13')", "decimal(4,2)", "int", "tinyint(1)", "varchar(10)"]
        );
    }

    #[test]
    fn generated_names_follow_postgres() {
        assert_eq!(pg_object_name("users", &["email".into()], "key"), "users_email_key");
        assert_eq!(pg_object_name("t", &["a".into(), "b".into()], "idx"), "t_a_b_idx");
        assert_eq!(pg_object_name("t", &[], "pkey"), "t_pkey");
        let long = pg_object_name(&"x".repeat(50), &["y".repeat(30)], "key");
        assert_eq!(long.len(), 63);
        assert_eq!(long, format!("{}_{}_key", "x".repeat(29), "y".repeat(29)));
    }
}
