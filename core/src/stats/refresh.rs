//! The refresh manager: which tables to collect next, within a budget per call.
//!
//! A run walks the registered databases that have a connection (DDL-only ones have nothing to collect) of one
//! tenant, or of every tenant ([`tenants`]) in one queue, queues the tables whose statistics are stale (never
//! collected, or older than `staleness_threshold`) and not backing off, orders them by priority band (high ≥
//! `high_priority_threshold`, medium ≥ `medium_priority_threshold`, else low), then by staleness (never collected first, then oldest), keeps `queue_capacity` of them and
//! collects from the front until `max_tables_per_run` tables or `run_budget_seconds` (by the `Clock` port) are
//! used; the rest is reported as remaining for the next run. A table started just before the time budget ends
//! may overrun it by at most its queries' timeout, which is capped by the time left.
//!
//! A failed table keeps its previous statistics; its state records the error and a retry time
//! `now + retry_base_seconds × 2^(failures−1)`, capped at `retry_max_seconds`; scheduled runs skip it until then.
//! Explicit refreshes ([`refresh`]) collect the tables asked for regardless of staleness and backoff.

use super::collect::{self, Options, Source};
pub use super::report::{Failed, Refreshed, RunBudget, RunReport, TableRef};
use super::state::{self, RefreshState};
use crate::catalog::Table;
use crate::config::RefreshManager;
use crate::databases::{self, DatabaseRecord, Schema, partition};
use crate::error::{Error, Result};
use crate::keys;
use crate::order::LeanSort as _;
use crate::ports::Ports;
use crate::router::DEFAULT_TENANT;
use std::collections::BTreeMap;

/// A query bumps a table's priority at most once per this many milliseconds.
const BUMP_INTERVAL_MS: i64 = 60_000;
/// Stored error messages are cut to this many characters.
const MAX_ERROR_CHARS: usize = 500;

/// One queued table.
#[derive(Debug, Clone)]
struct Entry {
    tenant: String,
    database: String,
    table: String,
    priority: u8,
    last_success_ms: Option<i64>,
}

/// Databases by tenant and name, as loaded for a run.
type Loaded = BTreeMap<(String, String), (DatabaseRecord, Schema)>;

/// The one entry every platform's scheduler calls: refresh stale tables of `tenant` (of every tenant with a
/// registered database when `None`, in one queue) within `budget`.
pub async fn run_scheduled(ports: &Ports<'_>, tenant: Option<&str>, budget: RunBudget) -> Result<RunReport> {
    let tenants = match tenant {
        Some(tenant) => vec![tenant.to_owned()],
        None => tenants(ports).await?,
    };
    let config = &ports.config.nl2sql;
    let (now, rm) = (ports.clock.now_ms(), &config.refresh_manager);
    let mut report = RunReport { started_at: crate::time::rfc3339(now), ..RunReport::default() };
    if !config.statistics.enabled || !rm.enabled {
        report.stopped_by = Some("disabled".into());
        return Ok(report);
    }
    let staleness = i64::try_from(rm.staleness_threshold.saturating_mul(1000)).unwrap_or(i64::MAX);
    let mut loaded = Loaded::new();
    let mut queue = Vec::new();
    for tenant in &tenants {
        for record in databases::list(ports, tenant).await? {
            if record.connection.is_none() {
                continue;
            }
            let (record, schema) = match databases::load(ports, tenant, &record.name).await {
                Ok(found) => found,
                Err(e @ Error::Store(_)) => return Err(e),
                Err(e) => {
                    report.warnings.push(format!("database `{}` skipped: {e}", record.name));
                    continue;
                }
            };
            let states = state::states(ports, &partition(tenant, &record.name)).await?;
            for table in &schema.catalog.tables {
                let state = states.get(&table.name).cloned().unwrap_or_default();
                if !state.is_stale(now, staleness) {
                    continue;
                }
                if state.retry_at_ms.is_some_and(|at| at > now) {
                    report.backing_off += 1;
                    continue;
                }
                queue.push(entry(tenant, &record.name, &table.name, &state));
            }
            loaded.insert((tenant.clone(), record.name.clone()), (record, schema));
        }
    }
    order(&mut queue, rm);
    queue.truncate(usize::try_from(rm.queue_capacity).unwrap_or(usize::MAX));
    execute(ports, &loaded, queue, budget, Options::from_config(ports.config, false), &mut report).await?;
    Ok(report)
}

/// Every tenant that registered a database (the index [`crate::keys::tenant_index`] names), and the default
/// tenant, by name.
pub async fn tenants(ports: &Ports<'_>) -> Result<Vec<String>> {
    let (index, prefix) = keys::tenant_index("");
    let mut names: Vec<String> = ports
        .store
        .list(index, &prefix)
        .await?
        .into_iter()
        .filter_map(|(sk, _)| Some(sk.strip_prefix(&prefix)?.to_owned()))
        .collect();
    if !names.iter().any(|n| n == DEFAULT_TENANT) {
        names.push(DEFAULT_TENANT.to_owned());
        names.lean_sort();
    }
    Ok(names)
}

/// An explicit refresh of one database: `tables` (all when `None`) collected now, whatever their staleness or
/// backoff, in queue order within `budget`. `priority`, when given, is stored as the tables' priority first.
pub async fn refresh(
    ports: &Ports<'_>,
    tenant: &str,
    database: &str,
    tables: Option<&[String]>,
    priority: Option<u8>,
    exact: bool,
    budget: RunBudget,
) -> Result<RunReport> {
    let now = ports.clock.now_ms();
    let mut report = RunReport { started_at: crate::time::rfc3339(now), ..RunReport::default() };
    if !ports.config.nl2sql.statistics.enabled {
        return Err(Error::bad_request(
            "statistics_disabled",
            "statistics are disabled ([nl2sql.statistics] enabled = false)",
        ));
    }
    let (record, schema) = databases::load(ports, tenant, database).await?;
    if record.connection.is_none() {
        return Err(Error::bad_request(
            "no_connection",
            format!("database `{database}` was registered from DDL; statistics need a connection to read from"),
        ));
    }
    let mut chosen: Vec<&Table> = match tables {
        Some(names) => names.iter().map(|n| find_table(&schema, database, n)).collect::<Result<_>>()?,
        None => schema.catalog.tables.iter().collect(),
    };
    chosen.lean_sort_by(|a, b| a.name.cmp(&b.name));
    chosen.dedup_by(|a, b| a.name == b.name);
    let pk = partition(tenant, database);
    if let Some(priority) = priority {
        for table in &chosen {
            state::update(ports, &pk, &table.name, |s| {
                s.priority = priority;
                true
            })
            .await?;
        }
    }
    let states = state::states(ports, &pk).await?;
    let mut queue: Vec<Entry> = chosen
        .iter()
        .map(|t| entry(tenant, database, &t.name, &states.get(&t.name).cloned().unwrap_or_default()))
        .collect();
    order(&mut queue, &ports.config.nl2sql.refresh_manager);
    let loaded = Loaded::from([((tenant.to_owned(), record.name.clone()), (record, schema))]);
    execute(ports, &loaded, queue, budget, Options::from_config(ports.config, exact), &mut report).await?;
    Ok(report)
}

/// The catalog table called `name` (ignoring case), or `table_not_found`.
pub fn find_table<'s>(schema: &'s Schema, database: &str, name: &str) -> Result<&'s Table> {
    schema
        .catalog
        .table(name)
        .ok_or_else(|| Error::not_found("table_not_found", format!("table `{name}` is not in database `{database}`")))
}

/// Raises the priority of `tables` to at least `priority` until their next successful refresh.
pub async fn bump(ports: &Ports<'_>, tenant: &str, database: &str, tables: &[String], priority: u8) -> Result<()> {
    let (now, pk) = (ports.clock.now_ms(), partition(tenant, database));
    for table in tables {
        state::update(ports, &pk, table, |s| {
            let needed = priority.min(10).saturating_sub(s.priority);
            if s.bumps >= needed {
                return false;
            }
            s.bumps = needed;
            s.bumped_at_ms = Some(now);
            true
        })
        .await?;
    }
    Ok(())
}

/// Called after a translation read `tables`: with `auto_refresh_on_query`, each of them whose statistics are
/// stale gains one priority level (at most once a minute per table) until its next successful refresh.
pub async fn touch(ports: &Ports<'_>, tenant: &str, database: &str, tables: &[String]) -> Result<()> {
    let config = &ports.config.nl2sql;
    let rm = &config.refresh_manager;
    if !config.statistics.enabled || !rm.enabled || !rm.auto_refresh_on_query || tables.is_empty() {
        return Ok(());
    }
    if databases::record(ports, tenant, database).await?.is_none_or(|r| r.connection.is_none()) {
        return Ok(());
    }
    let (now, pk) = (ports.clock.now_ms(), partition(tenant, database));
    let staleness = i64::try_from(rm.staleness_threshold.saturating_mul(1000)).unwrap_or(i64::MAX);
    for table in tables {
        state::update(ports, &pk, table, |s| {
            let recent = s.bumped_at_ms.is_some_and(|at| now - at < BUMP_INTERVAL_MS);
            if !s.is_stale(now, staleness) || recent || s.effective_priority() >= 10 {
                return false;
            }
            s.bumps += 1;
            s.bumped_at_ms = Some(now);
            true
        })
        .await?;
    }
    Ok(())
}

/// Priority band: 2 high, 1 medium, 0 low.
pub fn band(priority: u8, rm: &RefreshManager) -> u8 {
    if priority >= rm.high_priority_threshold {
        2
    } else if priority >= rm.medium_priority_threshold {
        1
    } else {
        0
    }
}

fn entry(tenant: &str, database: &str, table: &str, state: &RefreshState) -> Entry {
    Entry {
        tenant: tenant.to_owned(),
        database: database.to_owned(),
        table: table.to_owned(),
        priority: state.effective_priority(),
        last_success_ms: state.last_success_ms,
    }
}

/// Queue order: band, then staleness (never collected first, then oldest), then priority, then name.
fn order(queue: &mut [Entry], rm: &RefreshManager) {
    queue.lean_sort_by(|a, b| {
        band(b.priority, rm)
            .cmp(&band(a.priority, rm))
            .then_with(|| a.last_success_ms.unwrap_or(i64::MIN).cmp(&b.last_success_ms.unwrap_or(i64::MIN)))
            .then_with(|| b.priority.cmp(&a.priority))
            .then_with(|| (&a.tenant, &a.database, &a.table).cmp(&(&b.tenant, &b.database, &b.table)))
    });
}

/// Collects the front of `queue` within `budget`, database by database (so PostgreSQL batches per group).
async fn execute(
    ports: &Ports<'_>,
    loaded: &Loaded,
    mut queue: Vec<Entry>,
    budget: RunBudget,
    options: Options,
    report: &mut RunReport,
) -> Result<()> {
    let started = ports.clock.now_ms();
    let deadline = started.saturating_add(i64::try_from(budget.max_ms).unwrap_or(i64::MAX));
    let query_timeout = ports.config.nl2sql.query_timeout.saturating_mul(1000).max(1000);
    report.queued = queue.len();
    let later = queue.split_off(budget.max_tables.min(queue.len()));
    if !later.is_empty() {
        report.stopped_by = Some("max_tables_per_run".into());
    }
    let mut groups: Vec<((String, String), Vec<Entry>)> = Vec::new();
    for entry in queue {
        match groups.iter_mut().find(|((t, db), _)| *t == entry.tenant && *db == entry.database) {
            Some((_, entries)) => entries.push(entry),
            None => groups.push(((entry.tenant.clone(), entry.database.clone()), vec![entry])),
        }
    }
    let timeout = |now: i64| u64::try_from(deadline - now).unwrap_or(0).clamp(1000, query_timeout);
    let mut left: Vec<Entry> = Vec::new();
    for (group, entries) in groups {
        let Some((record, schema)) = loaded.get(&group) else { continue };
        let (tenant, database) = (&group.0, &group.1);
        let Some(connection) = record.connection.as_deref() else { continue };
        if ports.clock.now_ms() >= deadline {
            report.stopped_by = Some("run_budget_seconds".into());
            left.extend(entries);
            continue;
        }
        let pk = partition(tenant, database);
        let tables: Vec<&Table> = entries.iter().filter_map(|e| schema.catalog.table(&e.table)).collect();
        let source = Source { sql: ports.sql, connection, dialect: record.dialect, options };
        let prepared = match collect::prepare(&source, &tables, timeout(ports.clock.now_ms())).await {
            Ok(prepared) => prepared,
            Err(e) => {
                for table in &tables {
                    failed(ports, &pk, tenant, database, &table.name, &e, report).await?;
                }
                continue;
            }
        };
        report.warnings.extend(prepared.warnings().iter().cloned());
        for (i, table) in tables.iter().enumerate() {
            let now = ports.clock.now_ms();
            if now >= deadline {
                report.stopped_by = Some("run_budget_seconds".into());
                left.extend(tables[i..].iter().map(|t| entry(tenant, database, &t.name, &RefreshState::default())));
                break;
            }
            match collect::table(&source, &prepared, table, now, timeout(now)).await {
                Ok(mut stats) => {
                    let done = ports.clock.now_ms();
                    stats.refreshed_at_ms = done;
                    state::save_stats(ports, &pk, &stats).await?;
                    state::update(ports, &pk, &table.name, |s| {
                        s.last_success_ms = Some(done);
                        s.row_count = Some(stats.row_count);
                        s.exact = stats.exact;
                        s.bumps = 0;
                        s.failures = 0;
                        (s.last_error, s.last_error_ms, s.retry_at_ms) = (None, None, None);
                        true
                    })
                    .await?;
                    report.refreshed.push(Refreshed {
                        tenant: tenant.clone(),
                        database: database.clone(),
                        table: table.name.clone(),
                        row_count: stats.row_count,
                        exact: stats.exact,
                        elapsed_ms: done - now,
                    });
                }
                Err(e @ Error::Store(_)) => return Err(e),
                Err(e) => failed(ports, &pk, tenant, database, &table.name, &e, report).await?,
            }
        }
    }
    let to_ref = |e: Entry| TableRef { tenant: e.tenant, database: e.database, table: e.table };
    report.remaining = left.into_iter().chain(later).map(to_ref).collect();
    report.elapsed_ms = ports.clock.now_ms() - started;
    Ok(())
}

/// Records a failed collection: error, failure count and retry time; the statistics stay as they were.
async fn failed(
    ports: &Ports<'_>,
    pk: &str,
    tenant: &str,
    database: &str,
    table: &str,
    error: &Error,
    report: &mut RunReport,
) -> Result<()> {
    let rm = &ports.config.nl2sql.refresh_manager;
    let now = ports.clock.now_ms();
    let message: String = error.to_string().chars().take(MAX_ERROR_CHARS).collect();
    let state = state::update(ports, pk, table, |s| {
        s.failures = s.failures.saturating_add(1);
        s.last_error = Some(message.clone());
        s.last_error_ms = Some(now);
        s.retry_at_ms = Some(now.saturating_add(backoff_ms(s.failures, rm)));
        true
    })
    .await?;
    report.first_error.get_or_insert_with(|| error.clone());
    report.failed.push(Failed {
        tenant: tenant.to_owned(),
        database: database.to_owned(),
        table: table.to_owned(),
        code: error.code().to_owned(),
        error: message,
        failures: state.failures,
        retry_at: crate::time::rfc3339(state.retry_at_ms.unwrap_or(now)),
    });
    Ok(())
}

/// Delay before the next attempt after `failures` consecutive failures: base × 2^(failures−1), capped.
pub fn backoff_ms(failures: u32, rm: &RefreshManager) -> i64 {
    let factor = 1u64.checked_shl(failures.saturating_sub(1)).unwrap_or(u64::MAX);
    let seconds = rm.retry_base_seconds.saturating_mul(factor).min(rm.retry_max_seconds);
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}
