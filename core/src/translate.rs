//! The translate use case: question in, bounded SQL out, optionally executed read-only.
//!
//! The request path: caches (exact, then semantic; a hit calls no provider) → link the schema → assess
//! complexity → for each provider of the chain (default, then fallbacks; `offline` is one of them): one call, or
//! a decomposition into staged tasks above `complexity_threshold` → extract the SQL → guard and validate it
//! against the catalog → on a rejected answer, send the problem back (at most `max_correction_attempts`
//! answers) → advisor → execute → cache and session. Nothing reaches the caller or the database that the guard
//! has not accepted.

use crate::Config;
use crate::agentic::{self, Assessment, Plan};
use crate::api::{Tokens, TranslateRequest, TranslateResponse};
use crate::catalog::Catalog;
use crate::databases::{self, DatabaseRecord, Schema};
use crate::error::{Error, Result};
use crate::linker::{self, Linked};
use crate::llm::{self, Attempt, Completion, OFFLINE, Prompt};
use crate::offline;
use crate::ports::{Ports, QueryOptions};
use crate::{cache, golden, guard, metrics, session};
use serde_json::{Value, json};

/// The trimmed question, or `missing_question` / `question_too_long`.
pub fn checked_question<'q>(question: &'q str, config: &Config) -> Result<&'q str> {
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::bad_request("missing_question", "question must not be empty"));
    }
    let length = question.chars().count();
    let max = config.nl2sql.max_question_length;
    if length > max {
        return Err(Error::bad_request(
            "question_too_long",
            format!("question has {length} characters; the maximum is {max}"),
        ));
    }
    Ok(question)
}

/// Translates (and optionally executes) one question for `tenant`, recording the query metrics.
pub async fn translate(ports: &Ports<'_>, tenant: &str, request: &TranslateRequest) -> Result<TranslateResponse> {
    let started = ports.clock.now_ms();
    let result = run(ports, tenant, request).await;
    let status = if result.is_ok() { "success" } else { "error" };
    metrics::add("nl2sql_queries_total", &[("status", status)], 1.0);
    let seconds = (ports.clock.now_ms() - started) as f64 / 1000.0;
    metrics::observe("nl2sql_query_duration_seconds", &[], seconds);
    result
}

/// One SQL the pipeline accepted, with where it came from.
struct Accepted {
    sql: String,
    explanation: String,
    confidence: f64,
    provider: String,
    tokens: Tokens,
    cost: f64,
    decomposition: Option<Value>,
}

async fn run(ports: &Ports<'_>, tenant: &str, request: &TranslateRequest) -> Result<TranslateResponse> {
    let config = &ports.config.nl2sql;
    let question = checked_question(&request.question, ports.config)?;
    let chain = llm::chain(ports.config, request.provider.as_deref())?;
    // The registry entry alone answers a cache hit (its fingerprint and dialect key the cache); the schema is read
    // only on a miss.
    let record = databases::registered(ports, tenant, &request.database).await?;
    let conversation = match request.session_id.as_deref() {
        Some(id) => session::load(ports, tenant, &request.database, id).await?,
        None => session::Session::default(),
    };
    crate::limits::check_context(session::context(&conversation).len(), ports.config)?;
    let provider_key = provider_key(ports.config, &chain[0]);
    let scope = cache::Scope {
        tenant,
        database: &request.database,
        fingerprint: &record.fingerprint,
        dialect: record.dialect.name(),
        provider: &provider_key,
    };
    // A follow-up depends on the conversation, so only a question asked outside one is answered from the cache.
    let cacheable = config.cache.enabled && conversation.turns.is_empty();
    if cacheable {
        let threshold = config.cache.semantic.then_some(config.cache.similarity_threshold as f32);
        if let Some(hit) = cache::lookup(ports, &scope, question, threshold).await?
            && let Ok(mut answer) = serde_json::from_value::<TranslateResponse>(hit.answer)
        {
            metrics::add("nl2sql_cache_hits", &[("layer", hit.layer)], 1.0);
            answer.cache = hit.layer.to_owned();
            answer.attempts.clear();
            // The advisor's report is the one made when the answer was cached (its `statistics` says with what);
            // `cache_ttl` bounds its age. Recomputing it cost a cached answer most of its time. The tenant's
            // current switch decides whether there is one.
            if !ports.config.nl2sql.advisor.enabled {
                answer.advisor = None;
            } else if answer.advisor.is_none() {
                let schema = databases::schema(ports, tenant, &record).await?;
                answer.advisor = advise(ports, tenant, &record, &schema, &answer.sql).await;
            }
            answer.rows = execute(ports, &record, request.execute, &answer.sql).await?;
            return Ok(answer);
        }
        metrics::add("nl2sql_cache_misses", &[], 1.0);
    }

    let schema = databases::schema(ports, tenant, &record).await?;
    let linked = linker::link(question, &schema.catalog, &schema.samples, config.skeleton_token_budget);
    let linked_tables: Vec<String> = linked.tables.iter().map(|t| t.table.clone()).collect();
    let assessment = agentic::assess(question, linked.needed_tables());
    metrics::observe("nl2sql_query_complexity_score", &[], f64::from(assessment.score));
    let settings = guard::Settings::from_config(ports.config);
    let deadline =
        ports.clock.now_ms() + i64::try_from(config.query_timeout.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut accepted = None;
    let context = Context {
        ports,
        tenant,
        database: &request.database,
        question,
        schema: &schema,
        linked: &linked,
        conversation: &conversation,
        settings,
        deadline,
    };
    for provider in &chain {
        accepted = if provider == OFFLINE {
            context.offline(&linked_tables, &mut attempts)
        } else if let Some(plan) = context.plan(&assessment) {
            context.decomposed(provider, &plan, &mut attempts).await
        } else {
            context.with_model(provider, &mut attempts).await
        };
        if accepted.is_some() {
            break;
        }
    }
    let Some(accepted) = accepted else { return Err(failed(&attempts)) };
    let advisor = advise(ports, tenant, &record, &schema, &accepted.sql).await;
    let (accepted, advisor) = context.rewrite(&record, accepted, advisor, &mut attempts).await;

    let tables = match crate::sql::parse_query(&accepted.sql, schema.catalog.dialect) {
        Ok(crate::sql::OneQuery::Query(query)) => {
            crate::advisor::tables(&sqlparser::ast::Statement::Query(query), Some(&schema.catalog))
        }
        _ => Vec::new(),
    };
    // Stale statistics of the tables a query reads gain refresh priority; never a reason to fail the answer.
    let _ = crate::stats::refresh::touch(ports, tenant, &request.database, &tables).await;
    let mut response = TranslateResponse {
        sql: accepted.sql,
        explanation: accepted.explanation,
        confidence: accepted.confidence,
        tables,
        linked_tables,
        provider: accepted.provider,
        tokens: accepted.tokens,
        cost: accepted.cost,
        cache: "miss".into(),
        attempts,
        complexity: Some(assessment),
        decomposition: accepted.decomposition,
        advisor,
        rows: None,
    };
    if cacheable && let Ok(value) = serde_json::to_value(&response) {
        // A cache that cannot be written costs a provider call next time, never this answer.
        let _ = cache::store(ports, &scope, question, &value, config.cache_ttl).await;
    }
    if let Some(id) = request.session_id.as_deref() {
        let turn = session::Turn { question: question.to_owned(), sql: response.sql.clone(), summary: String::new() };
        let ttl = config.session.session_timeout_minutes.saturating_mul(60);
        session::append(ports, tenant, &request.database, id, turn, config.session.max_turns, ttl).await?;
    }
    response.rows = execute(ports, &record, request.execute, &response.sql).await?;
    Ok(response)
}

/// The advisor's report on `sql` (none when `[nl2sql.advisor] enabled = false`): part of the answer, never a
/// reason to fail it.
async fn advise(
    ports: &Ports<'_>,
    tenant: &str,
    record: &DatabaseRecord,
    schema: &Schema,
    sql: &str,
) -> Option<crate::advisor::Report> {
    if !ports.config.nl2sql.advisor.enabled {
        return None;
    }
    let target = crate::advisor::api::Target {
        dialect: schema.catalog.dialect,
        database: Some((record.name.clone(), schema.catalog.clone())),
    };
    crate::advisor::api::analyze_sql(ports, tenant, &target, sql).await.ok()
}

/// `offline`, or `<provider>/<model>`: what a cached answer depends on.
fn provider_key(config: &Config, provider: &str) -> String {
    match config.llm.get(provider) {
        Some(spec) => format!("{provider}/{}", spec.model),
        None => provider.to_owned(),
    }
}

async fn execute(
    ports: &Ports<'_>,
    record: &DatabaseRecord,
    execute: bool,
    sql: &str,
) -> Result<Option<crate::ports::Rows>> {
    if !execute {
        return Ok(None);
    }
    let config = &ports.config.nl2sql;
    let connection = record.connection.as_deref().ok_or_else(|| {
        Error::bad_request("not_executable", format!("database `{}` has no connection to execute on", record.name))
    })?;
    let options =
        QueryOptions { max_rows: config.max_result_rows, timeout_ms: config.query_timeout.saturating_mul(1000) };
    Ok(Some(ports.sql.query(connection, sql, options).await?))
}

/// Every provider failed: 422 when models answered but no answer passed the guard, else 502.
fn failed(attempts: &[Attempt]) -> Error {
    let listed: Vec<String> = attempts
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{}. {} {}: {}", i + 1, a.provider, a.outcome, a.detail))
        .collect();
    let listed = listed.join("; ");
    let rejected = attempts.iter().filter(|a| a.outcome == "invalid").count();
    if rejected > 0 {
        Error::Untranslatable(format!("no answer passed validation ({rejected} answers rejected): {listed}"))
    } else {
        Error::Provider(format!("no provider answered ({} attempts): {listed}", attempts.len()))
    }
}

/// What every provider's try needs.
struct Context<'a, 'p> {
    ports: &'a Ports<'p>,
    tenant: &'a str,
    database: &'a str,
    question: &'a str,
    schema: &'a Schema,
    linked: &'a Linked,
    conversation: &'a session::Session,
    settings: guard::Settings,
    deadline: i64,
}

impl Context<'_, '_> {
    fn guard(&self, sql: &str) -> Result<String> {
        Ok(guard::check(sql, self.schema.catalog.dialect, &self.schema.catalog, &self.settings)?.sql)
    }

    /// The built-in translator over the linked tables (the whole schema when they cannot answer).
    fn offline(&self, linked_tables: &[String], attempts: &mut Vec<Attempt>) -> Option<Accepted> {
        let catalog = &self.schema.catalog;
        let focused = Catalog {
            dialect: catalog.dialect,
            tables: catalog.tables.iter().filter(|t| linked_tables.contains(&t.name)).cloned().collect(),
        };
        let options = offline::Options { limit: self.ports.config.nl2sql.default_limit };
        let translated = match offline::translate(self.question, &focused, &self.schema.samples, &options) {
            Err(Error::Untranslatable(_)) if focused.tables.len() < catalog.tables.len() => {
                offline::translate(self.question, catalog, &self.schema.samples, &options)
            }
            other => other,
        };
        let outcome = translated.and_then(|t| self.guard(&t.sql).map(|sql| (t, sql)));
        match outcome {
            Ok((t, sql)) => {
                attempts.push(attempt(OFFLINE, "ok", "built-in translator".into()));
                Some(Accepted {
                    sql,
                    explanation: t.explanation,
                    confidence: t.confidence,
                    provider: OFFLINE.into(),
                    tokens: Tokens::default(),
                    cost: 0.0,
                    decomposition: None,
                })
            }
            // The question is beyond the built-in translator: an answer, not a failure to answer (422, not 502).
            Err(e @ Error::Untranslatable(_)) => {
                attempts.push(attempt(OFFLINE, "invalid", e.to_string()));
                None
            }
            Err(e) => {
                attempts.push(attempt(OFFLINE, "error", e.to_string()));
                None
            }
        }
    }

    async fn system(&self, skeleton: &str) -> String {
        let examples = match golden::all(self.ports, self.tenant, self.database).await {
            Ok(all) => golden::nearest(&all, self.question, 3, 0.3),
            Err(_) => Vec::new(),
        };
        let conversation = session::context(self.conversation);
        llm::prompt::system(&llm::prompt::Parts {
            dialect: self.schema.catalog.dialect,
            skeleton,
            examples: &examples,
            conversation: &conversation,
            limit: self.ports.config.nl2sql.default_limit,
        })
    }

    /// Asks `provider` for `user` under `system`, sending rejected answers back, until one passes the guard.
    async fn ask(
        &self,
        provider: &str,
        system: &str,
        user: &str,
        attempts: &mut Vec<Attempt>,
    ) -> Option<(String, Completion)> {
        let mut user = user.to_owned();
        let mut spent: Option<Completion> = None;
        for _ in 0..self.ports.config.nl2sql.max_correction_attempts.max(1) {
            let completion =
                llm::call(self.ports, provider, Prompt { system, user: &user }, self.deadline, attempts).await?;
            let usage = add_usage(spent.take(), &completion);
            let problem = match llm::extract::sql(&completion.text) {
                None => "the answer holds no SQL query".to_owned(),
                Some(sql) => match self.guard(&sql) {
                    Ok(guarded) => return Some((guarded, usage)),
                    Err(e) => {
                        attempts.push(attempt(provider, "invalid", format!("{e}: {sql}")));
                        user = llm::prompt::correction(self.question, &sql, &e.to_string());
                        spent = Some(usage);
                        continue;
                    }
                },
            };
            attempts.push(attempt(provider, "invalid", problem.clone()));
            user = llm::prompt::correction(self.question, completion.text.trim(), &problem);
            spent = Some(usage);
        }
        None
    }

    /// When the advisor reports a bottleneck at or above `[nl2sql.advisor] bottleneck_severity_threshold` in a
    /// model's answer, one rewrite attempt: the findings go back to the model that wrote it, and the rewrite is
    /// kept only if it passes the guard (with catalog validation) and the estimator prices it lower. Either way
    /// the attempt is listed (`rewrite_kept` / `rewrite_discarded`) and its tokens counted.
    async fn rewrite(
        &self,
        record: &DatabaseRecord,
        mut accepted: Accepted,
        report: Option<crate::advisor::Report>,
        attempts: &mut Vec<Attempt>,
    ) -> (Accepted, Option<crate::advisor::Report>) {
        let threshold = self.ports.config.nl2sql.advisor.bottleneck_severity_threshold;
        let Some(before) = report.as_ref().and_then(|r| r.cost.as_ref()).map(|c| c.total) else {
            return (accepted, report);
        };
        let findings: Vec<String> = report
            .iter()
            .flat_map(|r| &r.bottlenecks)
            .filter(|b| b.severity >= threshold)
            .map(|b| format!("- {} (severity {}): {}", b.code, b.severity, b.message))
            .collect();
        if findings.is_empty() || accepted.provider == OFFLINE || accepted.decomposition.is_some() {
            return (accepted, report);
        }
        let provider = accepted.provider.clone();
        let system = self.system(&self.linked.skeleton.text()).await;
        let user = llm::prompt::rewrite(self.question, &accepted.sql, &findings.join("\n"));
        let Some(completion) =
            llm::call(self.ports, &provider, Prompt { system: &system, user: &user }, self.deadline, attempts).await
        else {
            return (accepted, report);
        };
        accepted.tokens.prompt += completion.input_tokens;
        accepted.tokens.completion += completion.output_tokens;
        accepted.tokens.total += completion.input_tokens + completion.output_tokens;
        accepted.cost += completion.cost;
        let candidate = match llm::extract::sql(&completion.text) {
            None => Err("the answer holds no SQL query".to_owned()),
            Some(sql) => self.guard(&sql).map_err(|e| format!("{e}: {sql}")),
        };
        let sql = match candidate {
            Ok(sql) => sql,
            Err(why) => {
                attempts.push(attempt(&provider, "rewrite_discarded", why));
                return (accepted, report);
            }
        };
        let rewritten = advise(self.ports, self.tenant, record, self.schema, &sql).await;
        match rewritten.as_ref().and_then(|r| r.cost.as_ref()).map(|c| c.total) {
            Some(after) if after < before => {
                attempts.push(attempt(&provider, "rewrite_kept", format!("estimated cost {before:.1} -> {after:.1}")));
                accepted.sql = sql;
                (accepted, rewritten)
            }
            after => {
                let after = after.map_or("unknown".to_owned(), |a| format!("{a:.1}"));
                let why = format!("estimated cost {before:.1} -> {after}: not cheaper, the first answer stays");
                attempts.push(attempt(&provider, "rewrite_discarded", why));
                (accepted, report)
            }
        }
    }

    /// One question, one model.
    async fn with_model(&self, provider: &str, attempts: &mut Vec<Attempt>) -> Option<Accepted> {
        let system = self.system(&self.linked.skeleton.text()).await;
        let (sql, usage) = self.ask(provider, &system, self.question, attempts).await?;
        let tries = attempts.iter().filter(|a| a.provider == provider && a.outcome != "error").count();
        Some(Accepted {
            sql,
            explanation: format!("Written by {provider} ({}).", usage.model),
            confidence: (1.0 - 0.2 * (tries.saturating_sub(1)) as f64).max(0.3),
            provider: provider.to_owned(),
            tokens: tokens(&usage),
            cost: usage.cost,
            decomposition: None,
        })
    }

    /// The plan for this question, when decomposition is on and it is complex enough.
    fn plan(&self, assessment: &Assessment) -> Option<Plan> {
        let agentic = &self.ports.config.nl2sql.agentic;
        if !agentic.enabled || assessment.score <= agentic.complexity_threshold {
            return None;
        }
        agentic::plan(self.question, agentic::Limits { max_tasks: agentic.max_tasks, max_stages: agentic.max_stages })
    }

    /// The plan's stages in order, each stage's tasks concurrently; the tasks' SQL composes into one query that
    /// must pass the guard like any other.
    async fn decomposed(&self, provider: &str, plan: &Plan, attempts: &mut Vec<Attempt>) -> Option<Accepted> {
        metrics::add("nl2sql_agentic_decompositions_total", &[], 1.0);
        metrics::observe("nl2sql_agentic_tasks_per_query", &[], plan.tasks.len() as f64);
        metrics::observe("nl2sql_agentic_stages_per_query", &[], f64::from(plan.stages));
        let system = self.system(&self.linked.skeleton.text()).await;
        let mut done: Vec<(String, String)> = Vec::new();
        let mut total: Option<Completion> = None;
        for stage in 1..=plan.stages {
            let tasks: Vec<&agentic::Task> = plan.stage(stage).collect();
            let prompts: Vec<String> = tasks.iter().map(|t| task_prompt(t, &done)).collect();
            let runs = prompts.iter().map(|user| async {
                let mut own = Vec::new();
                let answer = self.ask_task(provider, &system, user, &mut own).await;
                (answer, own)
            });
            let results = agentic::join_all(runs.collect()).await;
            for (task, (answer, own)) in tasks.iter().zip(results) {
                attempts.extend(own);
                let (sql, usage) = answer?;
                total = Some(add_usage(total.take(), &usage));
                done.push((task.id.clone(), sql));
            }
        }
        let composed = agentic::compose(&done)?;
        let sql = match self.guard(&composed) {
            Ok(sql) => sql,
            Err(e) => {
                attempts.push(attempt(provider, "invalid", format!("composed query: {e}")));
                return None;
            }
        };
        let usage = total?;
        let tasks: Vec<Value> = plan
            .tasks
            .iter()
            .zip(&done)
            .map(|(t, (_, sql))| json!({"id": t.id, "stage": t.stage, "question": t.question, "depends_on": t.depends_on, "sql": sql}))
            .collect();
        Some(Accepted {
            sql,
            explanation: format!(
                "Written by {provider} ({}) in {} tasks over {} stages.",
                usage.model,
                plan.tasks.len(),
                plan.stages
            ),
            confidence: 0.7,
            provider: provider.to_owned(),
            tokens: tokens(&usage),
            cost: usage.cost,
            decomposition: Some(json!({"stages": plan.stages, "tasks": tasks})),
        })
    }

    /// A task's SQL: it may read the CTEs of earlier tasks, so it is checked only for being one query that
    /// parses; the composed statement goes through the guard.
    async fn ask_task(
        &self,
        provider: &str,
        system: &str,
        user: &str,
        attempts: &mut Vec<Attempt>,
    ) -> Option<(String, Completion)> {
        let completion = llm::call(self.ports, provider, Prompt { system, user }, self.deadline, attempts).await?;
        match llm::extract::sql(&completion.text) {
            Some(sql) => Some((sql, completion)),
            None => {
                attempts.push(attempt(provider, "invalid", "a task's answer holds no SQL query".into()));
                None
            }
        }
    }
}

fn task_prompt(task: &agentic::Task, done: &[(String, String)]) -> String {
    let mut out = format!("Task {}: {}", task.id, task.question);
    if !task.depends_on.is_empty() {
        out.push_str("\nEarlier tasks' results are available as tables named by their ids:");
        for (id, sql) in done.iter().filter(|(id, _)| task.depends_on.contains(id)) {
            out.push_str(&format!("\n{id} = ({sql})"));
        }
        out.push_str("\nWrite the final query over them.");
    }
    out
}

fn add_usage(before: Option<Completion>, next: &Completion) -> Completion {
    match before {
        None => next.clone(),
        Some(b) => Completion {
            input_tokens: b.input_tokens + next.input_tokens,
            output_tokens: b.output_tokens + next.output_tokens,
            cost: b.cost + next.cost,
            ..next.clone()
        },
    }
}

fn tokens(c: &Completion) -> Tokens {
    Tokens { prompt: c.input_tokens, completion: c.output_tokens, total: c.input_tokens + c.output_tokens }
}

fn attempt(provider: &str, outcome: &str, detail: String) -> Attempt {
    Attempt { provider: provider.to_owned(), outcome: outcome.to_owned(), detail, duration_ms: 0 }
}
